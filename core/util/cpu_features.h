// What the CPU can do natively, for choices whose speed depends on it. bf16 autocast is several
// times faster than fp32 on CPUs with AVX512-BF16 or AMX-BF16 (measured x3.5 for ResNet-34 at
// 224 px), and 10-30x slower without them, where LibTorch falls back to emulation (measured on an
// AVX2-only AMD EPYC: resnet18 at 64 px, 211 → 6.8 img/s). xp warns rather than guess.
#pragma once

#include <string>

namespace xp {

struct CpuFeatures {
  bool avx512f = false;
  bool avx512_bf16 = false;  // bf16 dot products (Cooper Lake, Sapphire Rapids, Zen 4)
  bool amx_bf16 = false;     // bf16 tile matrix multiply (Sapphire Rapids and later)
  bool arm_bf16 = false;     // Armv8.6 BF16 (Graviton 3, Neoverse V1)
};

// Read once from CPUID (x86) or the auxiliary vector (aarch64).
const CpuFeatures& cpu_features();

// True when bf16 matrix arithmetic runs in hardware.
bool has_native_bf16(const CpuFeatures& features = cpu_features());

// "avx512f avx512_bf16 amx_bf16", the present ones, for run.json and benchmarks ("none" if none).
std::string describe(const CpuFeatures& features);

}  // namespace xp
