#include "core/models/weights/torchscript.h"

#include <torch/script.h>

#include <filesystem>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

torch::jit::Module load_torchscript(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw ModelError(str_cat("TorchScript file '", path, "': no such file"));
  try {
    return torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& error) {
    const std::string message = error.what_without_backtrace();
    throw ModelError(str_cat("TorchScript file '", path, "': not a readable TorchScript archive (torch.jit.save): ",
                             message.substr(0, message.find('\n'))));
  }
}

StateDict read_torchscript_weights(const std::string& path) {
  const torch::jit::Module module = load_torchscript(path);
  StateDict state;
  for (const auto& parameter : module.named_parameters()) state.tensors.emplace_back(parameter.name, parameter.value.detach());
  for (const auto& buffer : module.named_buffers()) state.tensors.emplace_back(buffer.name, buffer.value);
  return state;
}

}  // namespace xp::models
