// The weight file formats xp reads, by extension: what a recipe's model.weights may name (checked
// when the recipe loads, without LibTorch) and what models/weights/load.h dispatches on.
#pragma once

#include <string>
#include <vector>

namespace xp::models {

inline const std::vector<std::string>& weight_file_extensions() {
  static const std::vector<std::string> extensions = {".safetensors", ".pth", ".pt", ".h5"};
  return extensions;
}

}  // namespace xp::models
