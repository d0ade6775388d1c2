#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include <torch/torch.h>

#include "core/data/data_summary.h"
#include "core/data/image_file.h"
#include "core/data/preprocess.h"
#include "tests/test_support.h"

using namespace xp;

TEST_CASE("image_sizes reads JPEG and PNG headers and decodes other formats") {
  testing::TempDir dir;
  std::vector<std::pair<std::string, cv::Size>> files = {{"a.jpg", {64, 40}}, {"b.png", {33, 17}}};
  if (XP_HAVE_IMGCODECS) files.push_back({"c.bmp", {12, 21}});  // written by OpenCV
  data::ImageSet set;
  for (const auto& [name, size] : files) {
    xp::testing::imwrite(dir.path() / name, cv::Mat(size, CV_8UC3, cv::Scalar(1, 2, 3)));
    set.files.push_back((dir.path() / name).string());
  }
  set.labels = torch::zeros({static_cast<std::int64_t>(files.size())}, torch::kInt64);
  const auto sizes = data::image_sizes(set);
  REQUIRE(sizes.size() == files.size());
  CHECK(sizes[0].rows == 40);
  CHECK(sizes[0].cols == 64);
  CHECK(sizes[1].rows == 17);
  CHECK(sizes[1].cols == 33);
  if (sizes.size() < 3) return;
  CHECK(sizes[2].rows == 21);
  CHECK(sizes[2].cols == 12);
}

TEST_CASE("channel_stats: per-channel mean and population std of pixels in [0, 1]") {
  // Two 2×2 RGB images in memory: red is 0 and 255 half each (mean 0.5, std 0.5), green is 51
  // everywhere (0.2, std 0), blue 0, 0, 255, 255 per image → mean 0.5, std 0.5.
  data::ImageSet set;
  set.images = torch::zeros({2, 2, 2, 3}, torch::kUInt8);
  set.images.index_put_({0, torch::indexing::Slice(), torch::indexing::Slice(), 0}, 255);
  set.images.index_put_(
      {torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(), 1}, 51);
  set.images.index_put_({torch::indexing::Slice(), 1, torch::indexing::Slice(), 2}, 255);
  set.labels = torch::zeros({2}, torch::kInt64);
  const data::ChannelStats stats = data::channel_stats(set, 100, 1);
  CHECK(stats.images == 2);
  CHECK(stats.mean[0] == doctest::Approx(0.5));
  CHECK(stats.std[0] == doctest::Approx(0.5));
  CHECK(stats.mean[1] == doctest::Approx(0.2));
  CHECK(stats.std[1] == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(stats.mean[2] == doctest::Approx(0.5));
  CHECK(stats.std[2] == doctest::Approx(0.5));
  CHECK(data::channel_stats(set, 1, 1).images == 1);  // a sample of at most max_images
}

TEST_CASE("augmentation_preview: the validation transform first, then a new draw per epoch") {
  testing::TempDir dir;
  testing::write_image_folders(dir.path(), 2, 3, 1);
  data::ImageSet set;
  for (int idx = 0; idx < 3; ++idx) {
    set.files.push_back(
        (dir.path() / "train" / "class0" / (std::to_string(idx) + ".jpg")).string());
    set.ids.push_back(std::to_string(idx));
  }
  set.labels = torch::zeros({3}, torch::kInt64);
  data::AugmentOptions augment{data::AugmentPreset::kSideOn, 1.1};
  const auto rows = data::augmentation_preview(set, augment, 32, 2, 3, 7);
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[0].size() == 4);
  CHECK(rows[0][0].size() == cv::Size(32, 32));
  CHECK(rows[0][0].type() == CV_8UC3);
  // The first tile is fastai's Scale + CenterCrop of the image.
  const cv::Mat expected =
      data::center_crop(data::scale_shorter_side(data::read_image_rgb(set.files[0]), 32), 32);
  cv::Mat difference;
  cv::absdiff(expected, rows[0][0], difference);
  CHECK(cv::norm(difference, cv::NORM_INF) <= 1.0);
  // Augmented tiles differ from each other (new draws per epoch) and are reproducible.
  CHECK(cv::norm(rows[0][1], rows[0][2], cv::NORM_L1) > 0);
  const auto again = data::augmentation_preview(set, augment, 32, 2, 3, 7);
  CHECK(cv::norm(rows[1][3], again[1][3], cv::NORM_L1) == 0);
}
