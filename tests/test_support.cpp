#include "tests/test_support.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "core/data/idx.h"
#include "core/util/rng.h"

namespace xp::testing {

TempDir::TempDir() {
  std::random_device entropy;
  path_ = std::filesystem::temp_directory_path() / ("xp-test-" + std::to_string(entropy()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

namespace {

void write_split(const std::filesystem::path& folder, const std::string& prefix, int per_class, int classes,
                 int side, std::uint64_t stream) {
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

}  // namespace

void write_tiny_idx_dataset(const std::filesystem::path& folder, int train_per_class, int valid_per_class,
                            int classes, int side) {
  std::filesystem::create_directories(folder);
  write_split(folder, "train", train_per_class, classes, side, 1);
  write_split(folder, "t10k", valid_per_class, classes, side, 2);
}

int run_python_tool(const std::string& script, const std::string& arguments) {
  const std::string command =
      "/usr/bin/python3 " + std::string(XP_SOURCE_DIR) + "/tests/tools/" + script + " " + arguments + " 2>/dev/null";
  return std::system(command.c_str());
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

}  // namespace xp::testing
