#include "core/train/features.h"

#include <torch/torch.h>

#include "core/data/loader.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"

namespace xp::train {

FeatureSet compute_features(models::ClassifierImpl& model,
                            std::shared_ptr<const data::ImageSet> split, int batch_size,
                            int workers, const data::PreprocessOptions& preprocess,
                            const ComputeOptions& compute, bool reduced_decode) {
  torch::NoGradGuard no_grad;
  model.eval();
  apply_layout(model, compute);
  data::LoaderOptions options;
  options.batch_size = batch_size;
  options.workers = workers;
  options.reduced_decode = reduced_decode;
  data::DataLoader loader(split, options, preprocess);
  std::vector<torch::Tensor> features;
  std::vector<torch::Tensor> labels;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    if (interrupt_requested()) throw Interrupted();
    AutocastScope autocast(compute);
    features.push_back(
        model.features(to_layout(batch->images, compute)).to(torch::kFloat32).contiguous());
    labels.push_back(batch->labels);
  }
  return {torch::cat(features), torch::cat(labels)};
}

}  // namespace xp::train
