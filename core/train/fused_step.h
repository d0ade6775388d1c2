// The optimizer step of torch::optim's SGD, Adam and AdamW in PyTorch's single-kernel ("fused")
// implementations — `torch.optim.AdamW(..., fused=True)` — over every parameter of a param group:
// one pass over each parameter's memory that reads the gradient and the state and writes both,
// where the multi-tensor step (multi_tensor_step.h) makes ~10 passes. On a GPU that is one kernel
// launch per group and a fraction of the memory traffic; on the CPU a vectorized loop per tensor.
//
//   torch::optim::AdamW adamw(params, options);
//   ... backward ...
//   fused_step(adamw);   // instead of adamw.step()
//
// The state stays in the torch::optim optimizer, as multi_tensor_step keeps it, so the two steps
// (and torch's own step()) can continue from each other's state. The numbers are the same formulas
// evaluated in another order (Adam's first moment by lerp, the update per element in registers):
// equal to step()'s to rounding, not bit for bit (tested to 1e-6 relative). PyTorch has these
// kernels, on the CPU and CUDA, from LibTorch 2.4 on: `fused_step_available()` says whether this
// build has them, and the steps throw where it does not.
#pragma once

#include <optional>
#include <string>

namespace torch::optim {
class SGD;
class Adam;
class AdamW;
}  // namespace torch::optim

namespace xp::train {

bool fused_step_available();
// The recipe's `fused_optimizer` resolved: unset, the fused step wherever this LibTorch has it
// (faster on the CPU as on a GPU: bench/step_bench.cpp); true or false as asked.
bool use_fused_step(std::optional<bool> requested);
// Why `requested` cannot be had ("" when it can): true, of a LibTorch without the kernels.
std::string fused_step_unavailable(std::optional<bool> requested);

void fused_step(torch::optim::SGD& sgd);
void fused_step(torch::optim::Adam& adam);
void fused_step(torch::optim::AdamW& adamw);

}  // namespace xp::train
