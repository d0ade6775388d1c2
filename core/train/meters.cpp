#include "core/train/meters.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace xp::train {

void AverageMeter::add(double value, double weight) {
  sum_ += value * weight;
  weight_ += weight;
}

double AverageMeter::value() const {
  return weight_ > 0 ? sum_ / weight_ : std::numeric_limits<double>::quiet_NaN();
}

void AverageMeter::reset() { sum_ = weight_ = 0; }

void AccuracyMeter::add(const torch::Tensor& scores, const torch::Tensor& targets) {
  correct_ += scores.argmax(1).eq(targets).sum().item<std::int64_t>();
  total_ += targets.size(0);
}

double AccuracyMeter::value() const {
  return total_ > 0 ? static_cast<double>(correct_) / static_cast<double>(total_)
                    : std::numeric_limits<double>::quiet_NaN();
}

void AccuracyMeter::reset() { correct_ = total_ = 0; }

std::string TaskMetricMeter::name(models::Task task) {
  switch (task) {
    case models::Task::kSingleLabel:
      return "accuracy";
    case models::Task::kMultiLabel:
      return "accuracy_thresh";
    case models::Task::kRegression:
      return "mse";
  }
  return "";
}

void TaskMetricMeter::add(const torch::Tensor& outputs, const torch::Tensor& targets) {
  const double elements = static_cast<double>(targets.numel());
  switch (task_) {
    case models::Task::kSingleLabel:
      accuracy_.add(outputs, targets);
      break;
    case models::Task::kMultiLabel:
      elementwise_.add(
          outputs.gt(0.5).eq(targets.gt(0.5)).to(torch::kFloat64).mean().item<double>(), elements);
      break;
    case models::Task::kRegression:
      elementwise_.add((outputs.to(torch::kFloat64) - targets.to(torch::kFloat64))
                           .square()
                           .mean()
                           .item<double>(),
                       elements);
      break;
  }
}

double TaskMetricMeter::value() const {
  return task_ == models::Task::kSingleLabel ? accuracy_.value() : elementwise_.value();
}

void TaskMetricMeter::reset() {
  accuracy_.reset();
  elementwise_.reset();
}

void SmoothedLoss::add(double loss) {
  average_ = beta_ * average_ + (1 - beta_) * loss;
  ++count_;
}

double SmoothedLoss::value() const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return average_ / (1 - std::pow(beta_, static_cast<double>(count_)));
}

void SmoothedLoss::reset() {
  average_ = 0;
  count_ = 0;
}

}  // namespace xp::train
