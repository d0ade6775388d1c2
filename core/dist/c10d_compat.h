// Where c10d, PyTorch's distributed core, differs between the LibTorch versions xp builds with
// (issue #17; core/train/torch_compat.h holds the training API's differences). LibTorch 2.0 split
// a process group's transport out as c10d::Backend (ProcessGroupGloo, ProcessGroupNCCL derive from
// it); in 1.13 they are c10d::ProcessGroups themselves. Both offer the same collectives.
#pragma once

#include <torch/version.h>

#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

// ProcessGroupNCCL::abort() (ending communicators stuck on a lost rank) takes no argument from
// LibTorch 2.4 on; xp does not abort NCCL before.
#define XP_C10D_NCCL_ABORT \
  (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))

namespace xp::dist {

#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

}  // namespace xp::dist
