// Numeric precision and memory layout of the model's computations.
//
// bf16 runs convolutions and matmuls under LibTorch's autocast in bfloat16 (on the CPU: AMX/AVX-512
// BF16 here; on a GPU: its tensor cores), fp16 the same in float16 on a GPU (the loss then scaled:
// loss_scale.h), with weights, optimizer state and the loss kept in fp32. channels_last stores activations
// and conv weights as NHWC, the layout oneDNN's CPU kernels prefer. Together they made ResNet-34
// inference 18x faster than fp32 NCHW on the development machine (performance.md); bench/ measures
// speed and the change in features.
#pragma once

#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>

#include "core/train/compute_options.h"

namespace xp::train {

// Enables autocast on `device`'s type for its lifetime when `options` asks for bf16 or fp16
// (thread-local, like torch.autocast).
class AutocastScope {
 public:
  explicit AutocastScope(const ComputeOptions& options, c10::Device device = c10::kCPU);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_type_;
  bool enabled_;
  bool was_enabled_;
};

// A warning when `options` will be slow on this CPU: bf16 without native bf16 instructions
// (util/cpu_features.h). Empty when there is nothing to say.
std::string precision_warning(const ComputeOptions& options, bool native_bf16);

// The batch in the layout the model expects.
torch::Tensor to_layout(const torch::Tensor& images, const ComputeOptions& options);
// Converts every 4-D parameter and buffer of `module` to channels_last when asked.
void apply_layout(torch::nn::Module& module, const ComputeOptions& options);

}  // namespace xp::train
