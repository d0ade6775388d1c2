#include "core/train/device.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

#include <cstdlib>

#include "core/dist/launch_env.h"
#include "core/util/error.h"

namespace xp::train {

bool cuda_built() { return at::hasCUDA(); }

int visible_gpus() { return static_cast<int>(torch::cuda::device_count()); }

Device resolve_on_this_machine(const Device& requested) {
  const int gpus = visible_gpus();
  Device device = resolve_device(requested, gpus);
  // A data-parallel job's ranks on one machine each take a GPU of their own, as torchrun's users
  // do with LOCAL_RANK: under Slurm's --gpus-per-task each rank sees just its own, cuda:0.
  if (device.kind == Device::Kind::kCuda && gpus > 0) {
    const dist::LaunchEnv job = dist::launch_env();
    if (job.world_size > 1) device.index = job.local_rank % gpus;
  }
  return device;
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
