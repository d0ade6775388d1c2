#include "core/data/idx.h"

#include <zlib.h>

#include <functional>
#include <memory>
#include <numeric>

#include "core/util/error.h"

namespace xp::data {

namespace {

constexpr std::uint8_t kUnsignedByteType = 0x08;
constexpr std::int64_t kMaxElements = std::int64_t{1} << 34;  // 16 GiB: anything larger is corrupt

using GzFile = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

std::string gz_error(gzFile file) {
  int code = 0;
  const char* message = gzerror(file, &code);
  return code == Z_OK || message == nullptr ? "unexpected end of file" : message;
}

void read_exact(gzFile file, void* out, std::size_t bytes, const std::string& path,
                const char* what) {
  auto* cursor = static_cast<char*>(out);
  std::size_t done = 0;
  while (done < bytes) {
    // gzread takes an unsigned int count: read in chunks below 1 GiB.
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(bytes - done, 1u << 30));
    const int got = gzread(file, cursor + done, chunk);
    if (got <= 0)
      throw DataError(path, "truncated or corrupt IDX file while reading ", what, " (read ", done,
                      " of ", bytes, " bytes: ", gz_error(file), ")");
    done += static_cast<std::size_t>(got);
  }
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  GzFile file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw DataError(path, "cannot open IDX file");
  unsigned char magic[4];
  read_exact(file.get(), magic, 4, path, "the header");
  if (magic[0] != 0 || magic[1] != 0)
    throw DataError(
        path, "not an IDX file: expected the magic number to start with two zero bytes, found 0x",
        std::hex, static_cast<int>(magic[0]), " 0x", static_cast<int>(magic[1]));
  if (magic[2] != kUnsignedByteType)
    throw DataError(path, "unsupported IDX element type 0x", std::hex, static_cast<int>(magic[2]),
                    " (xp reads unsigned bytes, type 0x08)");
  const int rank = magic[3];
  if (rank < 1 || rank > 4)
    throw DataError(path, "IDX file with ", rank, " dimensions; expected 1 to 4");

  IdxArray array;
  std::int64_t elements = 1;
  for (int dim_idx = 0; dim_idx < rank; ++dim_idx) {
    unsigned char be[4];
    read_exact(file.get(), be, 4, path, "the dimensions");
    const std::int64_t dim = (std::int64_t{be[0]} << 24) | (be[1] << 16) | (be[2] << 8) | be[3];
    array.dims.push_back(dim);
    elements *= dim;
    if (elements > kMaxElements)
      throw DataError(path, "IDX dimensions describe more than 16 GiB; corrupt header?");
  }
  array.values.resize(static_cast<std::size_t>(elements));
  read_exact(file.get(), array.values.data(), array.values.size(), path, "the data");
  char extra;
  if (gzread(file.get(), &extra, 1) > 0)
    throw DataError(path, "IDX file has bytes after the ", elements, " values its header declares");
  return array;
}

void write_idx(const std::string& path, const IdxArray& array) {
  GzFile file(gzopen(path.c_str(), "wb"), gzclose);
  if (!file) throw DataError(path, "cannot create IDX file");
  std::vector<unsigned char> header = {0, 0, kUnsignedByteType,
                                       static_cast<unsigned char>(array.dims.size())};
  for (std::int64_t dim : array.dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      header.push_back(static_cast<unsigned char>((dim >> shift) & 0xff));
  const std::int64_t elements =
      std::accumulate(array.dims.begin(), array.dims.end(), std::int64_t{1}, std::multiplies<>());
  XP_ASSERT(static_cast<std::size_t>(elements) == array.values.size(),
            "IDX dims do not match the value count");
  if (gzwrite(file.get(), header.data(), static_cast<unsigned>(header.size())) <= 0 ||
      (!array.values.empty() &&
       gzwrite(file.get(), array.values.data(), static_cast<unsigned>(array.values.size())) <= 0))
    throw DataError(path, "cannot write IDX file");
}

}  // namespace xp::data
