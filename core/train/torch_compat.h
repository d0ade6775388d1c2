// Where the LibTorch versions xp builds with differ (Debian's 1.13 to PyPI's 2.x, issue #16): each
// difference is one function here, so that the rest of xp is written once against one API.
// Only files that need a difference include this; cmake/XpTorch.cmake chooses the LibTorch.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <sstream>
#include <string>
#include <type_traits>

// LibTorch 2.4 made autocast's switches device-generic and deprecated the per-device ones.
#define XP_TORCH_AUTOCAST_BY_DEVICE \
  (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))

// PyTorch's single-kernel ("fused") optimizer steps — at::_fused_sgd_, _fused_adam_, _fused_adamw_
// — have CPU kernels as well as CUDA ones since LibTorch 2.4 (fused_step.h).
#define XP_TORCH_HAS_FUSED_OPTIMIZERS XP_TORCH_AUTOCAST_BY_DEVICE

namespace xp::train::compat {

inline bool autocast_enabled(at::DeviceType device) {
#if XP_TORCH_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(device);
#else
  return device == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

inline void set_autocast_enabled(at::DeviceType device, bool enabled) {
#if XP_TORCH_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(device, enabled);
#else
  device == at::kCPU ? at::autocast::set_cpu_enabled(enabled) : at::autocast::set_enabled(enabled);
#endif
}

inline void set_autocast_dtype(at::DeviceType device, at::ScalarType dtype) {
#if XP_TORCH_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(device, dtype);
#else
  device == at::kCPU ? at::autocast::set_autocast_cpu_dtype(dtype)
                     : at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

// The key of a parameter's entry in a torch::optim optimizer's per-parameter state map (`Map`,
// the type of Optimizer::state()): the address of its TensorImpl — written as text up to LibTorch
// 2.0 (c10::guts::to_string streams it), the pointer itself since.
template <typename Map>
typename Map::key_type optimizer_state_key(const at::Tensor& parameter) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    std::ostringstream text;
    text << parameter.unsafeGetTensorImpl();
    return text.str();
  } else {
    return parameter.unsafeGetTensorImpl();
  }
}

}  // namespace xp::train::compat
