// The recipe's device on this machine, as LibTorch sees it: `auto` becomes the first visible GPU
// when the LibTorch xp was built against has CUDA and a GPU is visible, else the CPU.
#pragma once

#include <c10/core/Device.h>

#include "core/train/compute_options.h"

namespace xp::train {

// Whether the LibTorch xp runs on has CUDA (a CPU-only build, or XP_TORCH_CPU_ONLY, has not).
bool cuda_built();
// GPUs this process sees (0 on a CPU build of LibTorch or a machine without one).
int visible_gpus();
// `requested` resolved on this machine (compute_options.h's resolve_device). In a data-parallel
// job (launcher variables, dist/launch_env.h) a GPU is the rank's own: cuda:(LOCAL_RANK modulo
// the visible GPUs), whatever index the recipe names.
Device resolve_on_this_machine(const Device& requested);
// How the GPU's kernels are chosen, before the first one runs: `deterministic` asks for cuDNN's
// deterministic algorithms without benchmarking and cuBLAS's fixed workspace
// (CUBLAS_WORKSPACE_CONFIG, unless set already) — PyTorch's reproducibility recipe; otherwise
// cuDNN benchmarks each new shape and keeps the fastest algorithm. Nothing changes on the CPU.
void configure_kernels(bool deterministic);
// A resolved device as LibTorch's.
c10::Device torch_device(const Device& resolved);

}  // namespace xp::train
