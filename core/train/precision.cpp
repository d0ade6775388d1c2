#include "core/train/precision.h"

#include <torch/torch.h>

#include "core/train/torch_compat.h"
#include "core/util/error.h"

namespace xp::train {

AutocastScope::AutocastScope(const ComputeOptions& options, c10::Device device)
    : device_type_(device.type()),
      enabled_(options.precision != Precision::kFp32),
      was_enabled_(compat::autocast_enabled(device_type_)) {
  if (!enabled_) return;
  XP_CHECK(options.precision != Precision::kFp16 || device_type_ != c10::kCPU,
           "precision fp16 needs a GPU; on the CPU use bf16 or fp32");
  compat::set_autocast_dtype(device_type_,
                             options.precision == Precision::kFp16 ? at::kHalf : at::kBFloat16);
  compat::set_autocast_enabled(device_type_, true);
}

AutocastScope::~AutocastScope() {
  if (!enabled_) return;
  compat::set_autocast_enabled(device_type_, was_enabled_);
  // Autocast caches bf16 copies of the weights; they go stale after an optimizer step.
  at::autocast::clear_cache();
}

std::string precision_warning(const ComputeOptions& options, bool native_bf16) {
  if (options.precision != Precision::kBf16 || native_bf16) return "";
  return "precision bf16: this CPU has no native bf16 instructions (AVX512-BF16, AMX-BF16 or Arm "
         "BF16), so "
         "LibTorch emulates them and runs 10-30x slower than fp32 (resnet18 at 64 px: 211 img/s "
         "fp32, 6.8 bf16 "
         "on an AVX2 CPU); use precision: fp32 on this machine";
}

torch::Tensor to_layout(const torch::Tensor& images, const ComputeOptions& options) {
  return options.channels_last ? images.contiguous(at::MemoryFormat::ChannelsLast) : images;
}

void apply_layout(torch::nn::Module& module, const ComputeOptions& options) {
  if (!options.channels_last) return;
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters())
    if (parameter.dim() == 4)
      parameter.set_data(parameter.contiguous(at::MemoryFormat::ChannelsLast));
}

}  // namespace xp::train
