// Overflow-safe sizes for tensors described by a weight file. A crafted file can claim any shape;
// multiplying its sizes in int64 wraps around (undefined behaviour) and can even land on the byte
// count the file really has, after which torch::empty fails with a c10 backtrace that names no
// file. Readers compute sizes with this and refuse what does not fit.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace xp::models {

// shape[0] × shape[1] × … × element_bytes, or nullopt when a size is negative or the product
// exceeds int64.
inline std::optional<std::int64_t> tensor_bytes(const std::vector<std::int64_t>& shape,
                                                std::int64_t element_bytes) {
  std::int64_t bytes = element_bytes;
  for (const std::int64_t size : shape)
    if (size < 0 || __builtin_mul_overflow(bytes, size, &bytes)) return std::nullopt;
  return bytes;
}

}  // namespace xp::models
