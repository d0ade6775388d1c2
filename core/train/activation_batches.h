// Batches of precomputed body activations held in memory: what the head trains on while
// precompute is on (fastai 0.7's fc_data: no transforms, the training rows shuffled). Shuffling
// and batching (the last partial batch kept) follow the image loader's (loader.h), so an epoch visits the rows in the order it
// would have visited the images.
#pragma once

#include <torch/types.h>

#include <vector>

#include "core/train/batch_source.h"

namespace xp::train {

class ActivationBatches : public BatchSource {
 public:
  // features float32 [N, F]; labels the split's label rows (dataset.h), N of them.
  ActivationBatches(torch::Tensor features, torch::Tensor labels,
                    const data::LoaderOptions& options);

  std::int64_t batches_per_epoch() const override;
  void start_epoch(std::int64_t epoch) override;
  std::optional<data::Batch> next() override;

 private:
  torch::Tensor features_;
  torch::Tensor labels_;
  data::LoaderOptions options_;
  torch::Tensor order_;  // int64 row order of the current epoch
  std::int64_t next_batch_ = 0;
};

}  // namespace xp::train
