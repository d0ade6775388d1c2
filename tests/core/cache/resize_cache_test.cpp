#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include <torch/torch.h>

#include <chrono>
#include <thread>

#include "core/cache/file_identity.h"
#include "core/cache/resize_cache.h"
#include "core/data/image_file.h"
#include "core/util/error.h"
#include "tests/test_support.h"

using namespace xp;
namespace fs = std::filesystem;

namespace {

data::DataBundle bundle_of(const std::vector<std::string>& files) {
  data::ImageSet set;
  set.name = "train";
  set.files = files;
  set.ids = files;
  set.labels = torch::zeros({static_cast<std::int64_t>(files.size())}, torch::kInt64);
  data::DataBundle bundle;
  bundle.train = std::make_shared<const data::ImageSet>(set);
  bundle.valid = std::make_shared<const data::ImageSet>(set);
  return bundle;
}

}  // namespace

TEST_CASE(
    "the resize cache shrinks large images once, reuses them, and reads small ones in place") {
  testing::TempDir dir;
  const std::string big = (dir.path() / "big.jpg").string();
  const std::string small = (dir.path() / "small.png").string();
  xp::testing::imwrite(big, cv::Mat(300, 500, CV_8UC3, cv::Scalar(10, 200, 30)));
  xp::testing::imwrite(small, cv::Mat(60, 80, CV_8UC3, cv::Scalar(1, 2, 3)));
  const fs::path root = dir.path() / "cache";

  data::DataBundle first = bundle_of({big, small});
  const auto written = cache::apply_resize_cache(first, root, 100, 2);
  // big.jpg is in train and in valid: written by the first split's pass, found by the second's.
  CHECK(written.written == 1);
  CHECK(written.reused == 1);
  CHECK(written.kept == 2);
  CHECK(written.folder == root / "resized" / "100");
  const std::string copy = first.train->files[0];
  CHECK(copy.rfind((root / "resized" / "100").string(), 0) == 0);
  CHECK(fs::path(copy).extension() == ".jpg");
  const cv::Mat shrunk = data::read_image_rgb(copy);
  CHECK(shrunk.size() == cv::Size(166, 100));     // fastai's Scale: 500 · 100/300 = 166.7 → 166
  CHECK(std::abs(cv::mean(shrunk)[0] - 30) < 3);  // RGB: the BGR (10, 200, 30) image's red is 30
  CHECK(first.train->files[1] == small);
  CHECK(first.train->ids[0] == big);  // ids are untouched

  data::DataBundle second = bundle_of({big, small});
  const auto reused = cache::apply_resize_cache(second, root, 100, 1);
  CHECK(reused.written == 0);
  CHECK(reused.reused == 2);
  CHECK(reused.kept == 2);
  CHECK(second.train->files[0] == copy);

  // A changed source file has a new identity, so it gets a new entry: the cache is never stale.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  xp::testing::imwrite(big, cv::Mat(400, 500, CV_8UC3, cv::Scalar(0, 0, 0)));
  data::DataBundle third = bundle_of({big});
  cache::apply_resize_cache(third, root, 100, 1);
  CHECK(third.train->files[0] != copy);
  CHECK(data::read_image_rgb(third.train->files[0]).size() == cv::Size(125, 100));
}

TEST_CASE("a damaged resize cache entry is rewritten, and an undecodable source names the file") {
  testing::TempDir dir;
  const std::string big = (dir.path() / "big.jpg").string();
  xp::testing::imwrite(big, cv::Mat(300, 500, CV_8UC3, cv::Scalar(10, 200, 30)));
  data::DataBundle bundle = bundle_of({big});
  cache::apply_resize_cache(bundle, dir.path() / "cache", 100, 1);
  const std::string copy = bundle.train->files[0];
  testing::write_text(copy, "");  // a truncated entry (a full disk, a killed copy tool)
  data::DataBundle again = bundle_of({big});
  const auto stats = cache::apply_resize_cache(again, dir.path() / "cache", 100, 1);
  CHECK(stats.written == 1);
  CHECK(data::read_image_rgb(again.train->files[0]).size() == cv::Size(166, 100));

  testing::write_text(dir.path() / "broken.jpg", "\xFF\xD8\xFF\xE0 not really a jpeg");
  data::DataBundle broken = bundle_of({(dir.path() / "broken.jpg").string()});
  CHECK_THROWS_WITH_AS(cache::apply_resize_cache(broken, dir.path() / "cache", 100, 2),
                       doctest::Contains("broken.jpg"), DataError);
}

TEST_CASE("file_identity changes with the file's size and time, hash_hex is stable") {
  testing::TempDir dir;
  const fs::path file = dir.path() / "a.txt";
  testing::write_text(file, "one");
  const std::string before = cache::file_identity(file);
  CHECK(before.find(fs::weakly_canonical(file).string()) != std::string::npos);
  testing::write_text(file, "three");
  CHECK(cache::file_identity(file) != before);
  CHECK(cache::hash_hex("abc") == cache::hash_hex("abc"));
  CHECK(cache::hash_hex("abc") != cache::hash_hex("abd"));
  CHECK(cache::hash_hex("abc").size() == 16);
  CHECK_THROWS_AS(cache::file_identity(dir.path() / "missing"), DataError);
}
