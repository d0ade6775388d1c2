#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/data/loader.h"
#include "core/train/activation_batches.h"

using namespace xp;

TEST_CASE(
    "activation batches follow the image loader's shuffle and keep the last partial batch (fastai "
    "0.7)") {
  const torch::Tensor features = torch::arange(10, torch::kFloat32).unsqueeze(1).repeat({1, 3});
  const torch::Tensor labels = torch::arange(10, torch::kInt64) * 100;
  const data::LoaderOptions options = data::training_loader_options(4, 1, 42, {});
  train::ActivationBatches batches(features, labels, options);
  CHECK(batches.batches_per_epoch() == 3);  // 10 rows: batches of 4, 4 and 2
  for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
    const std::vector<std::int64_t> order = data::epoch_order(10, options, epoch);
    batches.start_epoch(epoch);
    std::size_t position = 0;
    while (auto batch = batches.next()) {
      REQUIRE(batch->images.size(0) == (batch->index < 2 ? 4 : 2));
      for (std::int64_t row = 0; row < batch->images.size(0); ++row, ++position) {
        CHECK(batch->images[row][2].item<float>() == static_cast<float>(order[position]));
        CHECK(batch->labels[row].item<std::int64_t>() ==
              order[position] * 100);  // labels stay with their rows
      }
    }
    CHECK(position == 10);  // every row, every epoch
  }
  // Different epochs, different orders.
  CHECK(data::epoch_order(10, options, 0) != data::epoch_order(10, options, 1));
}

TEST_CASE("unshuffled activation batches keep every row in order") {
  const torch::Tensor features = torch::arange(10, torch::kFloat32).unsqueeze(1);
  data::LoaderOptions options;
  options.batch_size = 4;
  train::ActivationBatches batches(features, torch::zeros({10}, torch::kInt64), options);
  CHECK(batches.batches_per_epoch() == 3);
  batches.start_epoch(5);
  std::vector<float> seen;
  while (auto batch = batches.next())
    for (std::int64_t row = 0; row < batch->images.size(0); ++row)
      seen.push_back(batch->images[row][0].item<float>());
  CHECK(seen == std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}
