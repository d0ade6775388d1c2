#include "core/train/learner.h"

#include <torch/torch.h>

#include <chrono>

#include "core/train/loss.h"
#include "core/train/meters.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"

namespace xp::train {

namespace {

using Clock = std::chrono::steady_clock;

// fastai's listify: one LR per layer group; a single value applies to every group.
std::vector<double> per_group(const std::vector<double>& lr, std::size_t groups) {
  if (lr.size() == 1) return std::vector<double>(groups, lr[0]);
  XP_CHECK(lr.size() == groups, "lr has ", lr.size(), " values but the model has ", groups,
           " layer groups; give one value or ", groups);
  return lr;
}

}  // namespace

Learner::Learner(models::Classifier model, data::DataBundle data, LearnerOptions options)
    : model_(std::move(model)), data_(std::move(data)), options_(options) {
  apply_layout(*model_, options_.compute);
  const data::LoaderOptions train_options =
      data::training_loader_options(options_.batch_size, options_.workers, options_.seed, options_.augment,
                                    options_.reduced_decode);
  train_loader_ = std::make_unique<data::DataLoader>(data_.train, train_options, options_.preprocess);
  data::LoaderOptions valid_options = train_options;
  valid_options.shuffle = false;
  valid_options.drop_last = false;
  valid_options.augment = {};  // validation: fastai's Scale + CenterCrop only
  valid_loader_ = std::make_unique<data::DataLoader>(data_.valid, valid_options, options_.preprocess);
}

std::vector<EpochStats> Learner::fit(const FitOptions& options, TrainingObserver& observer) {
  auto groups = model_->layer_groups();
  const std::vector<double> base_lr = per_group(options.lr, groups.size());

  // A fresh optimizer per fit, as fastai 0.7 builds one in every fit() call: momentum buffers do
  // not carry over between stages. Only trainable parameters are handed to it.
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  std::vector<double> group_lr;
  for (std::size_t group_idx = 0; group_idx < groups.size(); ++group_idx) {
    std::vector<torch::Tensor> trainable;
    for (auto& parameter : groups[group_idx])
      if (parameter.requires_grad()) trainable.push_back(parameter);
    if (trainable.empty()) continue;
    auto sgd = std::make_unique<torch::optim::SGDOptions>(base_lr[group_idx]);
    sgd->momentum(options.momentum).weight_decay(options.wd);
    param_groups.emplace_back(std::move(trainable), std::move(sgd));
    group_lr.push_back(base_lr[group_idx]);
  }
  XP_CHECK(!param_groups.empty(), "fit: every layer group is frozen; nothing to train");
  torch::optim::SGD optimizer(std::move(param_groups), torch::optim::SGDOptions(base_lr.back()));

  const std::int64_t batches = train_loader_->batches_per_epoch();
  const std::int64_t epochs = total_epochs(options.schedule);
  const std::vector<double> multipliers = lr_multipliers(options.schedule, batches);

  std::vector<EpochStats> history;
  SmoothedLoss smoothed;  // spans the whole fit, as fastai's avg_loss does
  std::int64_t iteration = 0;
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    const auto started = Clock::now();
    observer.on_epoch_begin(epoch, epochs, batches);
    model_->train_respecting_frozen_bn();
    AverageMeter epoch_loss;
    double lr_now = 0;
    train_loader_->start_epoch(epochs_done_);
    while (auto batch = train_loader_->next()) {
      if (interrupt_requested()) throw Interrupted();
      const double multiplier = multipliers[static_cast<std::size_t>(iteration)];
      for (std::size_t group_idx = 0; group_idx < optimizer.param_groups().size(); ++group_idx) {
        auto& sgd = static_cast<torch::optim::SGDOptions&>(optimizer.param_groups()[group_idx].options());
        sgd.lr(group_lr[group_idx] * multiplier);
      }
      lr_now = group_lr.back() * multiplier;
      optimizer.zero_grad();
      torch::Tensor outputs;
      {
        AutocastScope autocast(options_.compute);
        outputs = model_->forward(to_layout(batch->images, options_.compute));
      }
      const torch::Tensor loss = task_loss(model_->task(), outputs.to(torch::kFloat32), batch->labels);
      loss.backward();
      optimizer.step();
      const double loss_value = loss.item<double>();
      XP_CHECK(std::isfinite(loss_value), "training loss became ", loss_value, " at epoch ", epoch,
               " batch ", batch->index, "; the learning rate is probably too high");
      smoothed.add(loss_value);
      epoch_loss.add(loss_value, static_cast<double>(batch->labels.size(0)));
      ++iteration;
      observer.on_batch(batch->index, smoothed.value());
    }
    ++epochs_done_;
    observer.on_validation_begin();
    const Validation validation = validate();
    EpochStats stats;
    stats.epoch = epoch;
    stats.lr = lr_now;
    stats.trn_loss = smoothed.value();
    stats.trn_loss_mean = epoch_loss.value();
    stats.val_loss = validation.loss;
    stats.metric = validation.metric;
    stats.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    history.push_back(stats);
    observer.on_epoch(stats);
  }
  return history;
}

Validation Learner::validate() {
  torch::NoGradGuard no_grad;
  model_->eval();
  AverageMeter loss;
  TaskMetricMeter metric(model_->task());
  valid_loader_->start_epoch(0);
  while (auto batch = valid_loader_->next()) {
    if (interrupt_requested()) throw Interrupted();
    torch::Tensor outputs;
    {
      AutocastScope autocast(options_.compute);
      outputs = model_->forward(to_layout(batch->images, options_.compute)).to(torch::kFloat32);
    }
    const double count = static_cast<double>(batch->labels.size(0));
    loss.add(task_loss(model_->task(), outputs, batch->labels).item<double>(), count);
    metric.add(outputs, batch->labels);
  }
  return {loss.value(), metric.value()};
}

}  // namespace xp::train
