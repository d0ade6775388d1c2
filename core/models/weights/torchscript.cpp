#include "core/models/weights/torchscript.h"

#include <torch/script.h>

#include <filesystem>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

namespace {

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

}  // namespace

torch::jit::Module load_torchscript(const std::string& path) {
  if (!std::filesystem::is_regular_file(path))
    throw ModelError(str_cat("TorchScript file '", path, "': no such file"));
  try {
    return torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& error) {
    const std::string message = error.what_without_backtrace();
    throw ModelError(str_cat("TorchScript file '", path,
                             "': not a readable TorchScript archive (torch.jit.save): ",
                             message.substr(0, message.find('\n'))));
  } catch (const std::exception& error) {
    // Loading runs the modules' __setstate__; what it raised ends the interpreter's traceback.
    throw ModelError(str_cat("TorchScript file '", path,
                             "': its code failed while loading: ", last_line(error.what())));
  }
}

}  // namespace xp::models
