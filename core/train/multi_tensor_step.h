// The optimizer step of torch::optim's SGD, Adam and AdamW done over every parameter of a param
// group at once, with LibTorch's multi-tensor (`_foreach_`) kernels: on a GPU a handful of kernel
// launches per group instead of several per parameter (ResNet-34 has ~110 parameter tensors), as
// PyTorch's own optimizers do by default on CUDA (`foreach=True`).
//
//   torch::optim::SGD sgd(params, options);
//   ... backward ...
//   multi_tensor_step(sgd);   // instead of sgd.step()
//
// The state stays in the torch::optim optimizer (momentum buffers, Adam's moments and step
// counts), created as its step() creates it, so save/load and a resume point are unchanged. The
// formulas are torch::optim's, operation for operation: on the CPU, where each `_foreach_` call
// runs the same per-tensor kernel, the result is bit for bit that of step() (tested). LayerOptimizer
// uses it on a GPU only: on the CPU step()'s per-parameter order is the faster of the two (each
// tensor stays in cache between operations; bench/step_bench.cpp).
#pragma once

namespace torch::optim {
class SGD;
class Adam;
class AdamW;
}  // namespace torch::optim

namespace xp::train {

void multi_tensor_step(torch::optim::SGD& sgd);
void multi_tensor_step(torch::optim::Adam& adam);
void multi_tensor_step(torch::optim::AdamW& adamw);

}  // namespace xp::train
