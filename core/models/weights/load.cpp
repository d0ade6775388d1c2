#include "core/models/weights/load.h"

#include <array>
#include <filesystem>
#include <optional>
#include <string_view>

#include "core/models/weights/h5.h"
#include "core/models/weights/pth.h"
#include "core/models/weights/safetensors.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

StateDict read_weights(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".safetensors") return read_safetensors(path);
  if (extension == ".pth" || extension == ".pt") return read_pth(path);
  if (extension == ".h5") return read_untrusted_h5(path);
  throw ModelError(str_cat("weights '", path, "': unsupported file type '", extension,
                           "' (supported: ", join(weight_file_extensions()), ")"));
}

namespace {

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

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

// A legacy name ends in "denselayer<N>", norm|relu|conv, 1|2 and the tensor, as torchvision's pattern
// ^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:1|2)\.(?:weight|…))$ has it; found by scanning (std::regex
// recurses per character: a 50,000-character key overflowed the stack).
std::optional<std::string> modern_densenet_name(const std::string& name) {
  std::array<std::size_t, 3> dots{};  // the last three dots, last first
  std::size_t end = name.size();
  for (auto& dot : dots) {
    dot = end == 0 ? std::string::npos : name.rfind('.', end - 1);
    if (dot == std::string::npos) return std::nullopt;
    end = dot;
  }
  const std::string_view view(name);
  const std::string_view tensor = view.substr(dots[0] + 1);
  const std::string_view index = view.substr(dots[1] + 1, dots[0] - dots[1] - 1);
  const std::string_view module = view.substr(dots[2] + 1, dots[1] - dots[2] - 1);
  const std::string_view layer = view.substr(0, dots[2]);
  const std::size_t digits_from =
      layer.find_last_not_of("0123456789") + 1;  // 0 when all digits (npos + 1)
  const bool numbered_layer = digits_from < layer.size() && digits_from >= 10 &&
                              layer.substr(digits_from - 10, 10) == "denselayer";
  if (!numbered_layer || (module != "norm" && module != "relu" && module != "conv") ||
      (index != "1" && index != "2") ||
      (tensor != "weight" && tensor != "bias" && tensor != "running_mean" &&
       tensor != "running_var"))
    return std::nullopt;
  return name.substr(0, dots[1]) + name.substr(dots[1] + 1);  // "norm.1.weight" → "norm1.weight"
}

// torchvision's published DenseNet files predate its module names: "denselayer1.norm.1.weight"
// where the model has "denselayer1.norm1.weight". torchvision renames them on load; so does xp.
void rename_legacy_densenet_keys(StateDict& state) {
  for (auto& [name, tensor] : state.tensors)
    if (auto modern = modern_densenet_name(name)) name = std::move(*modern);
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
