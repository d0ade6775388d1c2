// Batches from an ImageSet, assembled by worker threads ahead of the training loop through a
// bounded prefetch queue. Batch k of an epoch is always the same images in the same order,
// whatever the number of workers: the shuffle is drawn from (seed, epoch) and batches are handed
// out in index order.
//
//   DataLoader loader(set, {.batch_size = 64, .shuffle = true, .merge_single_last = true}, preprocess);
//   loader.start_epoch(epoch);
//   while (auto batch = loader.next()) train_step(batch->images, batch->labels);
#pragma once

#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data/augment.h"
#include "core/data/dataset.h"
#include "core/data/preprocess.h"

namespace xp::data {

// Data parallelism (issue #17): every batch of an epoch is split between `count` ranks, rank
// `rank` taking the `rank`-th of `count` near-equal consecutive parts of it — the ranks' parts of
// batch k together are the one-process batch k, in order. Every rank draws the same epoch order
// (the same seed), so the parts are disjoint and the steps per epoch those of one process.
struct Shard {
  int rank = 0;
  int count = 1;
};

struct LoaderOptions {
  int batch_size = 64;
  bool shuffle = false;
  // Drop a last, incomplete batch (fastai v2's training default; off everywhere in xp).
  bool drop_last = false;
  int workers = 2;
  int prefetch = 4;  // batches prepared ahead of the consumer
  std::uint64_t seed = 42;
  AugmentOptions augment{};  // none by default: fastai's validation transform
  // Decode large JPEGs at 1/2, 1/4 or 1/8 size when that still leaves the pixels the transform
  // needs (image_file.h). Off = every pixel decoded, as fastai does.
  bool reduced_decode = true;
  // Keep the last, incomplete batch, as fastai 0.7's training loader (drop_last=False: ceil(N/bs)
  // batches, which SGDR's cycle length, its nb/20 warm-up and lr_find count) — except a last batch
  // of a single image, which joins the batch before it: BatchNorm cannot train on one image
  // ("Expected more than 1 value per channel", the crash fastai 0.7 has, #1352). On for training.
  bool merge_single_last = false;
  // Batches in page-locked host memory, which a GPU copies from without the host waiting
  // (train/device_batches.h). Only on a LibTorch with CUDA and a visible GPU.
  bool pin_memory = false;
  // Batches of uint8 pixels with each image's lookup table (Batch::pixel_tables) instead of floats:
  // a quarter of the bytes for a GPU to copy; lookup_pixels makes the floats there.
  bool uint8_pixels = false;
  // An image that cannot be read (a DataError: missing, truncated, not an image) leaves its slot
  // zeroed and is listed in Batch::unreadable instead of failing the batch: `xp predict` skips such
  // files. Off everywhere else: a recipe's files were checked when listed (data.on_bad_image).
  bool skip_unreadable = false;
  Shard shard{};  // one process: the whole batch
};

// The options of a training loader, the same for `xp run` and `xp data --bench`: shuffled, the
// last incomplete batch kept (a last batch of one merged into the one before).
LoaderOptions training_loader_options(int batch_size, int workers, std::uint64_t seed,
                                      AugmentOptions augment, bool reduced_decode = true);

// Batches in an epoch of n samples: the last partial batch counts unless options.drop_last (or it
// holds one sample and options.merge_single_last — with shards, fewer than two samples per rank,
// so that no rank trains BatchNorm on a single image).
std::int64_t batches_per_epoch(std::int64_t n, const LoaderOptions& options);

// The positions in the epoch's order that batch `batch_index` takes: [first, first + count) —
// options.shard's part of it; global_batch_range: the whole batch, every rank's part.
struct BatchRange {
  std::int64_t first = 0;
  std::int64_t count = 0;
};
BatchRange batch_range(std::int64_t n, const LoaderOptions& options, std::int64_t batch_index);
BatchRange global_batch_range(std::int64_t n, const LoaderOptions& options,
                              std::int64_t batch_index);

// Throws UserError when a training epoch of n samples (`what`) split as options.shard says would
// leave a rank a step of fewer than two samples.
void check_shard(std::int64_t n, const LoaderOptions& options, const std::string& what);

// The rows of a sharded, unshuffled epoch in split order: parts[r] is rank r's batches' rows one
// after the other (what a rank's loop over its loader collects), options.shard.count of them.
torch::Tensor join_shards(const std::vector<torch::Tensor>& parts, std::int64_t n,
                          const LoaderOptions& options);

// The sample order of epoch `epoch`: a permutation drawn from (options.seed, epoch) when
// options.shuffle, else 0…n−1. Precomputed activations are batched in the same order.
std::vector<std::int64_t> epoch_order(std::int64_t n, const LoaderOptions& options,
                                      std::int64_t epoch);

// Image `sample` of `set` as 8-bit pixels (1 or 3 channels, RGB): a zero-copy view of in-memory
// images, or the decoded file — at reduced size when that keeps min_shorter_side pixels
// (read_image_rgb; 0 = full size).
cv::Mat sample_image(const ImageSet& set, std::int64_t sample, int min_shorter_side = 0);

struct Batch {
  torch::Tensor images;  // float [B, 3, size, size], normalized; or uint8 pixels (uint8_pixels)
  torch::Tensor
      labels;  // the split's label rows for the batch: int64 [B] or float [B, C] (dataset.h)
  std::int64_t index = 0;
  // The samples of the whole step, every rank's part of it (= labels.size(0) in one process):
  // what a rank's loss is weighed by so that the ranks' mean gradient is the batch's.
  std::int64_t global_size = 0;
  // With uint8 pixels: float [B, 3, 256], what each image's (channel, value) becomes.
  torch::Tensor pixel_tables;
  // With LoaderOptions::skip_unreadable: the batch's slots whose image could not be read, and why
  // (their rows of `images` are zeros).
  struct Unreadable {
    std::int64_t slot = 0;
    std::string reason;
  };
  std::vector<Unreadable> unreadable;
};

// A uint8 batch's model input, on the pixels' device: each pixel through its image's table —
// the floats the loader would have written, bit for bit. A float batch's images as they are.
torch::Tensor lookup_pixels(const Batch& batch);

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const ImageSet> set, LoaderOptions options,
             PreprocessOptions preprocess);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  std::int64_t batches_per_epoch() const;
  std::int64_t samples_per_epoch() const;
  // Starts (or restarts) delivering the batches of `epoch`.
  void start_epoch(std::int64_t epoch);
  // The next batch of the current epoch, or nullopt at its end. Rethrows a worker's exception.
  std::optional<Batch> next();

 private:
  struct State;
  class BufferPool;
  void stop_workers();
  Batch make_batch(std::int64_t batch_index) const;
  // sample_image, with reduced decoding only when options.reduced_decode is on.
  cv::Mat image(std::int64_t sample, int min_shorter_side) const;

  std::shared_ptr<const ImageSet> set_;
  LoaderOptions options_;
  PreprocessOptions preprocess_;
  std::vector<std::int64_t> order_;
  std::int64_t epoch_ = 0;
  std::unique_ptr<State> state_;
  std::shared_ptr<BufferPool> buffers_;
};

}  // namespace xp::data
