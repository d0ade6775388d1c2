#include "core/train/activation_batches.h"

#include <torch/torch.h>

#include "core/util/error.h"

namespace xp::train {

ActivationBatches::ActivationBatches(torch::Tensor features, torch::Tensor labels,
                                     const data::LoaderOptions& options)
    : features_(std::move(features)), labels_(std::move(labels)), options_(options) {
  XP_ASSERT(features_.dim() == 2 && features_.size(0) == labels_.size(0),
            "activations and labels disagree: ", features_.size(0), " rows for ", labels_.size(0),
            " labels");
  XP_CHECK(batches_per_epoch() > 0, "precompute: ", features_.size(0),
           " activation rows are fewer than one batch of ", options_.batch_size,
           "; lower data.batch_size");
  XP_CHECK(
      features_.size(0) != 1 || !options_.merge_single_last,
      "precompute: 1 activation row; training needs at least 2 (BatchNorm cannot train on one)");
  data::check_shard(features_.size(0), options_, "precompute's activations");
}

std::int64_t ActivationBatches::batches_per_epoch() const {
  return data::batches_per_epoch(features_.size(0), options_);
}

void ActivationBatches::start_epoch(std::int64_t epoch) {
  const std::vector<std::int64_t> order = data::epoch_order(features_.size(0), options_, epoch);
  order_ = torch::tensor(order, torch::kInt64).to(features_.device());
  next_batch_ = 0;
}

std::optional<data::Batch> ActivationBatches::next() {
  XP_ASSERT(order_.defined(), "ActivationBatches::next before start_epoch");
  if (next_batch_ >= batches_per_epoch()) return std::nullopt;
  const auto [first, count] = data::batch_range(features_.size(0), options_, next_batch_);
  const torch::Tensor rows = order_.slice(0, first, first + count);
  data::Batch batch;
  batch.images = features_.index_select(0, rows);
  batch.labels = labels_.index_select(0, rows);
  batch.global_size = data::global_batch_range(features_.size(0), options_, next_batch_).count;
  batch.index = next_batch_++;
  return batch;
}

}  // namespace xp::train
