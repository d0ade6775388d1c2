// The learner: a model, its data, and the state that passes from one stage to the next
// (DESIGN.md "How data flows"). fit() runs fastai 0.7's training loop: a fresh SGD optimizer per
// fit with one parameter group per layer group, the LR set before every batch from the schedule,
// NLL loss on log-probabilities, and validation over the whole validation split after each epoch.
// With precompute on, the same loops run the head alone on cached body activations (fastai's
// fc_model on fc_data).
#pragma once

#include <torch/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/models/classifier.h"
#include "core/train/batch_source.h"
#include "core/train/lr_finder.h"
#include "core/train/optimizer.h"
#include "core/train/precision.h"
#include "core/train/schedule.h"

namespace xp::train {

struct EpochStats {
  std::int64_t epoch = 0;    // within the fit, from 0
  double lr = 0;             // last layer group's LR at the epoch's last batch
  double trn_loss = 0;       // fastai's smoothed loss at the end of the epoch
  double trn_loss_mean = 0;  // plain mean of the epoch's batch losses
  double val_loss = 0;       // mean NLL over the whole validation split
  double metric = 0;         // the task's metric over the whole validation split (meters.h)
  double seconds = 0;        // wall time of the epoch, validation included
};

// Where a fit stands, with everything needed to continue it bit for bit (resume): at the end of
// an epoch (batches_done = 0 of the next one), or where Ctrl-C stopped it (mid-epoch, or with
// every batch trained but not yet validated). The learner's own state travels separately
// (LearnerState): the two are saved together.
struct FitProgress {
  std::int64_t epoch = 0;         // the epoch in progress (= epochs of this fit completed)
  std::int64_t batches_done = 0;  // batches of that epoch already trained
  std::int64_t iteration = 0;     // batches of this fit trained: the schedule's position
  double smoothed_average = 0;    // SmoothedLoss's raw running average and count
  std::int64_t smoothed_count = 0;
  double epoch_loss_sum = 0;  // the partial epoch's loss sum and sample count
  double epoch_loss_weight = 0;
  double epoch_seconds = 0;  // time already spent on the partial epoch
  std::vector<EpochStats> history;
  std::string optimizer_state;  // LayerOptimizer::save_state
};

// The learner's state between two batches of a run: what a stage leaves to the next (the stage
// cache) and what resume restores. Activations are not in it: precompute finds them again in
// its own cache by key.
struct LearnerState {
  std::vector<std::pair<std::string, torch::Tensor>>
      weights;  // parameters and buffers, state-dict names
  int frozen_groups = 0;
  bool bn_freeze = false;  // the bn_freeze stage's setting
  int size = 0;            // image size (resize)
  int batch_size = 0;
  std::int64_t epochs_done = 0;  // keys each epoch's shuffle and augmentation
  torch::Tensor rng;             // torch's CPU generator (dropout)
};

struct FitOptions {
  std::vector<double> lr = {1e-2};  // one value, or one per layer group
  ScheduleOptions schedule;
  OptimizerOptions optimizer;  // fastai 0.7: SGD_Momentum(0.9), no weight decay
  bool precompute = false;     // train the head on the learner's precomputed activations
  // Called after the last epoch of each cycle with the cycle's index (fastai's cycle_save_name).
  std::function<void(int cycle)> on_cycle_end;
  // Called after every epoch, and where Ctrl-C stops the fit before Interrupted travels on: the
  // caller saves it with the learner's state() to resume from.
  std::function<void(const FitProgress&)> on_progress;
  // Continue a fit from here instead of starting it (the learner's state restored first).
  const FitProgress* resume = nullptr;
};

// The frozen body's activations of the training and validation images (features.h), in split
// order, and what they were computed from: precompute trains the head on these.
struct Precomputed {
  std::string key;      // the cache key (pipeline/precompute.h); equal keys = the same activations
  torch::Tensor train;  // float32 [N_train, F]
  torch::Tensor valid;  // float32 [N_valid, F]
};

struct LrFindResult {
  std::vector<double> lrs;         // the last layer group's LR at each recorded batch
  std::vector<double> losses;      // fastai's smoothed loss after each recorded batch
  std::vector<double> raw_losses;  // each recorded batch's own loss
  std::int64_t scheduled = 0;      // batches the schedule spans (num_it, or one epoch)
  bool diverged = false;           // stopped by the divergence test (that batch is not recorded)
  LrSuggestions suggestions;
};

struct Validation {
  double loss = 0;
  double metric = 0;  // TaskMetricMeter: accuracy, accuracy_thresh or mse
};

// What the learner reports while it works; report/ implements it (train/ does no I/O).
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_epoch_begin(std::int64_t /*epoch*/, std::int64_t /*epochs*/,
                              std::int64_t /*batches*/) {}
  virtual void on_batch(std::int64_t /*batch*/, double /*smoothed_loss*/) {}
  // A fit's LR of every layer group for its iteration (fastai's sched.plot_lr), frozen groups included.
  virtual void on_lr(std::int64_t /*iteration*/, const std::vector<double>& /*group_lrs*/) {}
  virtual void on_validation_begin() {}
  virtual void on_epoch(const EpochStats& /*stats*/) {}
};

struct LearnerOptions {
  int batch_size = 64;
  int workers = 2;
  std::uint64_t seed = 42;
  data::PreprocessOptions preprocess;
  data::AugmentOptions augment;  // training batches only
  bool reduced_decode = true;    // data::LoaderOptions::reduced_decode
  ComputeOptions compute;        // fp32/bf16, NCHW/channels_last
};

class Learner {
 public:
  Learner(models::Classifier model, data::DataBundle data, LearnerOptions options);

  std::vector<EpochStats> fit(const FitOptions& options, TrainingObserver& observer);
  // fastai 0.7's learn.lr_find(): SGD with momentum 0.9 over one epoch (or num_it batches) with
  // the LR growing exponentially from start_lr to end_lr, stopping when the loss diverges. The
  // model's weights, BatchNorm statistics and torch's RNG are restored afterwards.
  // With options.precompute, on the precomputed activations (fastai's lr_find with precompute=True).
  LrFindResult lr_find(const LrFindOptions& options, TrainingObserver& observer);
  // Validation loss and the task's metric over the whole validation split (on the precomputed
  // validation activations when `precomputed`).
  Validation validate(bool precomputed = false);

  // fastai's set_data for progressive resizing: the same images at a new size and batch size, the
  // model kept. (The caller freezes, as fastai's ConvLearner.set_data does.)
  void set_data(int size, int batch_size);
  // The network's outputs as probabilities (single-label: exp of the log-probabilities; multi-label:
  // the sigmoid outputs; regression: the values), float32 [N, C], for every image of `split` in
  // order: under the validation transform when augmented_pass < 0, else under the training
  // augmentation drawn for that pass (TTA), the same draws every time for the same seed.
  torch::Tensor predict(const std::shared_ptr<const data::ImageSet>& split,
                        std::int64_t augmented_pass = -1);

  void set_precomputed(Precomputed precomputed);
  // The activations set_precomputed last gave, or nullptr.
  const Precomputed* precomputed() const { return precomputed_ ? &*precomputed_ : nullptr; }

  models::Classifier& model() { return model_; }
  const data::DataBundle& data() const { return data_; }
  const LearnerOptions& options() const { return options_; }
  std::int64_t epochs_done() const { return epochs_done_; }

  // A copy of the state (weights cloned) and its restoration: the same architecture and data,
  // any point of a run. restore() rebuilds the loaders when the size or batch size differ.
  LearnerState state();
  void restore(const LearnerState& state);

 private:
  void make_loaders();
  // The training batches: images, or precomputed activations.
  BatchSource& training_batches(bool precomputed);
  // Forward pass of a batch's inputs: images through the whole network, or activations through the head.
  torch::Tensor forward(const torch::Tensor& inputs, bool precomputed);
  // The outputs (float32 [N, C]) for every batch of `source`'s epoch `epoch`, in eval mode, in order.
  torch::Tensor infer(BatchSource& source, bool precomputed, std::int64_t epoch = 0);
  double train_step(LayerOptimizer& optimizer, const data::Batch& batch, bool precomputed);

  models::Classifier model_;
  data::DataBundle data_;
  LearnerOptions options_;
  std::unique_ptr<data::DataLoader> train_loader_;
  std::unique_ptr<data::DataLoader> valid_loader_;
  std::unique_ptr<LoaderBatches> train_images_;
  std::unique_ptr<LoaderBatches> valid_images_;
  std::optional<Precomputed> precomputed_;
  std::unique_ptr<BatchSource> train_activations_;
  std::int64_t epochs_done_ = 0;  // across fits: keys the shuffle of each epoch
};

}  // namespace xp::train
