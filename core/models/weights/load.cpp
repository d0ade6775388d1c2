#include "core/models/weights/load.h"

#include <filesystem>

#include "core/models/weights/pth.h"
#include "core/models/weights/safetensors.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

const std::vector<std::string>& weight_file_extensions() {
  static const std::vector<std::string> extensions = {".safetensors", ".pth", ".pt"};
  return extensions;
}

StateDict read_weights(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".safetensors") return read_safetensors(path);
  if (extension == ".pth" || extension == ".pt") return read_pth(path);
  throw ModelError(str_cat("weights '", path, "': unsupported file type '", extension, "' (supported: ",
                           join(weight_file_extensions()), ")"));
}

void load_backbone_weights(ClassifierImpl& model, const std::string& path) {
  LoadOptions options;
  options.ignore_prefixes = {"fc."};
  load_state_dict(*model.body, read_weights(path), path, options);
}

}  // namespace xp::models
