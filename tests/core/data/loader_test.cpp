#include <doctest/doctest.h>

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <set>

#include "core/data/dataset.h"
#include "core/data/loader.h"
#include "core/util/error.h"
#include "tests/test_support.h"

using namespace xp::data;

namespace {

// 10 images of 4×4 gray pixels; image i is filled with the value i·20 and has label i % 3.
std::shared_ptr<const ImageSet> numbered_set() {
  ImageSet set;
  set.name = "train";
  set.images = torch::arange(10, torch::kInt64)
                   .mul(20)
                   .to(torch::kUInt8)
                   .view({10, 1, 1, 1})
                   .expand({10, 4, 4, 1})
                   .contiguous();
  set.labels = torch::arange(10, torch::kInt64).remainder(3);
  return std::make_shared<const ImageSet>(set);
}

PreprocessOptions identity_preprocess() {
  PreprocessOptions options;
  options.size = 4;
  options.mean = {0, 0, 0};
  options.std = {1, 1, 1};
  return options;
}

// The image ids of every batch of one epoch, read back from the pixel values.
std::vector<std::vector<int>> epoch_ids(DataLoader& loader, std::int64_t epoch) {
  std::vector<std::vector<int>> out;
  loader.start_epoch(epoch);
  while (auto batch = loader.next()) {
    std::vector<int> ids;
    for (std::int64_t row = 0; row < batch->images.size(0); ++row) {
      const float value = batch->images[row][0][0][0].item<float>();
      ids.push_back(static_cast<int>(std::lround(value * 255 / 20)));
      CHECK(batch->labels[row].item<std::int64_t>() == ids.back() % 3);
    }
    out.push_back(ids);
  }
  return out;
}

}  // namespace

TEST_CASE("without shuffle, batches come in file order and the last one may be short") {
  DataLoader loader(numbered_set(), {4, false, false, 2, 2, 1}, identity_preprocess());
  CHECK(loader.batches_per_epoch() == 3);
  const auto ids = epoch_ids(loader, 0);
  CHECK(ids == std::vector<std::vector<int>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
}

TEST_CASE("drop_last drops the incomplete batch") {
  DataLoader loader(numbered_set(), {4, false, true, 1, 2, 1}, identity_preprocess());
  CHECK(loader.batches_per_epoch() == 2);
  CHECK(epoch_ids(loader, 0).size() == 2);
}

TEST_CASE(
    "training keeps the last partial batch (ceil(N/bs), fastai 0.7), merging a last batch of one "
    "into the one before") {
  // 10 images: batches of 4 → 4, 4, 2 (ceil); of 3 → 3, 3, 4 (the tenth joins the third batch).
  LoaderOptions options = training_loader_options(4, 2, 1, {});
  options.shuffle = false;
  DataLoader fours(numbered_set(), options, identity_preprocess());
  CHECK(fours.batches_per_epoch() == 3);
  CHECK(epoch_ids(fours, 0) == std::vector<std::vector<int>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
  options.batch_size = 3;
  DataLoader threes(numbered_set(), options, identity_preprocess());
  CHECK(threes.batches_per_epoch() == 3);
  CHECK(epoch_ids(threes, 0) == std::vector<std::vector<int>>{{0, 1, 2}, {3, 4, 5}, {6, 7, 8, 9}});
  // The arithmetic the schedules use.
  CHECK(batches_per_epoch(10, options) == 3);
  CHECK(batches_per_epoch(9, options) == 3);
  CHECK(batches_per_epoch(11, options) == 4);
  CHECK(batches_per_epoch(2, options) == 1);  // fewer than a batch: one batch of 2
  options.batch_size = 1;
  CHECK(batches_per_epoch(10, options) == 10);
}

TEST_CASE("shuffled batches depend on (seed, epoch) only, not on the worker count") {
  DataLoader one(numbered_set(), {3, true, false, 1, 1, 9}, identity_preprocess());
  DataLoader four(numbered_set(), {3, true, false, 4, 8, 9}, identity_preprocess());
  const auto epoch0 = epoch_ids(one, 0);
  CHECK(epoch0 == epoch_ids(four, 0));
  CHECK(epoch_ids(one, 1) == epoch_ids(four, 1));
  CHECK(epoch0 != epoch_ids(one, 1));
  std::set<int> seen;
  for (const auto& batch : epoch0) seen.insert(batch.begin(), batch.end());
  CHECK(seen.size() == 10);  // every image exactly once
}

TEST_CASE("sharded: the ranks' parts of each batch are the one-process batch, in order") {
  // 10 shuffled images in training batches of 4 over 2 ranks: every step's parts together are the
  // one-process step's batch; the last batch of 2 gives each rank one image... which training
  // refuses (BatchNorm), so it joins the batch before: 4 and 6.
  LoaderOptions options = training_loader_options(4, 2, 5, {});
  DataLoader whole(numbered_set(), options, identity_preprocess());
  const auto expected = epoch_ids(whole, 3);
  CHECK(expected.size() == 3);
  options.shard.count = 2;
  CHECK(batches_per_epoch(10, options) == 2);  // 2 left over: fewer than 2 per rank
  std::vector<std::vector<std::vector<int>>> parts;
  for (int rank = 0; rank < 2; ++rank) {
    options.shard.rank = rank;
    DataLoader loader(numbered_set(), options, identity_preprocess());
    parts.push_back(epoch_ids(loader, 3));
    loader.start_epoch(3);
    CHECK(loader.next()->global_size == 4);
  }
  std::vector<int> flat_expected;
  for (const auto& batch : expected)
    flat_expected.insert(flat_expected.end(), batch.begin(), batch.end());
  std::vector<int> flat_parts;
  for (std::size_t batch = 0; batch < 2; ++batch)
    for (int rank = 0; rank < 2; ++rank) {
      const auto& part = parts[static_cast<std::size_t>(rank)][batch];
      CHECK(part.size() == (batch == 0 ? 2u : 3u));
      flat_parts.insert(flat_parts.end(), part.begin(), part.end());
    }
  CHECK(flat_parts == flat_expected);

  // An unshuffled pass (validation) keeps its last small batch; join_shards puts the ranks' rows
  // back in split order. 10 rows in batches of 4 over 3 ranks: 4 = 1+1+2 twice, then 2 = 0+1+1.
  LoaderOptions validation;
  validation.batch_size = 4;
  validation.shard.count = 3;
  std::vector<torch::Tensor> rank_rows;
  for (int rank = 0; rank < 3; ++rank) {
    validation.shard.rank = rank;
    std::vector<torch::Tensor> rows;
    for (std::int64_t batch = 0; batch < batches_per_epoch(10, validation); ++batch) {
      const BatchRange range = batch_range(10, validation, batch);
      rows.push_back(torch::arange(range.first, range.first + range.count, torch::kInt64));
    }
    rank_rows.push_back(torch::cat(rows));
  }
  CHECK(rank_rows[0].size(0) == 2);
  CHECK(torch::equal(join_shards(rank_rows, 10, validation), torch::arange(10, torch::kInt64)));

  // Training batches too small to give every rank two images are refused, naming the key.
  LoaderOptions small = training_loader_options(3, 1, 5, {});
  small.shard.count = 2;
  CHECK_THROWS_WITH_AS(DataLoader(numbered_set(), small, identity_preprocess()),
                       doctest::Contains("data.batch_size 3 split over 2 ranks"), xp::UserError);
}

TEST_CASE("gray images become three normalized channels, resized to the model's size") {
  ImageSet set;
  set.name = "valid";
  set.images = torch::full({1, 2, 2, 1}, 255, torch::kUInt8);
  set.labels = torch::zeros({1}, torch::kInt64);
  PreprocessOptions options;
  options.size = 6;
  DataLoader loader(std::make_shared<const ImageSet>(set), {1, false, false, 1, 1, 1}, options);
  loader.start_epoch(0);
  const auto batch = loader.next();
  REQUIRE(batch);
  CHECK(batch->images.sizes() == torch::IntArrayRef({1, 3, 6, 6}));
  // (1 − mean) / std per channel, ImageNet statistics.
  CHECK(batch->images[0][0][3][3].item<float>() == doctest::Approx((1 - 0.485) / 0.229));
  CHECK(batch->images[0][2][0][5].item<float>() == doctest::Approx((1 - 0.406) / 0.225));
  CHECK_FALSE(loader.next());
}

TEST_CASE(
    "augmented batches depend on (seed, epoch, sample) only: equal for 1 and 3 workers, new each "
    "epoch") {
  // Random 12×12 gray images: rotation, lighting and crops all change their pixels.
  ImageSet set;
  set.name = "train";
  torch::manual_seed(0);
  set.images = torch::randint(0, 256, {6, 12, 12, 1}, torch::kInt64).to(torch::kUInt8);
  set.labels = torch::zeros({6}, torch::kInt64);
  const auto shared = std::make_shared<const ImageSet>(set);
  LoaderOptions options{2, true, true, 1, 2, 4};
  options.augment = {AugmentPreset::kSideOn, 1.2};
  PreprocessOptions preprocess = identity_preprocess();
  preprocess.size = 8;
  DataLoader one(shared, options, preprocess);
  options.workers = 3;
  DataLoader three(shared, options, preprocess);
  const auto all_batches = [](DataLoader& loader, std::int64_t epoch) {
    loader.start_epoch(epoch);
    std::vector<torch::Tensor> images;
    while (auto batch = loader.next()) images.push_back(batch->images);
    return torch::cat(images);
  };
  const torch::Tensor epoch0 = all_batches(one, 0);
  CHECK(epoch0.sizes() == torch::IntArrayRef({6, 3, 8, 8}));
  CHECK(epoch0.equal(all_batches(three, 0)));
  CHECK(all_batches(one, 1).equal(all_batches(three, 1)));
  CHECK_FALSE(epoch0.equal(all_batches(one, 1)));
}

TEST_CASE("batches carry the label rows of their samples: n-hot rows for multi-label data") {
  ImageSet set = *numbered_set();
  set.labels = torch::arange(30, torch::kFloat32).view({10, 3});  // row i = 3i, 3i+1, 3i+2
  LoaderOptions options;
  options.batch_size = 4;
  options.shuffle = true;
  options.seed = 3;
  DataLoader loader(std::make_shared<const ImageSet>(set), options, identity_preprocess());
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    REQUIRE(batch->labels.sizes() == torch::IntArrayRef{batch->images.size(0), 3});
    for (std::int64_t row = 0; row < batch->images.size(0); ++row) {
      const auto id = std::lround(batch->images[row][0][0][0].item<float>() * 255 / 20);
      CHECK(batch->labels[row][0].item<float>() == static_cast<float>(3 * id));
    }
  }
}

TEST_CASE("uint8 batches through their lookup tables are the float batches, bit for bit") {
  // What a GPU receives (a quarter of the bytes) and the floats it makes of them, against the
  // loader's own floats: noise images at 40 px, scaled to 32, with and without augmentation
  // (lighting included: a per-image table).
  torch::manual_seed(11);
  ImageSet noise;
  noise.name = "train";
  noise.images = torch::randint(0, 256, {6, 40, 40, 3}, torch::kUInt8);
  noise.labels = torch::arange(6, torch::kInt64);
  const auto set = std::make_shared<const ImageSet>(noise);
  PreprocessOptions preprocess;
  preprocess.size = 32;
  AugmentOptions augment;  // fastai's transforms_side_on: rotation, lighting, flips
  augment.preset = AugmentPreset::kSideOn;
  augment.max_zoom = 1.1;
  for (const bool augmented : {false, true}) {
    CAPTURE(augmented);
    LoaderOptions options =
        training_loader_options(4, 2, 3, augmented ? augment : AugmentOptions{});
    DataLoader floats(set, options, preprocess);
    options.uint8_pixels = true;
    DataLoader pixels(set, options, preprocess);
    floats.start_epoch(1);
    pixels.start_epoch(1);
    while (auto expected = floats.next()) {
      const auto batch = pixels.next();
      REQUIRE(batch.has_value());
      CHECK(batch->images.dtype() == torch::kUInt8);
      CHECK(batch->pixel_tables.size(0) == batch->images.size(0));
      CHECK(batch->pixel_tables.size(2) == 256);
      CHECK(torch::equal(lookup_pixels(*batch), expected->images));
      CHECK(torch::equal(batch->labels, expected->labels));
    }
    CHECK_FALSE(pixels.next().has_value());
  }
}

TEST_CASE("skip_unreadable: a file that cannot be read is a zeroed slot listed in its batch") {
  xp::testing::TempDir dir;
  ImageSet set;
  set.name = "predict";
  for (int idx = 0; idx < 3; ++idx) {
    const auto file = dir.path() / (std::to_string(idx) + ".png");
    if (idx == 1)
      xp::testing::write_text(file, "not a png");
    else
      xp::testing::imwrite(file, cv::Mat(6, 6, CV_8UC3, cv::Scalar(200, 100, 50)));
    set.files.push_back(file.string());
  }
  set.labels = torch::full({3}, -1, torch::kInt64);
  const auto shared = std::make_shared<const ImageSet>(set);
  LoaderOptions options;
  options.batch_size = 2;
  options.workers = 1;
  options.skip_unreadable = true;
  DataLoader loader(shared, options, identity_preprocess());
  loader.start_epoch(0);
  const auto first = loader.next();
  REQUIRE(first);
  REQUIRE(first->unreadable.size() == 1);
  CHECK(first->unreadable[0].slot == 1);
  CHECK(first->unreadable[0].reason.find("1.png") != std::string::npos);
  CHECK(first->images[1].abs().sum().item<float>() == 0.0f);
  CHECK(first->images[0].abs().sum().item<float>() > 0.0f);
  const auto second = loader.next();
  REQUIRE(second);
  CHECK(second->unreadable.empty());
  CHECK_FALSE(loader.next());

  // Without the option the batch fails, naming the file.
  options.skip_unreadable = false;
  DataLoader strict(shared, options, identity_preprocess());
  strict.start_epoch(0);
  CHECK_THROWS_WITH_AS(strict.next(), doctest::Contains("1.png"), xp::DataError);
}
