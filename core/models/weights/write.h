// Writers of the weight formats PyTorch users load: torch.save's .pth (a zip archive of data.pkl
// and one storage per tensor, written by LibTorch's own pickler and stream writer, so that
// torch.load reads it as it reads its own files) and .safetensors (8-byte header length, JSON
// header with "__metadata__", raw little-endian bytes). Both take the tensors in order and
// string metadata; both are written to a temporary name and renamed into place.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/models/weights/state_dict.h"

namespace xp::models {

using StringMetadata = std::vector<std::pair<std::string, std::string>>;

// torch.load(path) gives {"state_dict": {name: tensor, …}, "metadata": {key: str, …}}.
void write_pth(const std::filesystem::path& path, const StateDict& state,
               const StringMetadata& metadata);
// safetensors.torch.load_file(path) gives the tensors; safe_open(path).metadata() the metadata.
void write_safetensors(const std::filesystem::path& path, const StateDict& state,
                       const StringMetadata& metadata);

}  // namespace xp::models
