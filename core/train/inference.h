// A trained network's predictions for a split of images, the one code path of the `predict` and
// `tta` stages (through Learner::predict) and of `xp predict` on new images: the threaded loader
// under the validation transform (or a TTA pass's augmentation), batches fed to the device as the
// learner feeds them, autocast and memory layout as in training, outputs as probabilities.
//
//   InferenceOptions options = …;            // batch size, transform, device, precision
//   options.skip_unreadable = true;          // xp predict: list bad files, keep going
//   const Inference result = infer_images(*model, images, options);
//   result.probs[row] is the image result.kept[row]; result.unreadable lists the others.
#pragma once

#include <c10/core/Device.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/data/augment.h"
#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/data/preprocess.h"
#include "core/dist/process_group.h"
#include "core/models/classifier.h"
#include "core/train/compute_options.h"

namespace xp::train {

struct InferenceOptions {
  int batch_size = 64;
  int workers = 2;
  std::uint64_t seed = 42;             // the run's seed: a TTA pass's draws come from it
  data::PreprocessOptions preprocess;  // size and normalization
  data::AugmentOptions augment;        // the training augmentation, for TTA passes
  bool reduced_decode = true;
  ComputeOptions compute;
  c10::Device device = c10::kCPU;
  bool skip_unreadable = false;  // data::LoaderOptions::skip_unreadable
  // Data parallelism: this rank infers its part of every batch (data::Shard) and the parts are
  // gathered — every rank gets the whole split's probabilities. Not with skip_unreadable.
  dist::ProcessGroup* group = nullptr;
};

struct UnreadableImage {
  std::int64_t sample = 0;  // its index in the split
  std::string reason;
};

struct Inference {
  // float32 [kept, C] on the host: probabilities (single-label: softmax; multi-label: sigmoid) or
  // values (regression), one row per readable image in split order.
  torch::Tensor probs;
  std::vector<std::int64_t> kept;  // the split's index of each row
  std::vector<UnreadableImage> unreadable;
};

// `augmented_pass` < 0: the validation transform (fastai's Scale + CenterCrop); ≥ 0: the training
// augmentation drawn for that TTA pass — the same draws for the same seed, pass and image index.
// `on_batch(images_done)` is called after each batch (progress).
Inference infer_images(models::ClassifierImpl& model,
                       const std::shared_ptr<const data::ImageSet>& images,
                       const InferenceOptions& options, std::int64_t augmented_pass = -1,
                       const std::function<void(std::int64_t)>& on_batch = {});

}  // namespace xp::train
