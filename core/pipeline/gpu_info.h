// What run.json records of the GPU a run uses: its name and memory and the driver's version, asked
// of the NVIDIA driver's own libraries (libcuda, NVML) opened at run time — xp links no CUDA
// library itself, and a CPU build runs where they are absent — and the CUDA runtime and cuDNN
// versions of the LibTorch xp runs on.
#pragma once

#include "core/report/run_info.h"

namespace xp::pipeline {

// GPU `index` (as LibTorch numbers them: cuda:N). Fields the driver does not give stay empty.
report::GpuInfo describe_gpu(int index);

// "12.8" from CUDA's version numbers (1000 × major + 10 × minor: 12080).
std::string cuda_version_text(long version);
// "9.10.2" from cuDNN's (10000 × major + 100 × minor + patch since cuDNN 9: 91002; 1000 × major +
// 100 × minor + patch before: 8907).
std::string cudnn_version_text(long version);

}  // namespace xp::pipeline
