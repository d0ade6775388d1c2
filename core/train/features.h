// The body's concat-pooled features for every image of a split, in split order, in eval mode under
// the deterministic (validation) transform: what fastai's precompute caches and what
// `xp features` exports. With a shard (data-parallel), this rank's part of every batch.
#pragma once

#include <torch/types.h>

#include <memory>

#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/data/preprocess.h"
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
                            data::Shard shard = {});

}  // namespace xp::train
