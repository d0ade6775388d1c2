// The body's concat-pooled features for every image of a split, in split order, in eval mode under
// the deterministic (validation) transform: what fastai's precompute caches and what
// `xp features` exports. With a group (data-parallel), each rank computes its part of every batch
// and the parts are gathered: every rank gets the whole split's features.
#pragma once

#include <torch/types.h>

#include <memory>

#include "core/data/dataset.h"
#include "core/data/preprocess.h"
#include "core/dist/process_group.h"
#include "core/models/classifier.h"
#include "core/train/precision.h"

namespace xp::train {

struct FeatureSet {
  torch::Tensor features;  // float32 [N, 2 × body channels]
  torch::Tensor labels;    // the split's labels (data/dataset.h)
};

FeatureSet compute_features(models::ClassifierImpl& model,
                            std::shared_ptr<const data::ImageSet> split, int batch_size,
                            int workers, const data::PreprocessOptions& preprocess,
                            const ComputeOptions& compute = {}, bool reduced_decode = true,
                            dist::ProcessGroup* group = nullptr);

}  // namespace xp::train
