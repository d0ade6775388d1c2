// Activation files: what precompute caches and what `xp features` exports — the body's
// concat-pooled features of every image of a split under the validation transform. HDF5, readable
// with h5py; contiguous and uncompressed, because random batches read ~600x faster that way
// (shared/reference/performance.md):
//
//   features  float32 [N, F]     labels  int64 [N] (class indices)   ids  variable-length strings [N]
//                                 or float32 [N, C] (n-hot rows, regression values)
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace xp::cache {

struct Activations {
  torch::Tensor features;        // float32 [N, F]
  torch::Tensor labels;          // int64 [N] or float32 [N, C]
  std::vector<std::string> ids;  // image identities, same order
  std::string
      key;  // optional: what they were computed from (attribute "key"; precompute's cache key)
};

// Writes atomically (temporary name, then rename). Throws CacheError naming the path on failure.
void write_activations(const std::filesystem::path& path, const Activations& activations);
// Throws CacheError for a missing, truncated or inconsistent file (never returns partial data).
Activations read_activations(const std::filesystem::path& path);

}  // namespace xp::cache
