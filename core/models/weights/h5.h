// xp's own checkpoint format: an HDF5 file with one dataset per tensor, named by its state-dict key
// ("body.layer1.0.conv1.weight"), contiguous and uncompressed, readable with h5py:
//
//   import h5py; w = h5py.File("model.h5")["body.conv1.weight"][()]
#pragma once

#include <filesystem>
#include <string>

#include "core/models/weights/state_dict.h"

namespace xp::models {

// Writes atomically (temporary name, then rename). Throws ModelError naming the path on failure.
void write_h5(const std::filesystem::path& path, const StateDict& state);

// Reads every dataset at the file's root. Throws ModelError naming the file when it is not HDF5,
// is truncated or holds a dataset of an unsupported type.
StateDict read_h5(const std::string& path);

// read_h5 for a file from elsewhere (model.weights). libhdf5 1.10 can crash on a malformed file
// (fuzzing found a segfault in its B-tree walk), which no check of ours before it can rule out;
// so the file is first read in a child process, and a child that crashes, or takes more than
// two minutes, makes the file a ModelError instead of bringing xp down. The price is a second read
// of the file (from the page cache), once per run; xp's own checkpoints use read_h5.
StateDict read_untrusted_h5(const std::string& path);

// The full state dict of a module (parameters and buffers), in module order.
StateDict state_dict_of(torch::nn::Module& module);

}  // namespace xp::models
