// What the model computes on and with — the recipe's device, precision and channels_last,
// resolved. No LibTorch here: the recipe holds these, and precision.h applies them.
#pragma once

#include <optional>
#include <string>

namespace xp::train {

// fp32: PyTorch's numerics. bf16: autocast to bfloat16 (CPU with AMX/AVX-512 BF16, or a GPU).
// fp16: autocast to float16 with dynamic loss scaling (loss_scale.h), on a GPU only.
enum class Precision { kFp32, kBf16, kFp16 };

Precision parse_precision(
    const std::string& name);  // "fp32" | "bf16" | "fp16"; UserError otherwise
std::string to_string(Precision precision);

// The recipe's device: auto (the best available), cpu, or a CUDA device (cuda = cuda:0).
struct Device {
  enum class Kind { kAuto, kCpu, kCuda };
  Kind kind = Kind::kAuto;
  int index = 0;  // cuda:N
};

Device parse_device(const std::string& name);  // "auto" | "cpu" | "cuda" | "cuda:N"
std::string to_string(const Device& device);   // as parse_device reads it ("cuda" is "cuda:0")
// The device a run uses: `auto` is the first visible GPU, else the CPU; the others as asked (a
// missing GPU is refused where the recipe is checked).
Device resolve_device(const Device& requested, int visible_gpus);
// Why the device `requested` is not available ("" when it is): a GPU asked of a LibTorch built without CUDA
// (`cuda_built` false), of a machine where none is visible, or one past the last visible GPU.
// `libtorch` names the build in the message ("1.13.1").
std::string device_unavailable(const Device& requested, int visible_gpus, bool cuda_built,
                               const std::string& libtorch);
// Why a data-parallel job of `ranks` ranks cannot run on the resolved device `resolved` ("" when
// it can): more than one rank on GPUs needs c10d's NCCL process group (`nccl_built`).
std::string data_parallel_unavailable(const Device& resolved, int ranks, bool nccl_built);
// Why `precision` cannot run on the resolved device `resolved` ("" when it can): fp16 needs a GPU.
std::string precision_unavailable(Precision precision, const Device& resolved);
// "cpu" or "cuda": what changes a result (stage cache keys record it; the GPU's index does not).
std::string device_type(const Device& device);

// How LayerOptimizer (optimizer.h) steps, in PyTorch's names for its optimizers' implementations:
// "fused" when asked; else torch::optim's numbers computed the fastest way on the device —
// "foreach" (multi-tensor kernels) on a GPU, "for-loop" (torch::optim's own per-parameter step) on
// the CPU.
std::string step_implementation(bool fused, bool on_gpu);

struct ComputeOptions {
  Precision precision = Precision::kFp32;  // fp32 matches fastai/PyTorch numerics exactly
  bool channels_last = false;
  bool deterministic = false;  // GPU kernels chosen for repeatability (device.h configure_kernels)
  // The recipe's fused_optimizer: PyTorch's single-kernel optimizer step (fused_step.h) or not;
  // unset, xp chooses (fused_step.h use_fused_step).
  std::optional<bool> fused_optimizer;
};

}  // namespace xp::train
