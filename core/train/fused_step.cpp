#include "core/train/fused_step.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <memory>

#include "core/train/optimizer_state.h"
#include "core/train/torch_compat.h"
#include "core/util/build_info.h"
#include "core/util/error.h"

namespace xp::train {

namespace {

std::string needs_newer_libtorch() {
  return str_cat("fused optimizer steps need LibTorch 2.4 or later; this xp is built with ",
                 build_info().libtorch);
}

}  // namespace

bool use_fused_step(std::optional<bool> requested) {
  return requested.value_or(fused_step_available());
}

std::string fused_step_unavailable(std::optional<bool> requested) {
  return requested.value_or(false) && !fused_step_available() ? needs_newer_libtorch() : "";
}

#if XP_TORCH_HAS_FUSED_OPTIMIZERS

namespace {

using namespace optimizer_state;

// The kernels pair a parameter's elements with its gradient's and state's by their place in
// memory, not by index: a gradient laid out otherwise (a channels_last weight's NCHW gradient, set
// by hand or by a hook; autograd's follow the parameter) is copied into the parameter's layout.
torch::Tensor laid_out_as(const torch::Tensor& gradient, const torch::Tensor& parameter) {
  if (gradient.strides() == parameter.strides()) return gradient;
  return torch::empty_like(parameter).copy_(gradient);
}

// The parameters of `group` that have a gradient, each gradient in its parameter's layout.
WithGradients with_aligned_gradients(const torch::optim::OptimizerParamGroup& group) {
  WithGradients trained = with_gradients(group);
  for (std::size_t index = 0; index < trained.parameters.size(); ++index)
    trained.gradients[index] = laid_out_as(trained.gradients[index], trained.parameters[index]);
  return trained;
}

// Adam (decoupled = false: weight decay as L2 in the gradient) and AdamW (decoupled), as
// torch::optim::Adam/AdamW::step — and as PyTorch's own fused Adam calls these kernels.
template <typename Options, typename State, typename Optimizer>
void adam_step(Optimizer& adam, bool decoupled) {
  torch::NoGradGuard no_grad;
  for (auto& group : adam.param_groups()) {
    const auto& options = static_cast<const Options&>(group.options());
    XP_ASSERT(!options.amsgrad(), "fused_step: amsgrad is not implemented");
    const auto [beta1, beta2] = options.betas();
    for (auto& [step, bucket] : count_adam_step<State>(adam, group)) {
      for (std::size_t index = 0; index < bucket.parameters.size(); ++index)
        bucket.gradients[index] = laid_out_as(bucket.gradients[index], bucket.parameters[index]);
      // The kernels read each parameter's step count from a float tensor on its device (PyTorch
      // keeps one per parameter): torch::optim counts on the host, so one tensor made from that
      // count stands for the bucket. Made on the device, it costs a fill, not a copy.
      const torch::Tensor count = torch::full(
          {}, static_cast<double>(step),
          bucket.parameters.front().options().dtype(torch::kFloat32).requires_grad(false));
      const Tensors counts(bucket.parameters.size(), count);
      const Tensors none;  // amsgrad's max_exp_avg_sq
      if (decoupled)
        at::_fused_adamw_(bucket.parameters, bucket.gradients, bucket.exp_avg, bucket.exp_avg_sq,
                          none, counts, options.lr(), beta1, beta2, options.weight_decay(),
                          options.eps(), /*amsgrad=*/false, /*maximize=*/false);
      else
        at::_fused_adam_(bucket.parameters, bucket.gradients, bucket.exp_avg, bucket.exp_avg_sq,
                         none, counts, options.lr(), beta1, beta2, options.weight_decay(),
                         options.eps(), /*amsgrad=*/false, /*maximize=*/false);
    }
  }
}

// SGD's kernel call over `parameters`: with momentum, `buffers` are their momentum buffers, which
// it sets to the step's d_p (grad + wd·p) when `first_step`, as SGD::step clones d_p at a
// parameter's first step.
void sgd_kernel(const torch::optim::SGDOptions& options, const Tensors& parameters,
                const Tensors& gradients, const Tensors& buffers, bool first_step) {
  if (parameters.empty()) return;
  at::_fused_sgd_(parameters, gradients, buffers, options.weight_decay(), options.momentum(),
                  options.lr(), options.dampening(), options.nesterov(), /*maximize=*/false,
                  first_step);
}

}  // namespace

bool fused_step_available() { return true; }

void fused_step(torch::optim::SGD& sgd) {
  torch::NoGradGuard no_grad;
  for (auto& group : sgd.param_groups()) {
    const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
    const WithGradients trained = with_aligned_gradients(group);
    if (options.momentum() == 0) {
      sgd_kernel(options, trained.parameters, trained.gradients, {}, false);
      continue;
    }
    // Parameters at their first step get a buffer the kernel fills; the others continue theirs.
    WithGradients fresh;
    WithGradients continued;
    Tensors fresh_buffers;
    Tensors continued_buffers;
    for (std::size_t index = 0; index < trained.parameters.size(); ++index) {
      const torch::Tensor& parameter = trained.parameters[index];
      const torch::Tensor& gradient = trained.gradients[index];
      if (auto* state = find<torch::optim::SGDParamState>(sgd, parameter)) {
        continued.parameters.push_back(parameter);
        continued.gradients.push_back(gradient);
        continued_buffers.push_back(state->momentum_buffer());
      } else {
        auto created = std::make_unique<torch::optim::SGDParamState>();
        created->momentum_buffer(torch::empty_like(parameter));
        fresh.parameters.push_back(parameter);
        fresh.gradients.push_back(gradient);
        fresh_buffers.push_back(add(sgd, parameter, std::move(created)).momentum_buffer());
      }
    }
    sgd_kernel(options, fresh.parameters, fresh.gradients, fresh_buffers, true);
    sgd_kernel(options, continued.parameters, continued.gradients, continued_buffers, false);
  }
}

void fused_step(torch::optim::Adam& adam) {
  adam_step<torch::optim::AdamOptions, torch::optim::AdamParamState>(adam, false);
}

void fused_step(torch::optim::AdamW& adamw) {
  adam_step<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(adamw, true);
}

#else  // LibTorch before 2.4: no CPU kernels, and on CUDA not all three.

namespace {

[[noreturn]] void unavailable() { throw UserError(needs_newer_libtorch()); }

}  // namespace

bool fused_step_available() { return false; }
void fused_step(torch::optim::SGD&) { unavailable(); }
void fused_step(torch::optim::Adam&) { unavailable(); }
void fused_step(torch::optim::AdamW&) { unavailable(); }

#endif

}  // namespace xp::train
