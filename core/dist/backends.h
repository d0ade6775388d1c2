// Which of c10d's process groups this build of xp can use (issue #17), for code that decides
// before any LibTorch header is needed (the CLI): Gloo on the CPU, NCCL on CUDA.
#pragma once

namespace xp::dist {

// Gloo: the build found Gloo's headers (Debian's libgloo-dev).
bool gloo_built();
// NCCL: a CUDA LibTorch 2.x and NCCL's header (dist/nccl_backend.h).
bool nccl_built();

}  // namespace xp::dist
