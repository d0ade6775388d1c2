// xp's BatchNorm layers: torch's BatchNorm1d/2d — the same parameters and buffers under the same
// names (weight, bias, running_mean, running_var, num_batches_tracked), the same numerics (the
// same torch::batch_norm call) — which a data-parallel run can synchronize: PyTorch's
// SyncBatchNorm. Synchronized, a training batch is normalized with the mean and variance of the
// whole global batch, every rank's part of it, the running statistics follow those, and backward
// carries the gradient across the ranks through them. Evaluation (and frozen layers) use the
// running statistics as ever. (xp's own modules rather than torch's subclassed: Debian's LibTorch
// does not export what a subclass of torch's BatchNorm needs to link.)
//
//   synchronize_batch_norm(*model, [group](torch::Tensor& t) { group->allreduce_sum(t); });
#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <ostream>

namespace xp::models {

// Sums a tensor over the ranks of a data-parallel job, in place (every rank calls it in turn).
using SumOverRanks = std::function<void(torch::Tensor&)>;

// BatchNorm over [N, C] or [N, C, L] (Dims = 1) or [N, C, H, W] (Dims = 2), torch's defaults:
// eps 1e-5, momentum 0.1, affine, running statistics tracked.
template <int Dims>
class BatchNormImpl : public torch::nn::Cloneable<BatchNormImpl<Dims>> {
 public:
  explicit BatchNormImpl(std::int64_t channels) : features(channels) { reset(); }
  void reset() override;
  torch::Tensor forward(const torch::Tensor& input);
  void pretty_print(std::ostream& stream) const override;
  void synchronize(SumOverRanks sum) { sum_ = std::move(sum); }

  std::int64_t features;
  double eps = 1e-5;
  double momentum = 0.1;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  SumOverRanks sum_;
};

extern template class BatchNormImpl<1>;
extern template class BatchNormImpl<2>;
using BatchNorm1dImpl = BatchNormImpl<1>;
using BatchNorm2dImpl = BatchNormImpl<2>;
TORCH_MODULE(BatchNorm1d);
TORCH_MODULE(BatchNorm2d);

// Synchronizes every xp BatchNorm layer of `model` through `sum` (empty: each rank's own batch
// statistics again). Returns how many BatchNorm layers could not be (a TorchScript body's).
int synchronize_batch_norm(torch::nn::Module& model, const SumOverRanks& sum);

// Training-mode batch normalization of `input` ([N, C, …]) with the statistics of every rank's
// input together (`sum` adds tensors over the ranks), updating the running statistics as
// torch::batch_norm does: PyTorch's SyncBatchNorm function. `sum` must outlive backward.
torch::Tensor sync_batch_norm(const torch::Tensor& input, const torch::Tensor& weight,
                              const torch::Tensor& bias, torch::Tensor& running_mean,
                              torch::Tensor& running_var, double momentum, double eps,
                              const SumOverRanks& sum);

}  // namespace xp::models
