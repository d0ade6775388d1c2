// Helpers shared by the test suites: a temporary folder that cleans itself up, and small
// generated datasets in the layouts xp reads.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace xp::testing {

// A fresh, empty folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

  // `check` runs on every TempDir's folder before it is removed (unless a test case failed with
  // an exception): the e2e suite checks each result folder its tests leave against the published
  // schemas (tests/e2e/result_contract.h).
  using Check = std::function<void(const std::filesystem::path&)>;
  static void check_before_removal(Check check);
  // For a folder whose files a test damaged on purpose: no check.
  void skip_check() { checked_ = false; }

 private:
  std::filesystem::path path_;
  bool checked_ = true;
};

// Writes a tiny MNIST-style dataset (train-*.gz, valid-*.gz) into `folder`: `classes` classes,
// each drawn as a distinct, learnable pattern (a bright bar at a class-specific position) plus
// seeded noise, so a model can reach high accuracy in an epoch or two.
// The validation files are named <valid_prefix>-*.gz (MNIST's own is t10k).
void write_tiny_idx_dataset(const std::filesystem::path& folder, int train_per_class,
                            int valid_per_class, int classes = 4, int side = 28,
                            const std::string& valid_prefix = "valid");

// Writes fastai's from_paths layout under `root`: train/<class>/<n>.jpg, valid/<class>/<n>.jpg and,
// when test_images > 0, test/<n>.jpg. Classes are named "class0", "class1", …; each image is a
// colour JPEG, 40–48 px high and 48–72 px wide, with the class's learnable bar pattern.
void write_image_folders(const std::filesystem::path& root, int classes, int train_per_class,
                         int valid_per_class, int test_images = 0);

// Writes fastai's from_csv layout under `root`: labels.csv ("id,tags" header, rows "img<n>,<labels>")
// and train/img<n>.jpg (so the recipe's suffix is .jpg); test/t<n>.jpg when test_images > 0.
//   single_label  one label per image, "class0" … cycling; one bar at the class's height
//   multi_label   a non-empty set of labels per image ("class0 class2"), one bar per label
//   regression    one value per image in [0, 1]: the bar's height in the image (top = 0)
void write_csv_dataset(const std::filesystem::path& root, const std::string& target, int images,
                       int classes = 3, int test_images = 0);

void write_text(const std::filesystem::path& path, const std::string& text);

// cv::imwrite and cv::imread (BGR, JPEG quality 95 unless given) for tests: OpenCV's own codecs, an
// independent reference, where xp is built with imgcodecs; xp's JPEG and PNG codecs where it is not
// (XP_IMGCODECS=OFF, as on the GPU bundle), so that the same tests run there. Writing fails the test.
void imwrite(const std::filesystem::path& path, const cv::Mat& bgr, int jpeg_quality = 95);
cv::Mat imread(const std::filesystem::path& path);

// Bad image files that pass listing's signature check:
//   png_claiming     a PNG signature and an IHDR chunk claiming width × height, nothing after — what
//                    a decompression bomb shows before its tiny, highly compressible image data;
//   write_cut_jpeg   a noisy 64×64 JPEG cut to `bytes`: headers intact, image data gone (undecodable
//                    below ~600 bytes).
std::string png_claiming(std::uint32_t width, std::uint32_t height);
void write_cut_jpeg(const std::filesystem::path& path, std::uintmax_t bytes);

// Runs tests/tools/<script> with Debian's /usr/bin/python3 (where torch and torchvision live);
// returns its exit status (0 = success). Python's warnings go to /dev/null.
int run_python_tool(const std::string& script, const std::string& arguments);
std::string read_text(const std::filesystem::path& path);

// The TensorBoard event files of `folder` as tests/tools/read_tfevents.py reads them:
// {"files", "scalars": {tag: [[step, value]…]}, "texts": {tag: [[step, text]…]}} — by its own
// independent reader, or by TensorBoard's (`tensorboard`), which gives null where it is not
// installed (scripts/get-test-tools.sh). A reader that fails the test fails.
nlohmann::json read_event_files(const std::filesystem::path& folder, bool tensorboard);

}  // namespace xp::testing
