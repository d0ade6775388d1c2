// The recipe's device on this machine, as LibTorch sees it: `auto` becomes the first visible GPU
// when the LibTorch xp was built against has CUDA and a GPU is visible, else the CPU.
#pragma once

#include <c10/core/Device.h>

#include "core/train/compute_options.h"

namespace xp::train {

// GPUs this process sees (0 on a CPU build of LibTorch or a machine without one).
int visible_gpus();
// `requested` resolved on this machine (compute_options.h's resolve_device).
Device resolve_on_this_machine(const Device& requested);
// A resolved device as LibTorch's.
c10::Device torch_device(const Device& resolved);

}  // namespace xp::train
