#include "core/train/compute_options.h"

#include <cctype>

#include "core/util/error.h"

namespace xp::train {

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "bf16") return Precision::kBf16;
  if (name == "fp16") return Precision::kFp16;
  throw UserError(str_cat("precision must be fp32, bf16 or fp16, got '", name, "'"));
}

std::string to_string(Precision precision) {
  switch (precision) {
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp16:
      return "fp16";
    case Precision::kFp32:
      break;
  }
  return "fp32";
}

Device parse_device(const std::string& name) {
  Device device;
  if (name == "auto") return device;
  if (name == "cpu") {
    device.kind = Device::Kind::kCpu;
    return device;
  }
  const std::string cuda = "cuda";
  if (name.rfind(cuda, 0) == 0) {
    const std::string index = name.size() > cuda.size() + 1 && name[cuda.size()] == ':'
                                  ? name.substr(cuda.size() + 1)
                                  : std::string();
    const bool digits = !index.empty() && index.size() <= 4 &&
                        index.find_first_not_of("0123456789") == std::string::npos;
    if (name == cuda || digits) {
      device.kind = Device::Kind::kCuda;
      device.index = digits ? std::stoi(index) : 0;
      return device;
    }
  }
  throw UserError(str_cat("device must be auto, cpu, cuda or cuda:N, got '", name, "'"));
}

Device resolve_device(const Device& requested, int visible_gpus) {
  if (requested.kind != Device::Kind::kAuto) return requested;
  Device resolved;
  resolved.kind = visible_gpus > 0 ? Device::Kind::kCuda : Device::Kind::kCpu;
  return resolved;
}

std::string device_unavailable(const Device& requested, int visible_gpus, bool cuda_built,
                               const std::string& libtorch) {
  if (requested.kind != Device::Kind::kCuda) return "";
  if (!cuda_built)
    return str_cat("this xp is built against LibTorch ", libtorch,
                   " without CUDA; build it against a CUDA LibTorch (README, \"GPU\") or use "
                   "device: auto or cpu");
  if (visible_gpus == 0)
    return "no GPU is visible to this process (check nvidia-smi and CUDA_VISIBLE_DEVICES), or use "
           "device: auto or cpu";
  if (requested.index >= visible_gpus)
    return str_cat("this machine has ", visible_gpus, visible_gpus == 1 ? " GPU" : " GPUs",
                   " (cuda:0", visible_gpus > 1 ? str_cat("-", visible_gpus - 1) : "", ")");
  return "";
}

std::string data_parallel_unavailable(const Device& resolved, int ranks, bool nccl_built) {
  if (ranks <= 1 || resolved.kind != Device::Kind::kCuda || nccl_built) return "";
  return str_cat(ranks,
                 " data-parallel ranks on GPUs need NCCL (c10d's GPU process group), which "
                 "this build of xp does not have; build it against a CUDA LibTorch 2.x "
                 "(README, \"On a GPU\") or use device: cpu");
}

std::string precision_unavailable(Precision precision, const Device& resolved) {
  if (precision != Precision::kFp16 || resolved.kind == Device::Kind::kCuda) return "";
  return "fp16 needs a GPU, and this run is on the CPU; use bf16 (as fast on CPUs with AMX or "
         "AVX-512 BF16, and without loss scaling) or fp32";
}

std::string device_type(const Device& device) {
  XP_ASSERT(device.kind != Device::Kind::kAuto, "device_type of an unresolved device");
  return device.kind == Device::Kind::kCuda ? "cuda" : "cpu";
}

std::string to_string(const Device& device) {
  switch (device.kind) {
    case Device::Kind::kAuto:
      return "auto";
    case Device::Kind::kCpu:
      return "cpu";
    case Device::Kind::kCuda:
      return "cuda:" + std::to_string(device.index);
  }
  return "";
}

std::string step_implementation(bool fused, bool on_gpu) {
  if (fused) return "fused";
  return on_gpu ? "foreach" : "for-loop";
}

}  // namespace xp::train
