#include "core/models/weights/load.h"

#include <filesystem>

#include "core/models/weights/h5.h"
#include "core/models/weights/pth.h"
#include "core/models/weights/safetensors.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

const std::vector<std::string>& weight_file_extensions() {
  static const std::vector<std::string> extensions = {".safetensors", ".pth", ".pt", ".h5"};
  return extensions;
}

StateDict read_weights(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".safetensors") return read_safetensors(path);
  if (extension == ".pth" || extension == ".pt") return read_pth(path);
  if (extension == ".h5") return read_h5(path);
  throw ModelError(str_cat("weights '", path, "': unsupported file type '", extension, "' (supported: ",
                           join(weight_file_extensions()), ")"));
}

void load_backbone_weights(ClassifierImpl& model, const std::string& path) {
  StateDict state = read_weights(path);
  LoadOptions options;
  options.ignore_prefixes = {"fc."};
  // An xp model.h5 holds the whole classifier: take its body ("body.*"), leave its head.
  if (std::filesystem::path(path).extension() == ".h5" && state.find("body.conv1.weight") != nullptr) {
    StateDict body;
    for (auto& [name, tensor] : state.tensors)
      if (name.rfind("body.", 0) == 0) body.tensors.emplace_back(name.substr(5), tensor);
    state = std::move(body);
  }
  load_state_dict(*model.body, state, path, options);
}

}  // namespace xp::models
