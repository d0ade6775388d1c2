// What the model computes on and with — the recipe's device, precision and channels_last,
// resolved. No LibTorch here: the recipe holds these, and precision.h applies them.
#pragma once

#include <string>

namespace xp::train {

enum class Precision { kFp32, kBf16 };

Precision parse_precision(const std::string& name);  // "fp32" | "bf16"; UserError otherwise
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
// "cpu" or "cuda": what changes a result (stage cache keys record it; the GPU's index does not).
std::string device_type(const Device& device);

struct ComputeOptions {
  Precision precision = Precision::kFp32;  // fp32 matches fastai/PyTorch numerics exactly
  bool channels_last = false;
};

}  // namespace xp::train
