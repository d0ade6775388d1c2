// A LibTorch C++ module as a TorchScript module, so that a network trained by xp runs where only
// LibTorch or PyTorch is: torch::jit::load in C++, torch.jit.load in Python, with no xp code.
//
// C++ modules cannot be scripted, so the forward pass is traced (torch.jit.trace's own tracer):
// the operations one call runs are recorded as a graph. The TorchScript module mirrors the C++
// module tree — the same names ("body.layer1.0.conv1.weight"), the same tensors — and the graph
// reads each weight as an attribute of that tree, as a traced nn.Module's does, rather than baking
// it in as a constant. What a trace cannot keep: control flow that depends on the data (xp's
// networks have none at inference) and the training mode (the trace is of eval mode).
#pragma once

#include <torch/csrc/jit/api/module.h>
#include <torch/nn/module.h>

#include <functional>
#include <string>

namespace xp::models {

// Traces `forward` — a call of `module`'s forward on the CPU, in eval mode — on `example` and
// returns a TorchScript module named `class_name` whose method "forward" is that trace. The
// module's parameters and buffers are the C++ module's (shared, not copied).
torch::jit::Module trace_module(torch::nn::Module& module,
                                const std::function<torch::Tensor(torch::Tensor)>& forward,
                                const torch::Tensor& example, const std::string& class_name);

}  // namespace xp::models
