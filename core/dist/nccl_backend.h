// c10d's NCCL process group, for a data-parallel job on CUDA (issue #17): kept to this file, the
// only one xp compiles with the CUDA toolkit's and NCCL's headers (core/CMakeLists.txt), and only
// where the LibTorch is a CUDA 2.x build; elsewhere nccl_built() is false and make_nccl_backend
// refuses.
#pragma once

#include <c10/util/intrusive_ptr.h>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>

#include "core/dist/backends.h"
#include "core/dist/c10d_compat.h"

namespace xp::dist {

// The NCCL group of `size` ranks meeting through `store`, this rank on GPU `device_index` (made
// the current device). Its communicators form at the first collective. Throws UserError on a
// build without NCCL.
c10::intrusive_ptr<Collectives> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                  int rank, int size, int device_index,
                                                  std::chrono::milliseconds timeout);

// Aborts the group's communicators: its kernels stop waiting for a rank that is gone, and what
// waits on them fails. False where this LibTorch cannot (before 2.4).
bool abort_nccl_backend(Collectives& backend);

}  // namespace xp::dist
