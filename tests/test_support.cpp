#include "tests/test_support.h"

#include <sys/wait.h>

#include <cstdlib>
#include <exception>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <opencv2/imgproc.hpp>
#if XP_HAVE_IMGCODECS
#include <opencv2/imgcodecs.hpp>
#endif

#include "core/data/idx.h"
#include "core/data/image_codec.h"
#include "core/data/image_file.h"
#include "core/util/atomic_file.h"
#include "core/util/rng.h"

namespace xp::testing {

TempDir::TempDir() {
  std::random_device entropy;
  path_ = std::filesystem::temp_directory_path() / ("xp-test-" + std::to_string(entropy()));
  std::filesystem::create_directories(path_);
}

namespace {
TempDir::Check& removal_check() {
  static TempDir::Check check;
  return check;
}
}  // namespace

void TempDir::check_before_removal(Check check) { removal_check() = std::move(check); }

TempDir::~TempDir() {
  if (checked_ && removal_check() && std::uncaught_exceptions() == 0) removal_check()(path_);
  // XP_KEEP_TEST_DIRS=1 keeps the folders, to look at what a failing test left.
  if (const char* keep = std::getenv("XP_KEEP_TEST_DIRS"); keep && *keep && *keep != '0') return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

namespace {

void write_split(const std::filesystem::path& folder, const std::string& prefix, int per_class,
                 int classes, int side, std::uint64_t stream) {
  data::IdxArray images{{static_cast<std::int64_t>(per_class) * classes, side, side}, {}};
  data::IdxArray labels{{static_cast<std::int64_t>(per_class) * classes}, {}};
  Rng rng(7, {stream});
  for (int sample = 0; sample < per_class * classes; ++sample) {
    const int label = sample % classes;
    labels.values.push_back(static_cast<std::uint8_t>(label));
    const int bar_start = label * side / classes;
    const int bar_end = (label + 1) * side / classes;
    for (int row = 0; row < side; ++row)
      for (int col = 0; col < side; ++col) {
        const int noise = static_cast<int>(rng.below(60));
        const int value = (row >= bar_start && row < bar_end) ? 180 + noise : noise;
        images.values.push_back(static_cast<std::uint8_t>(value));
      }
  }
  data::write_idx((folder / (prefix + "-images-idx3-ubyte.gz")).string(), images);
  data::write_idx((folder / (prefix + "-labels-idx1-ubyte.gz")).string(), labels);
}

// A colour image with bright horizontal bars over the rows [start, end) of each band, plus noise.
cv::Mat banded_image(const std::vector<std::pair<int, int>>& bands, int rows, int cols, Rng& rng) {
  cv::Mat image(rows, cols, CV_8UC3);
  for (int row = 0; row < rows; ++row) {
    bool in_bar = false;
    for (const auto& [start, end] : bands) in_bar = in_bar || (row >= start && row < end);
    for (int col = 0; col < cols; ++col)
      for (int channel = 0; channel < 3; ++channel) {
        const int noise = static_cast<int>(rng.below(60));
        image.at<cv::Vec3b>(row, col)[channel] =
            static_cast<std::uint8_t>(in_bar ? 150 + 30 * channel + noise / 2 : noise);
      }
  }
  return image;
}

std::pair<int, int> class_band(int label, int classes, int rows) {
  return {label * rows / classes, (label + 1) * rows / classes};
}

// A colour image with a bright horizontal bar at the class's height, plus noise.
cv::Mat bar_image(int label, int classes, int rows, int cols, Rng& rng) {
  return banded_image({class_band(label, classes, rows)}, rows, cols, rng);
}

void write_folder_split(const std::filesystem::path& folder, int classes, int per_class,
                        bool labelled, Rng& rng) {
  for (int label = 0; label < classes; ++label) {
    const auto class_folder = labelled ? folder / ("class" + std::to_string(label)) : folder;
    std::filesystem::create_directories(class_folder);
    for (int idx = 0; idx < per_class; ++idx) {
      // Landscape images (rows <= cols): the centre crop trims columns and keeps every bar whole.
      const int rows = 40 + static_cast<int>(rng.below(9));
      const int cols = 48 + static_cast<int>(rng.below(25));
      const std::string name =
          (labelled ? "" : "c" + std::to_string(label) + "-") + std::to_string(idx) + ".jpg";
      imwrite(class_folder / name, bar_image(label, classes, rows, cols, rng));
    }
  }
}

}  // namespace

void write_image_folders(const std::filesystem::path& root, int classes, int train_per_class,
                         int valid_per_class, int test_images) {
  Rng rng(11, {3});
  write_folder_split(root / "train", classes, train_per_class, true, rng);
  write_folder_split(root / "valid", classes, valid_per_class, true, rng);
  if (test_images > 0) write_folder_split(root / "test", 1, test_images, false, rng);
}

void write_csv_dataset(const std::filesystem::path& root, const std::string& target, int images,
                       int classes, int test_images) {
  Rng rng(13, {5});
  std::filesystem::create_directories(root / "train");
  std::ostringstream csv;
  csv << "id,tags\n";
  for (int idx = 0; idx < images; ++idx) {
    const int rows = 40 + static_cast<int>(rng.below(9));
    const int cols = 48 + static_cast<int>(rng.below(25));
    std::vector<std::pair<int, int>> bands;
    std::string labels;
    if (target == "regression") {
      const double value = rng.uniform();
      const int start = static_cast<int>(value * (rows - 8));
      bands.push_back({start, start + 8});
      labels = std::to_string(static_cast<double>(start) / (rows - 8));
    } else if (target == "multi_label") {
      // Cycle through the non-empty subsets of the classes.
      const int subset = 1 + idx % ((1 << classes) - 1);
      for (int label = 0; label < classes; ++label)
        if (subset & (1 << label)) {
          bands.push_back(class_band(label, classes, rows));
          labels += (labels.empty() ? "" : " ") + ("class" + std::to_string(label));
        }
    } else {
      bands.push_back(class_band(idx % classes, classes, rows));
      labels = "class" + std::to_string(idx % classes);
    }
    const std::string id = "img" + std::to_string(idx);
    imwrite(root / "train" / (id + ".jpg"), banded_image(bands, rows, cols, rng));
    csv << id << "," << labels << "\n";
  }
  write_text(root / "labels.csv", csv.str());
  if (test_images > 0) write_folder_split(root / "test", 1, test_images, false, rng);
}

void write_tiny_idx_dataset(const std::filesystem::path& folder, int train_per_class,
                            int valid_per_class, int classes, int side,
                            const std::string& valid_prefix) {
  std::filesystem::create_directories(folder);
  write_split(folder, "train", train_per_class, classes, side, 1);
  write_split(folder, valid_prefix, valid_per_class, classes, side, 2);
}

int run_python_tool(const std::string& script, const std::string& arguments) {
  const std::string command = "/usr/bin/python3 " + std::string(XP_SOURCE_DIR) + "/tests/tools/" +
                              script + " " + arguments + " 2>/dev/null";
  return std::system(command.c_str());
}

nlohmann::json read_event_files(const std::filesystem::path& folder, bool tensorboard) {
  const std::filesystem::path out =
      folder.parent_path() / (folder.filename().string() + ".events.json");
  const int status =
      run_python_tool("read_tfevents.py", "'" + folder.string() + "' '" + out.string() + "'" +
                                              (tensorboard ? " tensorboard" : ""));
  if (tensorboard && WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    MESSAGE("TensorBoard's reader is not installed (scripts/get-test-tools.sh): not read with it");
    return nullptr;
  }
  REQUIRE_MESSAGE(status == 0, "read_tfevents.py failed on " << folder.string());
  const nlohmann::json events = nlohmann::json::parse(read_text(out));
  std::filesystem::remove(out);
  return events;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string png_claiming(std::uint32_t width, std::uint32_t height) {
  const auto big_endian32 = [](std::uint32_t value) {
    return std::string{static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                       static_cast<char>(value >> 8), static_cast<char>(value)};
  };
  return std::string("\x89PNG\r\n\x1a\n", 8) + big_endian32(13) + "IHDR" + big_endian32(width) +
         big_endian32(height) + std::string("\x08\x02\x00\x00\x00", 5) + big_endian32(0);
}

void imwrite(const std::filesystem::path& path, const cv::Mat& bgr, int jpeg_quality) {
#if XP_HAVE_IMGCODECS
  REQUIRE_MESSAGE(cv::imwrite(path.string(), bgr, {cv::IMWRITE_JPEG_QUALITY, jpeg_quality}),
                  path.string());
#else
  cv::Mat rgb = bgr;
  if (bgr.channels() == 3) cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  write_file_atomic(path,
                    data::encode_image(data::image_extension(path.string()), rgb, jpeg_quality));
#endif
}

cv::Mat imread(const std::filesystem::path& path) {
#if XP_HAVE_IMGCODECS
  return cv::imread(path.string(), cv::IMREAD_COLOR);
#else
  cv::Mat bgr;
  cv::cvtColor(data::decode_image_rgb(read_file(path)), bgr, cv::COLOR_RGB2BGR);
  return bgr;
#endif
}

void write_cut_jpeg(const std::filesystem::path& path, std::uintmax_t bytes) {
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  imwrite(path, noise);
  std::filesystem::resize_file(path, bytes);
}

}  // namespace xp::testing
