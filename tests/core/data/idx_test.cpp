#include <doctest/doctest.h>

#include <zlib.h>

#include <filesystem>

#include "core/data/idx.h"
#include "core/util/error.h"
#include "tests/test_support.h"

using namespace xp;
using data::IdxArray;

namespace {

void write_gz(const std::string& path, const std::vector<unsigned char>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

}  // namespace

TEST_CASE("IDX files round-trip through write_idx and read_idx") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "x-images-idx3-ubyte.gz").string();
  IdxArray array{{2, 3, 4}, {}};
  for (int value = 0; value < 24; ++value)
    array.values.push_back(static_cast<std::uint8_t>(value * 10));
  data::write_idx(path, array);
  const IdxArray back = data::read_idx(path);
  CHECK(back.dims == array.dims);
  CHECK(back.values == array.values);
}

TEST_CASE("read_idx parses a hand-written big-endian header") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "labels.gz").string();
  // magic 0x00000801 (unsigned byte, 1 dimension), 300 items = 0x0000012c
  std::vector<unsigned char> bytes = {0, 0, 8, 1, 0, 0, 1, 0x2c};
  for (int item = 0; item < 300; ++item) bytes.push_back(static_cast<unsigned char>(item % 10));
  write_gz(path, bytes);
  const IdxArray array = data::read_idx(path);
  REQUIRE(array.dims == std::vector<std::int64_t>{300});
  CHECK(array.values[299] == 9);
}

TEST_CASE("bad IDX files are errors that name the file and the problem") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "bad.gz").string();
  const struct {
    std::vector<unsigned char> bytes;
    const char* message;
  } cases[] = {
      {{1, 0, 8, 1, 0, 0, 0, 1, 5}, "not an IDX file"},
      {{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "unsupported IDX element type 0xd"},
      {{0, 0, 8, 1, 0, 0, 0, 5, 1, 2},
       "truncated or corrupt IDX file while reading the data (read 2 of 5 bytes"},
      {{0, 0, 8, 1, 0, 0, 0, 1, 7, 7}, "bytes after the 1 values"},
      {{0, 0}, "truncated or corrupt IDX file while reading the header"},
      {{0, 0, 8, 0}, "IDX file with 0 dimensions"},
  };
  for (const auto& c : cases) {
    write_gz(path, c.bytes);
    CHECK_THROWS_WITH_AS(data::read_idx(path), doctest::Contains(c.message), DataError);
    CHECK_THROWS_WITH_AS(data::read_idx(path), doctest::Contains(path.c_str()), DataError);
  }
  CHECK_THROWS_WITH_AS(data::read_idx((dir.path() / "missing.gz").string()),
                       doctest::Contains("cannot open"), DataError);
}

TEST_CASE("the Fashion-MNIST files of the Debian package read with their documented shapes" *
          doctest::skip(!std::filesystem::exists(
              "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"))) {
  const IdxArray labels =
      data::read_idx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
  CHECK(labels.dims == std::vector<std::int64_t>{10000});
  std::vector<int> counts(10, 0);
  for (auto label : labels.values) counts.at(label) += 1;
  for (int count : counts) CHECK(count == 1000);  // the test split is balanced: 1,000 per class
  const IdxArray images =
      data::read_idx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  CHECK(images.dims == std::vector<std::int64_t>{10000, 28, 28});
}
