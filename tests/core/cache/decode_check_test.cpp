// data.on_bad_image: skip decodes every listed file once (decode_check.h): files that pass the
// listing's cheap checks but cannot be decoded are skipped before training, and the verdicts are
// cached by file identity.
#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include <filesystem>

#include "core/cache/decode_check.h"
#include "core/data/image_file.h"
#include "core/util/error.h"
#include "tests/test_support.h"

using namespace xp;
using testing::write_cut_jpeg;
namespace fs = std::filesystem;

namespace {

// The folders source with on_bad_image: skip.
data::DataOptions skipping_folders(const fs::path& root) {
  data::DataOptions options;
  options.source = xp::data::Source::kFolders;
  options.path = root.string();
  options.on_bad_image = data::BadImagePolicy::kSkip;
  return options;
}

}  // namespace

TEST_CASE("skip_undecodable leaves out a JPEG cut to 400 bytes, and reuses its verdict next time") {
  testing::TempDir dir;
  testing::write_image_folders(dir.path() / "data", 2, 3, 2);
  const fs::path cut = dir.path() / "data" / "train" / "class1" / "cut.jpg";
  write_cut_jpeg(cut, 400);
  REQUIRE(data::image_file_problem(cut.string()).empty());  // listing lets it through
  CHECK_THROWS_AS(data::read_image_rgb(cut.string()), DataError);

  data::DataBundle data = data::load_data(skipping_folders(dir.path() / "data"), 1);
  REQUIRE(data.train->size() == 7);
  const fs::path cache = dir.path() / "cache";
  const cache::DecodeCheckStats first = cache::skip_undecodable(data, cache, 0, 2);
  CHECK(first.decoded == 11);
  CHECK(first.reused == 0);
  CHECK(first.undecodable == 1);
  CHECK(first.cache_problem.empty());
  CHECK(data.train->size() == 6);
  CHECK(data.valid->size() == 4);
  for (const auto& file : data.train->files) CHECK(file != cut.string());
  REQUIRE(data.skipped.size() == 1);
  CHECK(data.skipped[0].split == "train");
  CHECK(data.skipped[0].path == cut.string());
  CHECK(data.skipped[0].reason.find("cannot be decoded") != std::string::npos);
  CHECK(data.skipped[0].reason.find("data error") ==
        std::string::npos);  // the reason, not the whole message

  data::DataBundle again = data::load_data(skipping_folders(dir.path() / "data"), 1);
  const cache::DecodeCheckStats second = cache::skip_undecodable(again, cache, 0, 2);
  CHECK(second.decoded == 0);
  CHECK(second.reused == 11);
  CHECK(again.train->files == data.train->files);
  CHECK(again.skipped.size() == 1);

  // Repaired (a new identity): decoded again, and kept.
  cv::Mat fine(16, 16, CV_8UC3, cv::Scalar(1, 2, 3));
  xp::testing::imwrite(cut, fine);
  data::DataBundle repaired = data::load_data(skipping_folders(dir.path() / "data"), 1);
  const cache::DecodeCheckStats third = cache::skip_undecodable(repaired, cache, 0, 1);
  CHECK(third.decoded == 1);
  CHECK(repaired.train->size() == 7);
  CHECK(repaired.skipped.empty());
}

TEST_CASE(
    "skip_undecodable: a split with no decodable image is an error naming it, and a cache it "
    "cannot write is reported") {
  testing::TempDir dir;
  testing::write_image_folders(dir.path() / "data", 2, 2, 1);
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "data" / "valid"))
    if (entry.is_regular_file()) write_cut_jpeg(entry.path(), 300);
  data::DataBundle data = data::load_data(skipping_folders(dir.path() / "data"), 1);
  testing::write_text(dir.path() / "file", "a file where the cache folder should be");
  CHECK_THROWS_WITH_AS(cache::skip_undecodable(data, dir.path() / "file", 0, 1),
                       doctest::Contains("no image of the valid split can be decoded"), DataError);

  testing::write_image_folders(dir.path() / "more", 2, 2, 1);
  data::DataBundle decodable = data::load_data(skipping_folders(dir.path() / "more"), 1);
  const cache::DecodeCheckStats stats =
      cache::skip_undecodable(decodable, dir.path() / "file", 0, 1);
  CHECK(stats.undecodable == 0);
  CHECK(!stats.cache_problem.empty());
}
