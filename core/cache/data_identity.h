// What identifies a dataset's content for a cache key without reading every image: file-backed
// splits by each file's identity (path, size, mtime), in-memory ones (IDX) by their pixel bytes,
// plus the ids, labels and class names. Precompute keys its activations by split_identity (labels
// do not change activations); the stage cache keys stages by data_identity (they do change training).
#pragma once

#include <torch/types.h>

#include <string>

#include "core/data/dataset.h"

namespace xp::cache {

// 16 hex digits over a tensor's bytes.
std::string tensor_hash(const torch::Tensor& tensor);
// Which images, in which order: file identities or pixel bytes, and the ids.
std::string split_identity(const data::ImageSet& split);
// Every split's images and labels, the class names and the target.
std::string data_identity(const data::DataBundle& data);

}  // namespace xp::cache
