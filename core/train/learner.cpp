#include "core/train/learner.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <unordered_map>

#include "core/dist/gather_rows.h"
#include "core/dist/gradient_averager.h"
#include "core/models/batch_norm.h"
#include "core/train/activation_batches.h"
#include "core/train/device_batches.h"
#include "core/train/fit_cursor.h"
#include "core/train/loss.h"
#include "core/train/loss_readout.h"
#include "core/train/meters.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"

namespace xp::train {

std::string per_group_mismatch(std::size_t values, std::size_t groups) {
  if (values == 1 || values == groups) return "";
  return str_cat("has ", values, " values but the model has ", groups,
                 " layer groups; give one value or ", groups);
}

namespace {

using Clock = std::chrono::steady_clock;

// fastai's listify: one LR per layer group; a single value applies to every group.
std::vector<double> per_group(const std::vector<double>& lr, std::size_t groups) {
  const std::string mismatch = per_group_mismatch(lr.size(), groups);
  XP_CHECK(mismatch.empty(), "lr ", mismatch);
  return lr.size() == 1 ? std::vector<double>(groups, lr[0]) : lr;
}

// The state of the generator that draws dropout's masks on `device` (the CPU's, or the GPU's).
torch::Tensor generator_state(c10::Device device) {
  auto generator = at::globalContext().defaultGenerator(device);
  const std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(c10::Device device, const torch::Tensor& state) {
  auto generator = at::globalContext().defaultGenerator(device);
  const std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

// A copy of `tensor` in host memory (state() hands out host tensors whatever the device).
torch::Tensor host_copy(const torch::Tensor& tensor) {
  return tensor.device().is_cpu() ? tensor.detach().clone() : tensor.detach().cpu();
}

// Every parameter and buffer of the model, and torch's RNGs (dropout): what lr_find puts back.
// Kept on the model's device: nothing crosses to the host.
class StateSnapshot {
 public:
  StateSnapshot(torch::nn::Module& model, c10::Device device) : model_(model), device_(device) {
    torch::NoGradGuard no_grad;
    for (const auto& tensor : model.parameters()) saved_.push_back(tensor.detach().clone());
    for (const auto& tensor : model.buffers()) saved_.push_back(tensor.detach().clone());
    cpu_rng_ = generator_state(c10::kCPU);
    if (!device.is_cpu()) device_rng_ = generator_state(device);
  }

  void restore() {
    torch::NoGradGuard no_grad;
    std::size_t idx = 0;
    for (auto& tensor : model_.parameters()) tensor.copy_(saved_[idx++]);
    for (auto& tensor : model_.buffers()) tensor.copy_(saved_[idx++]);
    set_generator_state(c10::kCPU, cpu_rng_);
    if (!device_.is_cpu()) set_generator_state(device_, device_rng_);
  }

 private:
  torch::nn::Module& model_;
  c10::Device device_;
  std::vector<torch::Tensor> saved_;
  torch::Tensor cpu_rng_;
  torch::Tensor device_rng_;
};

}  // namespace

Learner::Learner(models::Classifier model, data::DataBundle data, LearnerOptions options)
    : model_(std::move(model)), data_(std::move(data)), options_(options) {
  model_->to(options_.device);
  apply_layout(*model_, options_.compute);
  if (options_.loss_scale) loss_scale_.emplace(*options_.loss_scale);
  make_loaders();
  broadcast_model();  // DDP's start: every rank from rank 0's initial weights
  if (group() && options_.sync_bn) {
    std::shared_ptr<dist::ProcessGroup> ranks = options_.group;
    const int left_out = models::synchronize_batch_norm(
        *model_, [ranks](torch::Tensor& tensor) { ranks->allreduce_sum(tensor); });
    XP_CHECK(left_out == 0, "sync_bn: ", left_out,
             " BatchNorm layers of this TorchScript body cannot be synchronized; remove sync_bn");
  }
}

data::Shard Learner::shard() const { return dist::shard_of(group()); }

void Learner::broadcast_model(bool buffers_only) {
  if (!group()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  if (!buffers_only) tensors = model_->parameters();
  for (const auto& buffer : model_->buffers()) tensors.push_back(buffer);
  // c10d broadcasts in place into each tensor: the model's own tensors, not copies.
  group()->broadcast_from_rank0(tensors);
}

void Learner::sync_from_rank0() {
  if (!group()) return;
  // The small state first: what the others must rebuild before the tensors can be taken.
  torch::Tensor counters = torch::tensor(
      {std::int64_t{model_->frozen_groups()}, std::int64_t{model_->bn_freeze()},
       std::int64_t{options_.preprocess.size}, std::int64_t{options_.batch_size}, epochs_done_},
      torch::kInt64);
  torch::Tensor rng = generator_state(c10::kCPU);
  std::vector<torch::Tensor> small = {counters, rng};
  group()->broadcast_from_rank0(small);
  const auto at = [&](int i) { return counters[i].item<std::int64_t>(); };
  model_->freeze_to(static_cast<int>(at(0)));
  model_->set_bn_freeze(at(1) != 0);
  if (at(2) != options_.preprocess.size || at(3) != options_.batch_size)
    set_data(static_cast<int>(at(2)), static_cast<int>(at(3)));
  epochs_done_ = at(4);
  set_generator_state(c10::kCPU, rng);
  broadcast_model();
}

void Learner::make_loaders() {
  data::LoaderOptions train_options =
      data::training_loader_options(options_.batch_size, options_.workers, options_.seed,
                                    options_.augment, options_.reduced_decode);
  train_options.shard = shard();
  feed_device(train_options, options_.device);
  train_loader_ =
      std::make_unique<data::DataLoader>(data_.train, train_options, options_.preprocess);
  data::LoaderOptions valid_options = train_options;
  valid_options.shuffle = false;
  valid_options.drop_last = false;
  valid_options.augment = {};  // validation: fastai's Scale + CenterCrop only
  valid_loader_ =
      std::make_unique<data::DataLoader>(data_.valid, valid_options, options_.preprocess);
  valid_loader_options_ = valid_options;
  train_images_ = std::make_unique<LoaderBatches>(*train_loader_);
  valid_images_ = std::make_unique<LoaderBatches>(*valid_loader_);
  train_images_on_device_.reset();
  valid_images_on_device_.reset();
}

void Learner::set_data(int size, int batch_size) {
  options_.preprocess.size = size;
  options_.batch_size = batch_size;
  make_loaders();
  // Activations of the old size are of no use at the new one (the cache key holds the size).
  precomputed_.reset();
  train_activations_.reset();
}

void Learner::set_precomputed(Precomputed precomputed) {
  XP_ASSERT(precomputed.train.size(0) == data_.train->size() &&
                precomputed.valid.size(0) == data_.valid->size(),
            "precomputed activations do not match the splits");
  // The head trains on them as on images: same batch size, shuffle and last batch (fastai's fc_data).
  data::LoaderOptions options = data::training_loader_options(options_.batch_size, options_.workers,
                                                              options_.seed, {}, false);
  options.shard = shard();
  // Into device memory once: the head's epochs then read nothing from the host.
  precomputed.train = precomputed.train.to(options_.device);
  precomputed.valid = precomputed.valid.to(options_.device);
  valid_labels_on_device_ = data_.valid->labels.to(options_.device);
  train_activations_ = std::make_unique<ActivationBatches>(
      precomputed.train, data_.train->labels.to(options_.device), options);
  precomputed_ = std::move(precomputed);
}

BatchSource& Learner::training_batches(bool precomputed) {
  if (!precomputed) return batches_on(options_.device, *train_images_, train_images_on_device_);
  XP_CHECK(precomputed_.has_value(), "precompute: no activations were computed for this learner");
  return *train_activations_;
}

torch::Tensor Learner::forward(const torch::Tensor& inputs, bool precomputed) {
  AutocastScope autocast(options_.compute, options_.device);
  if (precomputed) return model_->head->forward(inputs);
  return model_->forward(to_layout(inputs, options_.compute));
}

std::vector<EpochStats> Learner::fit(const FitOptions& options, TrainingObserver& observer) {
  auto groups = model_->layer_groups();
  const std::vector<double> base_lr = per_group(options.lr, groups.size());
  BatchSource& batches = training_batches(options.precompute);

  // A fresh optimizer per fit, as fastai 0.7 builds one in every fit() call: momentum buffers do
  // not carry over between stages. Only trainable parameters are handed to it.
  OptimizerOptions optimizer_options = options.optimizer;
  optimizer_options.fused = options_.fused_optimizer;
  LayerOptimizer optimizer(groups, base_lr, optimizer_options);
  std::optional<dist::GradientAverager> average;
  if (group()) average.emplace(*group(), optimizer.parameters());

  const std::int64_t per_epoch = batches.batches_per_epoch();
  const std::int64_t epochs = total_epochs(options.schedule);
  const std::vector<double> multipliers = lr_multipliers(options.schedule, per_epoch);
  const std::vector<double> momenta =
      momentum_values(options.schedule, per_epoch, options.optimizer.momentum);
  const std::vector<std::int64_t> cycle_ends = cycle_end_epochs(options.schedule);
  const auto group_lrs = [&](std::int64_t iteration) {  // frozen groups too, as fastai reports them
    std::vector<double> all_groups(base_lr);
    for (double& lr : all_groups) lr *= multipliers[static_cast<std::size_t>(iteration)];
    return all_groups;
  };

  FitCursor cursor(epochs, per_epoch, options.resume);
  if (options.resume) {
    optimizer.load_state(options.resume->optimizer_state);
    // The LR log of the iterations trained before the stop, so lr_schedule.csv is whole.
    for (std::int64_t iteration = 0; iteration < cursor.iteration(); ++iteration)
      observer.on_lr(iteration, group_lrs(iteration));
    // And the training curve: the smoothed loss is a function of the losses before it.
    SmoothedLoss smoothed;
    for (std::size_t iteration = 0; iteration < cursor.losses().size(); ++iteration) {
      smoothed.add(cursor.losses()[iteration]);
      observer.on_loss(static_cast<std::int64_t>(iteration), cursor.losses()[iteration],
                       smoothed.value());
    }
  }
  const auto report_progress = [&](double epoch_seconds) {
    if (options.on_progress)
      options.on_progress(cursor.save(optimizer.save_state(), epoch_seconds));
  };

  while (!cursor.done()) {
    const std::int64_t epoch = cursor.epoch();
    const auto started = Clock::now();
    const double earlier_seconds = cursor.earlier_seconds();
    const auto epoch_seconds = [&] {
      return earlier_seconds + std::chrono::duration<double>(Clock::now() - started).count();
    };
    // The batches' losses reach the cursor (and the progress bar) when read back from the device:
    // on a GPU a few batches after they were trained, all of them before the epoch ends.
    LossReadout readout(loss_readout_interval(on_gpu()));
    const auto read_losses = [&](bool notify = true) {
      // Every batch read reaches the cursor, even when the observer stops the fit (Interrupted)
      // part-way through them: the resume point must hold every batch the weights have seen.
      std::exception_ptr stopped;
      for (const LossReadout::Read& read : readout.take()) {
        XP_CHECK(std::isfinite(read.loss), "training loss became ", read.loss, " at epoch ", epoch,
                 " batch ", read.batch_index, "; the learning rate is probably too high");
        cursor.add_batch(read.loss, static_cast<double>(read.batch_size));
        if (stopped || !notify) continue;
        try {
          observer.on_loss(cursor.iteration() - 1, read.loss, cursor.smoothed_loss());
          observer.on_batch(read.batch_index, cursor.smoothed_loss());
        } catch (...) {
          stopped = std::current_exception();
        }
      }
      if (stopped) std::rethrow_exception(stopped);
    };
    try {
      observer.on_epoch_begin(epoch, epochs, per_epoch);
      model_->train_respecting_frozen_bn();
      batches.start_epoch(epochs_done_);
      // A fit resumed mid-epoch passes over the batches already trained (same order, same draws).
      for (std::int64_t skipped = 0; skipped < cursor.batches_done() && batches.next(); ++skipped) {
      }
      double lr_now = cursor.batches_done() > 0 ? group_lrs(cursor.iteration() - 1).back() : 0.0;
      while (auto batch = batches.next()) {
        if (stop_requested()) throw Interrupted();
        const std::int64_t iteration = cursor.iteration() + readout.pending();
        const auto at = static_cast<std::size_t>(iteration);
        optimizer.set(multipliers[at], momenta[at]);
        const std::vector<double> all_groups = group_lrs(iteration);
        lr_now = all_groups.back();  // the head, always trainable
        observer.on_lr(iteration, all_groups);
        readout.add(
            train_step(optimizer, *batch, options.precompute, average ? &*average : nullptr),
            batch->index, batch->global_size);
        if (readout.due()) read_losses();
      }
      read_losses();
      observer.on_validation_begin();
      const Validation validation = validate(options.precompute);
      ++epochs_done_;
      EpochStats stats;
      stats.epoch = epoch;
      stats.lr = lr_now;
      stats.trn_loss = cursor.smoothed_loss();
      stats.trn_loss_mean = cursor.epoch_mean_loss();
      stats.val_loss = validation.loss;
      stats.metric = validation.metric;
      stats.seconds = epoch_seconds();
      cursor.end_epoch(stats);
      observer.on_epoch(stats);
    } catch (const Interrupted&) {
      read_losses(/*notify=*/false);     // every batch trained so far is in the resume point
      report_progress(epoch_seconds());  // Ctrl-C: save where the fit stands, then stop
      throw;
    }
    const auto cycle_end = std::find(cycle_ends.begin(), cycle_ends.end(), epoch + 1);
    if (cycle_end != cycle_ends.end() && options.on_cycle_end)
      options.on_cycle_end(static_cast<int>(cycle_end - cycle_ends.begin()));
    if (!cursor.done()) report_progress(0);  // "epoch e+1, nothing trained yet"
  }
  return cursor.history();
}

LearnerState Learner::state() {
  torch::NoGradGuard no_grad;
  LearnerState state;
  for (const auto& item : model_->named_parameters())
    state.weights.emplace_back(item.key(), host_copy(item.value()));
  for (const auto& item : model_->named_buffers())
    state.weights.emplace_back(item.key(), host_copy(item.value()));
  state.frozen_groups = model_->frozen_groups();
  state.bn_freeze = model_->bn_freeze();
  state.size = options_.preprocess.size;
  state.batch_size = options_.batch_size;
  state.epochs_done = epochs_done_;
  state.rng = generator_state(c10::kCPU);
  if (on_gpu()) state.device_rng = generator_state(options_.device);
  if (loss_scale_) state.loss_scale = loss_scale_->state();
  return state;
}

void Learner::restore(const LearnerState& state) {
  {
    torch::NoGradGuard no_grad;
    std::unordered_map<std::string, torch::Tensor> targets;
    for (const auto& item : model_->named_parameters()) targets.emplace(item.key(), item.value());
    for (const auto& item : model_->named_buffers()) targets.emplace(item.key(), item.value());
    XP_CHECK(targets.size() == state.weights.size(), "saved learner state has ",
             state.weights.size(), " tensors but the model has ", targets.size());
    for (const auto& [name, saved] : state.weights) {
      const auto target = targets.find(name);
      XP_CHECK(target != targets.end(), "saved learner state has tensor '", name,
               "', which the model does not");
      XP_CHECK(target->second.sizes() == saved.sizes(), "saved learner state: tensor '", name,
               "' has shape ", saved.sizes(), ", the model's is ", target->second.sizes());
      target->second.copy_(saved);
    }
  }
  model_->freeze_to(state.frozen_groups);
  model_->set_bn_freeze(state.bn_freeze);
  if (state.size != options_.preprocess.size || state.batch_size != options_.batch_size)
    set_data(state.size, state.batch_size);
  epochs_done_ = state.epochs_done;
  set_generator_state(c10::kCPU, state.rng);
  // A state saved on the CPU has no GPU generator: the GPU's is then left as it is.
  if (on_gpu() && state.device_rng.defined())
    set_generator_state(options_.device, state.device_rng);
  if (loss_scale_ && state.loss_scale) loss_scale_->restore(*state.loss_scale);
}

torch::Tensor Learner::train_step(LayerOptimizer& optimizer, const data::Batch& batch,
                                  bool precomputed, dist::GradientAverager* average) {
  optimizer.zero_grad();
  const torch::Tensor outputs = forward(batch.images, precomputed);
  torch::Tensor loss = task_loss(model_->task(), outputs.to(torch::kFloat32), batch.labels);
  // Data parallelism: this rank's mean loss, weighed by its share of the batch, so that the
  // ranks' mean gradient is the gradient of the whole batch's mean loss (shards differ by one
  // sample when the batch does not divide evenly).
  const double share =
      average ? static_cast<double>(batch.labels.size(0)) / static_cast<double>(batch.global_size)
              : 1.0;
  const torch::Tensor weighted = average ? loss * (share * group()->size()) : loss;
  const auto whole_batch_loss = [&] {
    if (!average) return loss.detach();
    // Σ over ranks: the batch's mean loss, and how many ranks were asked to stop (Ctrl-C), so
    // that all stop before the same step.
    torch::Tensor part =
        torch::stack({loss.detach().to(torch::kFloat32) * share,
                      torch::tensor(interrupt_requested() ? 1.0f : 0.0f).to(loss.device())});
    group()->allreduce_sum(part);
    stop_agreed_ = part[1].item<float>() > 0;
    return part[0];
  };
  if (!loss_scale_) {
    weighted.backward();
    if (average) average->finish();
    optimizer.step();
    return whole_batch_loss();
  }
  // fp16: a step whose gradients overflowed is skipped, and the scale backs off (loss_scale.h).
  loss_scale_->scaled(weighted).backward();
  if (average) average->finish();  // the same gradients everywhere: the same skip decision
  const bool finite = loss_scale_->unscale(optimizer.parameters());
  if (finite) optimizer.step();
  loss_scale_->update(finite);
  return whole_batch_loss();
}

LrFindResult Learner::lr_find(const LrFindOptions& options, TrainingObserver& observer) {
  // fastai saves the model before and loads it after; xp also puts torch's RNG back and leaves the
  // epoch counter alone, so that the stages after an lr_find run exactly as they would without it.
  StateSnapshot snapshot(*model_, options_.device);
  const std::optional<DynamicLossScale> loss_scale_before = loss_scale_;
  const auto put_back = [&] {
    snapshot.restore();
    loss_scale_ = loss_scale_before;
  };
  const auto groups = model_->layer_groups();
  const std::vector<double> start = per_group(options.start_lr, groups.size());
  OptimizerOptions sgd;  // fastai 0.7: SGD_Momentum(0.9), no wd
  sgd.fused = options_.fused_optimizer;
  LayerOptimizer optimizer(groups, start, sgd);
  const double start_last = optimizer.last_base_lr();  // the LR the ramp takes to end_lr
  std::optional<dist::GradientAverager> average;
  if (group()) average.emplace(*group(), optimizer.parameters());

  BatchSource& batches = training_batches(options.precompute);
  LrFindResult result;
  const std::int64_t per_epoch = batches.batches_per_epoch();
  result.scheduled = options.num_it > 0 ? options.num_it : per_epoch;
  const std::vector<double> multipliers =
      lr_find_multipliers(start_last, options.end_lr, result.scheduled, options.linear);
  SmoothedLoss smoothed;
  DivergenceStop stop;
  observer.on_epoch_begin(0, 1, result.scheduled);
  model_->train_respecting_frozen_bn();
  const auto scheduled = static_cast<std::size_t>(result.scheduled);
  // Losses are read back a few batches late on a GPU (loss_readout.h): the batches trained past
  // the divergence point are not recorded, and the snapshot's restore undoes them.
  LossReadout readout(loss_readout_interval(on_gpu()));
  const auto read_losses = [&] {
    for (const LossReadout::Read& read : readout.take()) {
      if (result.diverged) break;
      const std::size_t iteration = result.lrs.size();
      smoothed.add(read.loss);
      if (options.stop_div && stop.should_stop(smoothed.value())) {
        result.diverged = true;
        break;
      }
      result.lrs.push_back(start_last * multipliers[iteration]);
      result.losses.push_back(smoothed.value());
      result.raw_losses.push_back(read.loss);
      observer.on_lr_find(static_cast<std::int64_t>(iteration), result.lrs.back(), read.loss,
                          smoothed.value());
      observer.on_batch(read.batch_index, smoothed.value());
    }
  };
  try {
    // num_it beyond one epoch continues into the next epochs' batches, as fastai v2 does.
    std::size_t trained = 0;
    for (std::int64_t epoch = 0; !result.diverged && trained < scheduled; ++epoch) {
      batches.start_epoch(epochs_done_ + epoch);
      while (auto batch = batches.next()) {
        if (stop_requested()) throw Interrupted();
        if (trained >= scheduled) break;
        optimizer.set(multipliers[trained], 0.9);
        readout.add(
            train_step(optimizer, *batch, options.precompute, average ? &*average : nullptr),
            batch->index, batch->global_size);
        ++trained;
        if (readout.due()) read_losses();
        if (result.diverged) break;
      }
      read_losses();
    }
  } catch (...) {
    put_back();
    throw;
  }
  put_back();
  result.suggestions = suggest_lrs(result.lrs, result.losses, result.scheduled);
  return result;
}

Validation Learner::validate(bool precomputed) {
  // Every rank validates the same model: rank 0's BatchNorm statistics, which the ranks' own
  // batches moved apart (DDP broadcasts them before every forward; once here, before they are
  // read, gives rank 0 the same values).
  broadcast_model(/*buffers_only=*/true);
  torch::Tensor outputs;
  if (precomputed) {
    XP_CHECK(precomputed_.has_value(), "precompute: no activations were computed for this learner");
    data::LoaderOptions options;
    options.batch_size = options_.batch_size;
    options.shard = shard();
    ActivationBatches batches(precomputed_->valid, valid_labels_on_device_, options);
    outputs = dist::gather_rows(group(), infer(batches, true), data_.valid->size(), options);
  } else {
    outputs = dist::gather_rows(
        group(), infer(batches_on(options_.device, *valid_images_, valid_images_on_device_), false),
        data_.valid->size(), valid_loader_options_);
  }
  TaskMetricMeter metric(model_->task());
  metric.add(outputs, data_.valid->labels);
  return {task_loss(model_->task(), outputs, data_.valid->labels).item<double>(), metric.value()};
}

torch::Tensor Learner::infer(BatchSource& source, bool precomputed, std::int64_t epoch) {
  torch::NoGradGuard no_grad;
  model_->eval();
  std::vector<torch::Tensor> outputs;
  source.start_epoch(epoch);
  while (auto batch = source.next()) {
    // Ctrl-C in a data-parallel run waits for the next training step, which every rank stops at.
    if (!group() && interrupt_requested()) throw Interrupted();
    if (batch->images.size(0) == 0) continue;  // a rank's empty part of a last small batch
    outputs.push_back(forward(batch->images, precomputed).to(torch::kFloat32));
  }
  // One transfer for the whole split: the loss and metric are computed on the host, as on the CPU.
  if (outputs.empty()) return torch::empty({0, model_->outputs()});
  return torch::cat(outputs).cpu();
}

InferenceOptions inference_options(const LearnerOptions& options) {
  InferenceOptions inference;
  inference.batch_size = options.batch_size;
  inference.workers = options.workers;
  inference.seed = options.seed;
  inference.preprocess = options.preprocess;
  inference.augment = options.augment;
  inference.reduced_decode = options.reduced_decode;
  inference.compute = options.compute;
  inference.device = options.device;
  return inference;
}

torch::Tensor Learner::predict(const std::shared_ptr<const data::ImageSet>& split,
                               std::int64_t augmented_pass) {
  broadcast_model(/*buffers_only=*/true);
  InferenceOptions options = inference_options(options_);
  options.group = group();
  return infer_images(*model_, split, options, augmented_pass).probs;
}

}  // namespace xp::train
