#include "core/train/features.h"

#include <torch/torch.h>

#include "core/data/loader.h"
#include "core/dist/gather_rows.h"
#include "core/train/batch_source.h"
#include "core/train/device_batches.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"

namespace xp::train {

FeatureSet compute_features(models::ClassifierImpl& model,
                            std::shared_ptr<const data::ImageSet> split, int batch_size,
                            int workers, const data::PreprocessOptions& preprocess,
                            const ComputeOptions& compute, bool reduced_decode,
                            dist::ProcessGroup* group) {
  torch::NoGradGuard no_grad;
  model.eval();
  apply_layout(model, compute);
  // Where the model is: the learner put it on its device.
  const c10::Device device = model.parameters().front().device();
  data::LoaderOptions options;
  options.batch_size = batch_size;
  options.workers = workers;
  options.reduced_decode = reduced_decode;
  options.shard = dist::shard_of(group);
  feed_device(options, device);
  data::DataLoader loader(split, options, preprocess);
  LoaderBatches host_batches(loader);
  std::unique_ptr<BatchSource> device_batches;
  BatchSource& batches = batches_on(device, host_batches, device_batches);
  std::vector<torch::Tensor> features;
  std::vector<torch::Tensor> labels;
  batches.start_epoch(0);
  while (auto batch = batches.next()) {
    // A data-parallel rank finishes the pass with the others (they stop at a training step).
    if (!group && interrupt_requested()) throw Interrupted();
    if (batch->images.size(0) == 0) continue;  // a rank's empty part of a last small batch
    AutocastScope autocast(compute, device);
    features.push_back(
        model.features(to_layout(batch->images, compute)).to(torch::kFloat32).contiguous());
    labels.push_back(batch->labels);
  }
  // One transfer to the host at the end (the cache file and `xp features` read them there).
  if (group) {
    const torch::Tensor mine = features.empty()
                                   ? torch::empty({0, 2 * model.body->feature_channels()})
                                   : torch::cat(features);
    return {dist::gather_rows(group, mine, split->size(), options), split->labels};
  }
  return {torch::cat(features).cpu(), torch::cat(labels).cpu()};
}

}  // namespace xp::train
