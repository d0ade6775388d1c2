#include "core/models/batch_norm.h"

#include <torch/torch.h>

#include <cstdint>

#include "core/models/body.h"
#include "core/util/error.h"

namespace xp::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The dimensions a BatchNorm layer reduces over: all but the channels (dim 1).
std::vector<std::int64_t> all_but_channels(const torch::Tensor& input) {
  std::vector<std::int64_t> dims = {0};
  for (std::int64_t dim = 2; dim < input.dim(); ++dim) dims.push_back(dim);
  return dims;
}

// [C] → [1, C, 1, …] to broadcast against the input.
torch::Tensor per_channel(const torch::Tensor& values, const torch::Tensor& input) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(input.dim()), 1);
  shape[1] = values.size(0);
  return values.view(shape);
}

// PyTorch's SyncBatchNorm as an autograd function. Forward: the global mean (one all-reduce of
// the ranks' sums and counts), then the global variance (one of the squared deviations: two
// passes); backward: LibTorch's batch norm backward with the gradient sums all-reduced, so each
// rank's input gradient is that of every rank's loss. Sums in double and the elementwise steps in
// LibTorch's order: a small batch's BatchNorm amplifies the last bits (a one-process run with 1
// thread and with 2 differs by 2e-4 in weights after three steps of the tests' network), and a
// float-sum version of this function differed from one process 10× more than that.
class SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
 public:
  static torch::Tensor forward(AutogradContext* context, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               torch::Tensor running_mean, torch::Tensor running_var,
                               double momentum, double eps, const SumOverRanks* sum) {
    const auto dims = all_but_channels(input);
    const std::int64_t channels = input.size(1);
    // Sums in double, as LibTorch's CPU kernels accumulate a float batch's statistics.
    torch::Tensor sums =
        torch::cat({input.sum(dims, false, torch::kDouble),
                    torch::full({1}, static_cast<double>(input.numel() / channels),
                                torch::dtype(torch::kDouble).device(input.device()))});
    (*sum)(sums);
    const torch::Tensor count = sums[channels];
    const torch::Tensor mean = sums.slice(0, 0, channels) / count;
    torch::Tensor squares =
        (input - per_channel(mean, input)).square().sum(dims, false, torch::kDouble);
    (*sum)(squares);
    const torch::Tensor variance = squares / count;  // biased, as normalization uses
    const torch::Tensor invstd = (variance + eps).rsqrt();
    {
      torch::NoGradGuard no_grad;
      const double n = count.item<double>();
      running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype()), momentum);
      running_var.mul_(1 - momentum)
          .add_((variance * (n / std::max(n - 1, 1.0))).to(running_var.dtype()), momentum);
    }
    // y = x·α + β, α = w·invstd, β = b − mean·α: LibTorch's batch_norm_cpu_transform_input.
    const torch::Tensor alpha = weight.defined() ? invstd * weight.to(torch::kDouble) : invstd;
    const torch::Tensor beta =
        weight.defined() ? bias.to(torch::kDouble) - mean * alpha : -mean * alpha;
    const torch::Tensor output = input * per_channel(alpha.to(input.scalar_type()), input) +
                                 per_channel(beta.to(input.scalar_type()), input);
    context->save_for_backward({input, weight, mean, invstd, count});
    context->saved_data["sum"] = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(sum));
    return output;
  }

  static variable_list backward(AutogradContext* context, variable_list gradients) {
    const auto saved = context->get_saved_variables();
    const torch::Tensor& input = saved[0];
    const torch::Tensor& weight = saved[1];
    const torch::Tensor& mean = saved[2];    // double
    const torch::Tensor& invstd = saved[3];  // double
    const torch::Tensor& count = saved[4];
    const auto* sum = reinterpret_cast<const SumOverRanks*>(
        static_cast<std::intptr_t>(context->saved_data["sum"].toInt()));
    const torch::Tensor& dy = gradients[0];
    const auto dims = all_but_channels(dy);
    const std::int64_t channels = dy.size(1);
    const auto type = input.scalar_type();
    const torch::Tensor centered = input - per_channel(mean.to(type), input);
    const torch::Tensor sum_dy = dy.sum(dims, false, torch::kDouble);
    const torch::Tensor sum_dy_xmu = (dy * centered).sum(dims, false, torch::kDouble);
    // This rank's parameter gradients; the gradient average adds the ranks' up.
    const torch::Tensor grad_weight =
        weight.defined() ? (sum_dy_xmu * invstd).to(weight.scalar_type()) : torch::Tensor();
    const torch::Tensor grad_bias =
        weight.defined() ? sum_dy.to(weight.scalar_type()) : torch::Tensor();
    torch::Tensor global = torch::cat({sum_dy, sum_dy_xmu});
    (*sum)(global);
    // LibTorch's batch_norm_backward: dx = (dy − mean(dy) − (x − mean)·k)·invstd·w,
    // k = mean(dy·(x − mean))·invstd².
    const torch::Tensor mean_dy = global.slice(0, 0, channels) / count;
    const torch::Tensor k = global.slice(0, channels, 2 * channels) / count * invstd * invstd;
    const torch::Tensor scale = weight.defined() ? invstd * weight.to(torch::kDouble) : invstd;
    const torch::Tensor grad_input =
        (dy - per_channel(mean_dy.to(type), dy) - centered * per_channel(k.to(type), dy)) *
        per_channel(scale.to(type), dy);
    return {grad_input,      grad_weight,     grad_bias,       torch::Tensor(),
            torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor sync_batch_norm(const torch::Tensor& input, const torch::Tensor& weight,
                              const torch::Tensor& bias, torch::Tensor& running_mean,
                              torch::Tensor& running_var, double momentum, double eps,
                              const SumOverRanks& sum) {
  return SyncBatchNormFunction::apply(input, weight, bias, running_mean, running_var, momentum, eps,
                                      &sum);
}

template <int Dims>
void BatchNormImpl<Dims>::reset() {
  weight = this->register_parameter("weight", torch::ones({features}));
  bias = this->register_parameter("bias", torch::zeros({features}));
  running_mean = this->register_buffer("running_mean", torch::zeros({features}));
  running_var = this->register_buffer("running_var", torch::ones({features}));
  num_batches_tracked =
      this->register_buffer("num_batches_tracked", torch::tensor(0, torch::kInt64));
}

template <int Dims>
torch::Tensor BatchNormImpl<Dims>::forward(const torch::Tensor& input) {
  const bool flat = Dims == 1 ? (input.dim() == 2 || input.dim() == 3) : input.dim() == 4;
  XP_CHECK(flat, "BatchNorm", Dims, "d: expected ", Dims == 1 ? "2D or 3D" : "4D", " input, got ",
           input.dim(), "D");
  if (this->is_training()) {
    torch::NoGradGuard no_grad;
    num_batches_tracked.add_(1);
  }
  if (sum_ && this->is_training())
    return sync_batch_norm(input, weight, bias, running_mean, running_var, momentum, eps, sum_);
  // torch::nn::BatchNorm's forward, for its defaults (running statistics tracked, a momentum).
  return torch::batch_norm(input, weight, bias, running_mean, running_var, this->is_training(),
                           momentum, eps, at::globalContext().userEnabledCuDNN());
}

template <int Dims>
void BatchNormImpl<Dims>::pretty_print(std::ostream& stream) const {
  stream << "torch::nn::BatchNorm" << Dims << "d(" << features << ", eps=" << eps
         << ", momentum=" << momentum << ", affine=true, track_running_stats=true)";
}

template class BatchNormImpl<1>;
template class BatchNormImpl<2>;

int synchronize_batch_norm(torch::nn::Module& model, const SumOverRanks& sum) {
  int unsynchronized = 0;
  for (const auto& module : model.modules()) {
    if (auto* layer = module->as<BatchNorm1d>())
      layer->synchronize(sum);
    else if (auto* layer2d = module->as<BatchNorm2d>())
      layer2d->synchronize(sum);
    else if (is_batchnorm(*module))
      ++unsynchronized;
  }
  return unsynchronized;
}

}  // namespace xp::models
