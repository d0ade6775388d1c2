#include "core/models/weights/load.h"

#include <filesystem>
#include <regex>
#include <string_view>

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

namespace {

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

// An xp model.h5 holds the whole classifier ("body.*", "head.*"): keep its body.
bool is_xp_classifier(const std::string& path, const StateDict& state) {
  if (std::filesystem::path(path).extension() != ".h5") return false;
  bool body = false;
  bool head = false;
  for (const auto& [name, tensor] : state.tensors) {
    body = body || starts_with(name, "body.");
    head = head || starts_with(name, "head.");
  }
  return body && head;
}

StateDict body_of(StateDict state) {
  StateDict body;
  for (auto& [name, tensor] : state.tensors)
    if (starts_with(name, "body.")) body.tensors.emplace_back(name.substr(5), std::move(tensor));
  return body;
}

// torchvision's published DenseNet files predate its module names: "denselayer1.norm.1.weight"
// where the model has "denselayer1.norm1.weight". torchvision renames them on load; so does xp.
void rename_legacy_densenet_keys(StateDict& state) {
  static const std::regex legacy(R"(^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$)");
  for (auto& [name, tensor] : state.tensors) {
    std::smatch match;
    if (std::regex_match(name, match, legacy)) name = match[1].str() + match[2].str();
  }
}

}  // namespace

void load_backbone_weights(ClassifierImpl& model, const std::string& path) {
  // A TorchScript body brought its weights with it (model.arch: torchscript).
  if (model.arch().family == Family::kTorchScript) return;
  StateDict state = read_weights(path);
  if (is_xp_classifier(path, state)) state = body_of(std::move(state));
  if (model.arch().family == Family::kDenseNet) rename_legacy_densenet_keys(state);
  LoadOptions options;
  options.ignore_prefixes = {std::string(model.arch().classifier_prefix)};
  load_state_dict(*model.body, state, path, options);
}

}  // namespace xp::models
