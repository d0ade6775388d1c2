// Reader for .safetensors files (the format of the Hugging Face hub and timm): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, …,
// "__metadata__": {…}}, then the raw little-endian tensor bytes. Nothing in the file is executed.
#pragma once

#include <string>

#include "core/models/weights/state_dict.h"

namespace xp::models {

// Throws ModelError naming the file for a truncated file, a bad header, an unsupported dtype, or
// data offsets that do not match the shape or fall outside the file.
StateDict read_safetensors(const std::string& path);
// The header's name of a dtype ("F32" for kFloat32), for writers; throws ModelError for a dtype
// the format has no name for.
std::string safetensors_dtype(torch::ScalarType dtype);

}  // namespace xp::models
