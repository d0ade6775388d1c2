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

// fastai's LayerOptimizer: one SGD param group per layer group that has trainable parameters,
// built afresh for every fit (and lr_find). `group_lr` receives each kept group's base LR.
std::unique_ptr<torch::optim::SGD> make_optimizer(const std::vector<std::vector<torch::Tensor>>& groups,
                                                  const std::vector<double>& base_lr, double momentum, double wd,
                                                  std::vector<double>& group_lr) {
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  group_lr.clear();
  for (std::size_t group_idx = 0; group_idx < groups.size(); ++group_idx) {
    std::vector<torch::Tensor> trainable;
    for (const auto& parameter : groups[group_idx])
      if (parameter.requires_grad()) trainable.push_back(parameter);
    if (trainable.empty()) continue;
    auto sgd = std::make_unique<torch::optim::SGDOptions>(base_lr[group_idx]);
    sgd->momentum(momentum).weight_decay(wd);
    param_groups.emplace_back(std::move(trainable), std::move(sgd));
    group_lr.push_back(base_lr[group_idx]);
  }
  XP_CHECK(!param_groups.empty(), "every layer group is frozen; nothing to train");
  return std::make_unique<torch::optim::SGD>(std::move(param_groups), torch::optim::SGDOptions(base_lr.back()));
}

// Every param group's LR = its base LR × multiplier.
void set_lr(torch::optim::SGD& optimizer, const std::vector<double>& group_lr, double multiplier) {
  for (std::size_t group_idx = 0; group_idx < optimizer.param_groups().size(); ++group_idx) {
    auto& sgd = static_cast<torch::optim::SGDOptions&>(optimizer.param_groups()[group_idx].options());
    sgd.lr(group_lr[group_idx] * multiplier);
  }
}

// Every parameter and buffer of the model, and torch's RNG (dropout): what lr_find puts back.
class StateSnapshot {
 public:
  explicit StateSnapshot(torch::nn::Module& model) : model_(model) {
    torch::NoGradGuard no_grad;
    for (const auto& tensor : model.parameters()) saved_.push_back(tensor.detach().clone());
    for (const auto& tensor : model.buffers()) saved_.push_back(tensor.detach().clone());
    auto generator = at::detail::getDefaultCPUGenerator();
    const std::lock_guard<std::mutex> lock(generator.mutex());
    rng_ = generator.get_state();
  }

  void restore() {
    torch::NoGradGuard no_grad;
    std::size_t idx = 0;
    for (auto& tensor : model_.parameters()) tensor.copy_(saved_[idx++]);
    for (auto& tensor : model_.buffers()) tensor.copy_(saved_[idx++]);
    auto generator = at::detail::getDefaultCPUGenerator();
    const std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(rng_);
  }

 private:
  torch::nn::Module& model_;
  std::vector<torch::Tensor> saved_;
  torch::Tensor rng_;
};

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
  std::vector<double> group_lr;
  const auto optimizer = make_optimizer(groups, base_lr, options.momentum, options.wd, group_lr);

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
      set_lr(*optimizer, group_lr, multiplier);
      std::vector<double> all_groups(base_lr);  // frozen groups too, as fastai reports them
      for (double& lr : all_groups) lr *= multiplier;
      lr_now = all_groups.back();               // the head, always trainable
      observer.on_lr(iteration, all_groups);
      const double loss_value = train_step(*optimizer, *batch);
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

double Learner::train_step(torch::optim::SGD& optimizer, const data::Batch& batch) {
  optimizer.zero_grad();
  torch::Tensor outputs;
  {
    AutocastScope autocast(options_.compute);
    outputs = model_->forward(to_layout(batch.images, options_.compute));
  }
  const torch::Tensor loss = task_loss(model_->task(), outputs.to(torch::kFloat32), batch.labels);
  loss.backward();
  optimizer.step();
  return loss.item<double>();
}

LrFindResult Learner::lr_find(const LrFindOptions& options, TrainingObserver& observer) {
  // fastai saves the model before and loads it after; xp also puts torch's RNG back and leaves the
  // epoch counter alone, so that the stages after an lr_find run exactly as they would without it.
  StateSnapshot snapshot(*model_);
  const auto groups = model_->layer_groups();
  const std::vector<double> start = per_group(options.start_lr, groups.size());
  std::vector<double> group_lr;
  const auto optimizer = make_optimizer(groups, start, 0.9, 0.0, group_lr);  // fastai 0.7: SGD_Momentum(0.9), no wd

  LrFindResult result;
  const std::int64_t per_epoch = train_loader_->batches_per_epoch();
  result.scheduled = options.num_it > 0 ? options.num_it : per_epoch;
  const std::vector<double> multipliers = lr_find_multipliers(group_lr.back(), options.end_lr, result.scheduled, options.linear);
  SmoothedLoss smoothed;
  DivergenceStop stop;
  observer.on_epoch_begin(0, 1, result.scheduled);
  model_->train_respecting_frozen_bn();
  const auto scheduled = static_cast<std::size_t>(result.scheduled);
  try {
    // num_it beyond one epoch continues into the next epochs' batches, as fastai v2 does.
    for (std::int64_t epoch = 0; !result.diverged && result.lrs.size() < scheduled; ++epoch) {
      train_loader_->start_epoch(epochs_done_ + epoch);
      while (auto batch = train_loader_->next()) {
        if (interrupt_requested()) throw Interrupted();
        const std::size_t iteration = result.lrs.size();
        if (iteration >= scheduled) break;
        set_lr(*optimizer, group_lr, multipliers[iteration]);
        const double loss = train_step(*optimizer, *batch);
        smoothed.add(loss);
        if (options.stop_div && stop.should_stop(smoothed.value())) {
          result.diverged = true;
          break;
        }
        result.lrs.push_back(group_lr.back() * multipliers[iteration]);
        result.losses.push_back(smoothed.value());
        result.raw_losses.push_back(loss);
        observer.on_batch(batch->index, smoothed.value());
      }
    }
  } catch (...) {
    snapshot.restore();
    throw;
  }
  snapshot.restore();
  result.suggestions = suggest_lrs(result.lrs, result.losses, result.scheduled);
  return result;
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
