// SyncBatchNorm (models/batch_norm.h) over two Gloo ranks against LibTorch's own batch norm on the
// whole batch in one process: the output, the input's gradient, the running statistics, and the
// affine parameters' gradients summed over the ranks (what the gradient average then divides).
#include <doctest/doctest.h>
#include <torch/torch.h>

#include "core/models/batch_norm.h"
#include "tests/core/dist/two_ranks.h"

using namespace xp;

namespace {

struct LayerResult {
  torch::Tensor output, grad_input, grad_weight, grad_bias, running_mean, running_var;
};

}  // namespace

TEST_CASE("SyncBatchNorm: two ranks' parts normalize, and differentiate, as the whole batch") {
  if (!dist::gloo_built()) {
    MESSAGE("this build has no Gloo headers (libgloo-dev): not tested");
    return;
  }
  torch::manual_seed(3);
  const torch::Tensor input = torch::randn({7, 5, 4, 3}) * 3 + 2;  // 3 + 4 images
  const torch::Tensor upstream = torch::randn({7, 5, 4, 3});       // dL/dy
  const torch::Tensor weight = torch::rand({5}) + 0.5;
  const torch::Tensor bias = torch::randn({5});

  // One process: LibTorch's batch norm over the 7 images.
  models::BatchNorm2d whole(5);
  whole->weight.data().copy_(weight);
  whole->bias.data().copy_(bias);
  const torch::Tensor x = input.clone().requires_grad_();
  whole->train();
  const torch::Tensor expected_output = whole(x);
  (expected_output * upstream).sum().backward();

  const auto ranks =
      testing::run_ranks<LayerResult>(2, [&](int rank, std::shared_ptr<dist::ProcessGroup> group) {
        models::BatchNorm2d layer(5);
        layer->weight.data().copy_(weight);
        layer->bias.data().copy_(bias);
        models::synchronize_batch_norm(*layer,
                                       [group](torch::Tensor& t) { group->allreduce_sum(t); });
        layer->train();
        const std::int64_t first = rank == 0 ? 0 : 3;
        const std::int64_t count = rank == 0 ? 3 : 4;
        const torch::Tensor part = input.slice(0, first, first + count).clone().requires_grad_();
        const torch::Tensor output = layer(part);
        (output * upstream.slice(0, first, first + count)).sum().backward();
        return LayerResult{output.detach(),
                           part.grad(),
                           layer->weight.grad(),
                           layer->bias.grad(),
                           layer->running_mean.clone(),
                           layer->running_var.clone()};
      });

  const torch::Tensor output = torch::cat({ranks[0].output, ranks[1].output});
  CHECK(torch::allclose(output, expected_output.detach(), 1e-6, 1e-5));
  const torch::Tensor grad_input = torch::cat({ranks[0].grad_input, ranks[1].grad_input});
  CHECK(torch::allclose(grad_input, x.grad(), 1e-6, 1e-5));
  CHECK(torch::allclose(ranks[0].grad_weight + ranks[1].grad_weight, whole->weight.grad(), 1e-6,
                        1e-4));
  CHECK(torch::allclose(ranks[0].grad_bias + ranks[1].grad_bias, whole->bias.grad(), 1e-6, 1e-4));
  for (const auto& rank : ranks) {
    CHECK(torch::allclose(rank.running_mean, whole->running_mean, 1e-6, 1e-6));
    CHECK(torch::allclose(rank.running_var, whole->running_var, 1e-6, 1e-6));
  }
}
