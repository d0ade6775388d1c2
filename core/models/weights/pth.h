// Reader for PyTorch .pth/.pt files as torch.save writes them since PyTorch 1.6 and as torchvision
// publishes its weights: a zip archive holding data.pkl (the pickled state dict) and data/<key>
// (one raw little-endian storage per key). LibTorch 1.13's torch::pickle_load rejects these files
// (the OrderedDict carries `_metadata`), so xp reads them with its own restricted unpickler.
#pragma once

#include <string>

#include "core/models/weights/state_dict.h"

namespace xp::models {

// Also accepts checkpoints that wrap the state dict as {"state_dict": …} or {"model": …}.
// Throws ModelError naming the file for a legacy (pre-1.6) file, a damaged archive, a pickle
// that holds anything other than tensors, or a storage shorter than its tensors need.
StateDict read_pth(const std::string& path);

}  // namespace xp::models
