// Reader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), gzip
// compressed as the Debian package dataset-fashion-mnist ships it.
//
// Layout: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then each
// dimension as a big-endian uint32, then the data in row-major order.
//
//   auto images = xp::data::read_idx("…/train-images-idx3-ubyte.gz");  // dims {60000, 28, 28}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xp::data {

struct IdxArray {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> values;  // row-major, product(dims) bytes
};

// Reads a .gz (or uncompressed) IDX file of unsigned bytes. Throws DataError naming the file for a
// missing file, a bad magic number, an unsupported element type, a truncated body or trailing bytes.
IdxArray read_idx(const std::string& path);

// Writes `array` as a gzip-compressed IDX file (tests and tools make small datasets with it).
void write_idx(const std::string& path, const IdxArray& array);

}  // namespace xp::data
