#include "core/models/weights/torchscript.h"

#include <torch/script.h>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

StateDict read_torchscript_weights(const std::string& path) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& error) {
    const std::string message = error.what_without_backtrace();
    throw ModelError(str_cat("weights '", path, "': damaged TorchScript archive (", message.substr(0, message.find('\n')), ")"));
  }
  StateDict state;
  for (const auto& parameter : module.named_parameters()) state.tensors.emplace_back(parameter.name, parameter.value.detach());
  for (const auto& buffer : module.named_buffers()) state.tensors.emplace_back(buffer.name, buffer.value);
  return state;
}

}  // namespace xp::models
