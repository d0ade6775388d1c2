#include "core/train/inference.h"

#include <torch/torch.h>

#include <numeric>

#include "core/data/loader.h"
#include "core/dist/gather_rows.h"
#include "core/train/device_batches.h"
#include "core/train/precision.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"
#include "core/util/rng.h"

namespace xp::train {

Inference infer_images(models::ClassifierImpl& model,
                       const std::shared_ptr<const data::ImageSet>& images,
                       const InferenceOptions& options, std::int64_t augmented_pass,
                       const std::function<void(std::int64_t)>& on_batch) {
  data::LoaderOptions loader_options;
  loader_options.batch_size = options.batch_size;
  loader_options.workers = options.workers;
  loader_options.reduced_decode = options.reduced_decode;
  loader_options.skip_unreadable = options.skip_unreadable;
  loader_options.shard = dist::shard_of(options.group);
  XP_ASSERT(!options.group || !options.skip_unreadable,
            "infer_images: a data-parallel pass with skipped images");
  feed_device(loader_options, options.device);
  std::int64_t epoch = 0;
  if (augmented_pass >= 0) {
    // fastai's aug_dl: the split's images under the training transform, in order. Its own seed
    // stream, so the draws differ from the training epochs' and repeat for the same run seed.
    constexpr std::uint64_t kTtaStream = 0x7474612d70617373ull;  // "tta-pass"
    loader_options.seed = mix64(options.seed ^ kTtaStream);
    loader_options.augment = options.augment;
    epoch = augmented_pass;
  }
  data::DataLoader loader(images, loader_options, options.preprocess);
  LoaderBatches host_batches(loader);
  std::unique_ptr<BatchSource> holder;
  BatchSource& batches = batches_on(options.device, host_batches, holder);

  torch::NoGradGuard no_grad;
  model.eval();
  Inference result;
  std::vector<torch::Tensor> outputs;
  std::int64_t done = 0;
  batches.start_epoch(epoch);
  while (auto batch = batches.next()) {
    // A data-parallel rank finishes the pass with the others (they stop at a training step).
    if (!options.group && interrupt_requested()) throw Interrupted();
    if (batch->images.size(0) == 0) continue;  // a rank's empty part of a last small batch
    torch::Tensor output;
    {
      AutocastScope autocast(options.compute, options.device);
      output = model.forward(to_layout(batch->images, options.compute)).to(torch::kFloat32);
    }
    const std::int64_t count = output.size(0);
    const auto first = data::batch_range(images->size(), loader_options, batch->index).first;
    std::vector<bool> readable(static_cast<std::size_t>(count), true);
    for (const auto& bad : batch->unreadable) {
      readable[static_cast<std::size_t>(bad.slot)] = false;
      result.unreadable.push_back({first + bad.slot, bad.reason});
    }
    std::vector<std::int64_t> rows;  // the batch's readable slots
    for (std::int64_t slot = 0; slot < count; ++slot) {
      if (!readable[static_cast<std::size_t>(slot)]) continue;
      rows.push_back(slot);
      result.kept.push_back(first + slot);
    }
    outputs.push_back(
        batch->unreadable.empty()
            ? output
            : output.index_select(0, torch::tensor(rows, torch::kInt64).to(output.device())));
    done += count;
    if (on_batch) on_batch(done);
  }
  // One transfer for the whole split.
  torch::Tensor all =
      outputs.empty() ? torch::empty({0, model.outputs()}) : torch::cat(outputs).cpu();
  if (options.group) {  // every rank's rows, in split order: nothing was skipped
    all = dist::gather_rows(options.group, all, images->size(), loader_options);
    result.kept.resize(static_cast<std::size_t>(images->size()));
    std::iota(result.kept.begin(), result.kept.end(), 0);
  }
  // The network's last layer gives log-probabilities for a single-label task (NLL loss).
  result.probs = model.task() == models::Task::kSingleLabel ? all.exp() : all;
  return result;
}

}  // namespace xp::train
