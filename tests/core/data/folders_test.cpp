#include <doctest/doctest.h>

#include <torch/torch.h>
#include <opencv2/core.hpp>

#include "core/data/dataset.h"
#include "core/data/image_file.h"
#include "core/util/error.h"
#include "tests/test_support.h"

using namespace xp;
namespace fs = std::filesystem;

namespace {

data::DataOptions folders_options(const fs::path& root) {
  data::DataOptions options;
  options.source = xp::data::Source::kFolders;
  options.path = root.string();
  return options;
}

}  // namespace

TEST_CASE(
    "folders: classes are the sorted training folders, labels follow them, ids are relative "
    "paths") {
  testing::TempDir dir;
  testing::write_image_folders(dir.path(), 3, 4, 2, 5);
  testing::write_text(dir.path() / "train" / "class1" / ".DS_Store", "hidden files are ignored");
  data::DataOptions options = folders_options(dir.path());
  options.test = "test";
  const data::DataBundle data = data::load_data(options, 42);
  CHECK(data.classes == std::vector<std::string>{"class0", "class1", "class2"});
  REQUIRE(data.train->size() == 12);
  CHECK(data.valid->size() == 6);
  REQUIRE(data.test);
  CHECK(data.test->size() == 5);
  CHECK(data.test->labels.eq(-1).all().item<bool>());
  CHECK_FALSE(data.train->in_memory());
  CHECK(data.train->ids[0] == "train/class0/0.jpg");
  CHECK(data.train->ids[4] == "train/class1/0.jpg");
  CHECK(data.train->labels[4].item<std::int64_t>() == 1);
  CHECK(torch::bincount(data.train->labels).equal(torch::tensor({4, 4, 4}, torch::kInt64)));
  CHECK(data.skipped.empty());
}

TEST_CASE("folders: train_limit keeps a seeded subset with its files") {
  testing::TempDir dir;
  testing::write_image_folders(dir.path(), 2, 5, 2);
  data::DataOptions options = folders_options(dir.path());
  options.train_limit = 4;
  const data::DataBundle data = data::load_data(options, 1);
  REQUIRE(data.train->size() == 4);
  REQUIRE(data.train->files.size() == 4);
  CHECK(data.train->files[0].find(data.train->ids[0]) != std::string::npos);
}

TEST_CASE("images decode to RGB: OpenCV's BGR is swapped, grayscale becomes three channels") {
  testing::TempDir dir;
  xp::testing::imwrite(dir.path() / "red.png",
                       cv::Mat(4, 6, CV_8UC3, cv::Scalar(0, 0, 255)));  // BGR red
  xp::testing::imwrite(dir.path() / "gray.png", cv::Mat(5, 5, CV_8UC1, cv::Scalar(77)));
  const cv::Mat red = data::read_image_rgb((dir.path() / "red.png").string());
  CHECK(red.rows == 4);
  CHECK(red.cols == 6);
  CHECK(red.at<cv::Vec3b>(0, 0) == cv::Vec3b(255, 0, 0));
  const cv::Mat gray = data::read_image_rgb((dir.path() / "gray.png").string());
  CHECK(gray.channels() == 3);
  CHECK(gray.at<cv::Vec3b>(2, 2) == cv::Vec3b(77, 77, 77));
}

TEST_CASE("folders: each kind of bad data is an error that names the file or folder") {
  testing::TempDir dir;
  testing::write_image_folders(dir.path(), 2, 3, 2);
  const data::DataOptions options = folders_options(dir.path());
  const fs::path train = dir.path() / "train";
  const auto expect_error = [&](const std::string& named, const std::string& message) {
    CHECK_THROWS_WITH_AS(data::load_data(options, 1), doctest::Contains(named.c_str()), DataError);
    CHECK_THROWS_WITH_AS(data::load_data(options, 1), doctest::Contains(message.c_str()),
                         DataError);
  };
  SUBCASE("a zero-byte file") {
    testing::write_text(train / "class0" / "empty.jpg", "");
    expect_error("empty.jpg", "is empty (0 bytes)");
  }
  SUBCASE("a text file named like an image") {
    testing::write_text(train / "class1" / "notes.jpg", "this is not a JPEG");
    expect_error("notes.jpg", "not an image xp can decode");
  }
  SUBCASE("a file that is not an image at all") {
    testing::write_text(train / "class1" / "labels.csv", "id,label\n");
    expect_error("labels.csv", "is not an image file");
  }
  SUBCASE("an empty class folder") {
    fs::create_directories(train / "class2");
    expect_error("class2", "is an empty class folder");
  }
  SUBCASE("a validation class that never occurs in training") {
    fs::create_directories(dir.path() / "valid" / "zebra");
    xp::testing::imwrite(dir.path() / "valid" / "zebra" / "z.png",
                         cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)));
    expect_error("valid/zebra",
                 "class 'zebra' never occurs in training (training classes: class0, class1)");
  }
  SUBCASE("a stray image beside the class folders") {
    xp::testing::imwrite(train / "stray.png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)));
    expect_error("stray.png", "the folders layout wants <split>/<class>/<image>");
  }
  SUBCASE("a missing split folder") {
    fs::remove_all(dir.path() / "valid");
    expect_error("valid", "is not a folder");
  }
}

TEST_CASE("folders: on_bad_image skip leaves bad files out and lists each with its reason") {
  testing::TempDir dir;
  testing::write_image_folders(dir.path(), 2, 3, 2);
  testing::write_text(dir.path() / "train" / "class0" / "empty.jpg", "");
  testing::write_text(dir.path() / "valid" / "class1" / "fake.png", "not a PNG");
  data::DataOptions options = folders_options(dir.path());
  options.on_bad_image = data::BadImagePolicy::kSkip;
  const data::DataBundle data = data::load_data(options, 1);
  CHECK(data.train->size() == 6);
  CHECK(data.valid->size() == 4);
  REQUIRE(data.skipped.size() == 2);
  CHECK(data.skipped[0].split == "train");
  CHECK(data.skipped[0].path.find("empty.jpg") != std::string::npos);
  CHECK(data.skipped[0].reason == "is empty (0 bytes)");
  CHECK(data.skipped[1].split == "valid");
  CHECK(data.skipped[1].path.find("fake.png") != std::string::npos);
}

TEST_CASE("a truncated image that passes the listing check fails at decode, naming the file") {
  testing::TempDir dir;
  const fs::path path = dir.path() / "cut.png";
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  xp::testing::imwrite(path, noise);
  fs::resize_file(path, fs::file_size(path) / 3);
  CHECK(data::image_file_problem(path.string()).empty());  // the signature is intact
  CHECK_THROWS_WITH_AS(data::read_image_rgb(path.string()), doctest::Contains("cut.png"),
                       DataError);
}

TEST_CASE("keep_classes keeps those classes' images, relabelled in the order given") {
  testing::TempDir dir;
  testing::write_image_folders(dir.path(), 3, 4, 2, 5);
  data::DataOptions options = folders_options(dir.path());
  options.test = "test";
  const data::DataBundle all = data::load_data(options, 1);
  options.keep_classes = {"class2", "class0"};
  const data::DataBundle kept = data::load_data(options, 1);
  CHECK(kept.classes == std::vector<std::string>{"class2", "class0"});
  CHECK(kept.train->size() == 8);
  CHECK(kept.valid->size() == 4);
  CHECK(kept.test->size() == 5);  // unlabelled: untouched
  for (std::int64_t row = 0; row < kept.train->size(); ++row) {
    const std::string& id = kept.train->ids[static_cast<std::size_t>(row)];
    const std::int64_t label = kept.train->labels[row].item<std::int64_t>();
    CHECK(id.find(label == 0 ? "class2" : "class0") !=
          std::string::npos);  // class2 is now 0, class0 is 1
  }
  CHECK(all.train->size() == 12);
  options.keep_classes = {"class0", "cat"};
  CHECK_THROWS_WITH(data::load_data(options, 1),
                    doctest::Contains("data.keep_classes: no class 'cat'"));
}
