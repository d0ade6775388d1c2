// DDP's gradient average over two Gloo ranks: every parameter's gradient becomes the ranks' mean —
// with buckets small enough that there are several, a weight used twice in the forward pass
// (its bucket redone from .grad), and a parameter the loss does not reach (a zero gradient).
#include "core/dist/gradient_averager.h"

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <vector>

#include "tests/core/dist/two_ranks.h"

using xp::dist::GradientAverager;
using xp::dist::ProcessGroup;

namespace {

struct Net {
  torch::Tensor shared = torch::ones({4, 4}).requires_grad_();  // used twice
  torch::Tensor first = torch::full({4}, 0.5f).requires_grad_();
  torch::Tensor second = torch::full({4, 3}, 0.25f).requires_grad_();
  torch::Tensor unused = torch::zeros({2}).requires_grad_();
  std::vector<torch::Tensor> parameters() const { return {shared, first, second, unused}; }

  // The gradients this rank's input gives (rank r: inputs scaled by r + 1).
  void backward(int rank) const {
    const torch::Tensor x = torch::linspace(-1, 1, 8).reshape({2, 4}) * (rank + 1);
    const torch::Tensor hidden = torch::tanh(x.matmul(shared) + first).matmul(shared);
    hidden.matmul(second).pow(2).sum().backward();
  }
};

}  // namespace

TEST_CASE("GradientAverager: every gradient becomes the mean of the ranks' gradients") {
  if (!xp::dist::gloo_built()) {
    MESSAGE("this build has no Gloo headers (libgloo-dev): not tested");
    return;
  }
  // The expected mean, from the two ranks' gradients computed here in one process.
  std::vector<torch::Tensor> expected;
  for (int rank = 0; rank < 2; ++rank) {
    const Net net;
    net.backward(rank);
    for (std::size_t i = 0; i < 3; ++i) {
      const torch::Tensor half = net.parameters()[i].grad() / 2;
      if (rank == 0)
        expected.push_back(half);
      else
        expected[i] += half;
    }
  }
  expected.push_back(torch::zeros({2}));
  const auto results = xp::testing::run_ranks<std::vector<torch::Tensor>>(
      2, [](int rank, std::shared_ptr<ProcessGroup> group) {
        const Net net;
        // 40-byte buckets: each parameter in a bucket of its own (the first of 16 bytes).
        GradientAverager average(*group, net.parameters(), 40, 16);
        CHECK(average.buckets() == 4);
        std::vector<torch::Tensor> grads;
        for (int step = 0; step < 2; ++step) {  // twice: the buckets are ready again after finish
          for (const auto& parameter : net.parameters())
            if (parameter.grad().defined()) parameter.mutable_grad().zero_();
          net.backward(rank);
          average.finish();
        }
        for (const auto& parameter : net.parameters()) grads.push_back(parameter.grad().clone());
        return grads;
      });
  for (const auto& grads : results)
    for (std::size_t i = 0; i < expected.size(); ++i)
      CHECK_MESSAGE(torch::allclose(grads[i], expected[i], 1e-6, 1e-7), "parameter ", i);
}
