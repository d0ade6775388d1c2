#include "core/train/device.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

#include <cstdlib>

#include "core/util/error.h"

namespace xp::train {

bool cuda_built() { return at::hasCUDA(); }

int visible_gpus() { return static_cast<int>(torch::cuda::device_count()); }

Device resolve_on_this_machine(const Device& requested) {
  return resolve_device(requested, visible_gpus());
}

void configure_kernels(bool deterministic) {
  auto& context = at::globalContext();
  context.setBenchmarkCuDNN(!deterministic);
  context.setDeterministicCuDNN(deterministic);
  // cuBLAS reads this when its first handle is made: before any GPU work.
  if (deterministic) ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
}

c10::Device torch_device(const Device& resolved) {
  XP_ASSERT(resolved.kind != Device::Kind::kAuto, "torch_device of an unresolved device");
  if (resolved.kind == Device::Kind::kCpu) return c10::Device(c10::kCPU);
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(resolved.index));
}

}  // namespace xp::train
