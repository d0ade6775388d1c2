// The learner: a model, its data, and the state that passes from one stage to the next
// (DESIGN.md "How data flows"). fit() runs fastai 0.7's training loop: a fresh SGD optimizer per
// fit with one parameter group per layer group, the LR set before every batch from the schedule,
// NLL loss on log-probabilities, and validation over the whole validation split after each epoch.
// With precompute on, the same loops run the head alone on cached body activations (fastai's
// fc_model on fc_data).
#pragma once

#include <c10/core/Device.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/dist/process_group.h"
#include "core/models/classifier.h"
#include "core/train/batch_source.h"
#include "core/train/fit_types.h"
#include "core/train/inference.h"
#include "core/train/learner_state.h"
#include "core/train/loss_scale.h"
#include "core/train/lr_finder.h"
#include "core/train/optimizer.h"
#include "core/train/precision.h"
#include "core/train/schedule.h"
#include "core/train/training_observer.h"
#include "core/util/interrupt.h"

namespace xp::dist {
class GradientAverager;
}

namespace xp::train {

// The frozen body's activations of the training and validation images (features.h), in split
// order, and what they were computed from: precompute trains the head on these.
struct Precomputed {
  std::string key;      // the cache key (pipeline/precompute.h); equal keys = the same activations
  torch::Tensor train;  // float32 [N_train, F], on the learner's device once set_precomputed has it
  torch::Tensor valid;  // float32 [N_valid, F]
};

struct LearnerOptions {
  int batch_size = 64;
  int workers = 2;
  std::uint64_t seed = 42;
  data::PreprocessOptions preprocess;
  data::AugmentOptions augment;  // training batches only
  bool reduced_decode = true;    // data::LoaderOptions::reduced_decode
  ComputeOptions compute;        // fp32/bf16, NCHW/channels_last
  // Every fit's and lr_find's optimizer steps with PyTorch's fused kernels (fused_step.h), the
  // recipe's fused_optimizer resolved.
  bool fused_optimizer = false;
  // Where the model, its optimizer state, the batches and the losses live (train/device.h's
  // torch_device). Results come back to the host: predictions, validation outputs, state().
  c10::Device device = c10::kCPU;
  // Dynamic loss scaling (loss_scale.h): what fp16 training needs. One scale for the learner's
  // life, across fits, as one GradScaler for a whole training script.
  std::optional<LossScaleOptions> loss_scale;
  // Data parallelism (issue #17; none: one process). Each rank's learner holds the whole model
  // and takes its shard of every batch (data::Shard): gradients are averaged over the ranks
  // (dist/gradient_averager.h) so that a step is the one-process step over the whole batch;
  // validation and predictions are split and gathered, the same on every rank. `batch_size` stays
  // the whole step's batch, so the LR, the schedule and the steps per epoch are the recipe's.
  std::shared_ptr<dist::ProcessGroup> group;
  // With a group: BatchNorm over the whole batch, every rank's part (models/batch_norm.h), instead
  // of each rank's own part.
  bool sync_bn = false;
};

// The settings the learner's predictions are made with (batch size, transform, augmentation for
// TTA, precision, device): what `xp predict` starts from too.
InferenceOptions inference_options(const LearnerOptions& options);

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

  // Data parallelism: every rank takes rank 0's weights, BatchNorm statistics, frozen groups, image
  // size and batch size, epoch counter and RNG state — where rank 0 got its state from a file or
  // the stage cache that the others did not read. Nothing without a group.
  void sync_from_rank0();

  // A copy of the state (weights cloned) and its restoration: the same architecture and data,
  // any point of a run. restore() rebuilds the loaders when the size or batch size differ.
  LearnerState state();
  void restore(const LearnerState& state);

 private:
  void make_loaders();
  bool on_gpu() const { return !options_.device.is_cpu(); }
  dist::ProcessGroup* group() const { return options_.group.get(); }
  // Whether to stop (Ctrl-C) before the next training step: in a data-parallel run, when any rank
  // was asked to, as the last step's all-reduce said — every rank stops at the same step.
  bool stop_requested() const { return group() ? stop_agreed_ : interrupt_requested(); }
  data::Shard shard() const;
  // Rank 0's parameters and buffers (BatchNorm statistics), or buffers only, on every rank.
  void broadcast_model(bool buffers_only = false);
  // The training batches: images, or precomputed activations.
  BatchSource& training_batches(bool precomputed);
  // Forward pass of a batch's inputs: images through the whole network, or activations through the head.
  torch::Tensor forward(const torch::Tensor& inputs, bool precomputed);
  // The outputs (float32 [N, C]) for every batch of `source`'s epoch `epoch`, in eval mode, in order.
  torch::Tensor infer(BatchSource& source, bool precomputed, std::int64_t epoch = 0);
  // One optimizer step on `batch`; the loss is returned on the device, unread (loss_readout.h).
  // With a group, `average` makes the gradients the ranks' mean and the loss is the whole batch's.
  torch::Tensor train_step(LayerOptimizer& optimizer, const data::Batch& batch, bool precomputed,
                           dist::GradientAverager* average = nullptr);

  models::Classifier model_;
  data::DataBundle data_;
  LearnerOptions options_;
  std::unique_ptr<data::DataLoader> train_loader_;
  std::unique_ptr<data::DataLoader> valid_loader_;
  data::LoaderOptions valid_loader_options_;
  std::unique_ptr<LoaderBatches> train_images_;
  std::unique_ptr<LoaderBatches> valid_images_;
  std::unique_ptr<BatchSource> train_images_on_device_;  // on a GPU only
  std::unique_ptr<BatchSource> valid_images_on_device_;
  std::optional<Precomputed> precomputed_;
  std::unique_ptr<BatchSource> train_activations_;
  torch::Tensor valid_labels_on_device_;  // the validation labels beside precomputed_->valid
  std::int64_t epochs_done_ = 0;          // across fits: keys the shuffle of each epoch
  std::optional<DynamicLossScale> loss_scale_;
  bool stop_agreed_ = false;  // stop_requested() in a data-parallel run
};

}  // namespace xp::train
