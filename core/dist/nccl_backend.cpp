#include "core/dist/nccl_backend.h"

#include "core/util/error.h"

#if XP_HAVE_NCCL
// c10d compiles its NCCL process group only under this macro (PyTorch's CUDA build defines it).
#define USE_C10D_NCCL 1
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace xp::dist {

#if XP_HAVE_NCCL

bool nccl_built() { return true; }

c10::intrusive_ptr<Collectives> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                  int rank, int size, int device_index,
                                                  std::chrono::milliseconds timeout) {
  // NCCL binds a communicator to the device current when it forms.
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(device_index));
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}

bool abort_nccl_backend(Collectives& backend) {
#if XP_C10D_NCCL_ABORT
  static_cast<c10d::ProcessGroupNCCL&>(backend).abort();
  return true;
#else
  (void)backend;
  return false;
#endif
}

#else  // no NCCL in this build

bool nccl_built() { return false; }

c10::intrusive_ptr<Collectives> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>&, int, int,
                                                  int, std::chrono::milliseconds) {
  throw UserError("this build of xp has no NCCL");  // ProcessGroup::connect says more first
}

bool abort_nccl_backend(Collectives&) { return false; }

#endif

}  // namespace xp::dist
