// c10d's NCCL process group behind xp's ProcessGroup (issue #17): a GPU check (bench/gpu.sh runs
// these where a GPU is), skipped elsewhere, saying so; the refusal of a build without NCCL is
// checked everywhere.
#include <doctest/doctest.h>

#include <torch/torch.h>

#include <future>

#include "core/dist/gradient_averager.h"
#include "core/dist/process_group.h"
#include "core/train/device.h"
#include "core/util/error.h"
#include "tests/core/dist/two_ranks.h"

using xp::dist::ProcessGroup;
using xp::testing::rank_of;

namespace {

const c10::Device kGpu(c10::kCUDA, 0);

bool nccl_testable() {
  if (!xp::dist::nccl_built()) {
    MESSAGE("skipped: this build of xp has no NCCL (a CPU LibTorch, or no nccl.h at build time)");
    return false;
  }
  if (xp::train::visible_gpus() == 0) {
    MESSAGE("skipped: no GPU visible to this LibTorch");
    return false;
  }
  return true;
}

}  // namespace

TEST_CASE("NCCL process group: a build without NCCL refuses a data-parallel job on a GPU") {
  if (xp::dist::nccl_built()) {
    MESSAGE("this build has NCCL: the refusal is not what it does");
    return;
  }
  CHECK_THROWS_WITH_AS(
      ProcessGroup::connect(rank_of(0, 2, xp::free_loopback_port()), std::chrono::seconds(1),
                            std::chrono::seconds(60), kGpu),
      doctest::Contains("needs NCCL, which this build of xp does not have"), xp::UserError);
}

TEST_CASE("NCCL process group on a GPU: one rank's collectives, host tensors through the GPU") {
  if (!nccl_testable()) return;
  const auto group =
      ProcessGroup::connect(rank_of(0, 1, xp::free_loopback_port()), std::chrono::seconds(60),
                            std::chrono::seconds(60), kGpu);
  CHECK(group->backend() == "nccl");
  std::vector<torch::Tensor> weights = {torch::arange(6, torch::kFloat32).to(kGpu),
                                        torch::full({2}, 3.0f)};  // a host tensor among them
  group->broadcast_from_rank0(weights);
  CHECK(torch::equal(weights[0].cpu(), torch::arange(6, torch::kFloat32)));
  CHECK(weights[1].is_cpu());
  std::vector<torch::Tensor> gradients = {torch::full({2, 2}, 5.0f, torch::device(kGpu))};
  group->allreduce_mean(gradients);
  CHECK(torch::equal(gradients[0].cpu(), torch::full({2, 2}, 5.0f)));
  torch::Tensor sum = torch::ones({4}, torch::device(kGpu));
  group->allreduce_sum_async(sum).wait();
  CHECK(torch::equal(sum.cpu(), torch::ones({4})));
  const auto parts = group->all_gather_rows(torch::arange(10, torch::kInt64).reshape({5, 2}));
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].is_cpu());
  CHECK(torch::equal(parts[0], torch::arange(10, torch::kInt64).reshape({5, 2})));
  CHECK(group->all_gather_text("host-a") == std::vector<std::string>{"host-a"});
  CHECK(group->share_text_from_rank0("resume point bytes") == "resume point bytes");
  CHECK(group->broadcast_value(42) == 42);
  const torch::Tensor shared = group->share_from_rank0(torch::eye(3, torch::kFloat64));
  CHECK(shared.is_cpu());
  CHECK(torch::equal(shared, torch::eye(3, torch::kFloat64)));
  group->barrier();
  CHECK(group->lost_contact().empty());
}

TEST_CASE(
    "NCCL process group on a GPU: DDP's bucketed gradient average of one rank is the gradient") {
  if (!nccl_testable()) return;
  const auto group =
      ProcessGroup::connect(rank_of(0, 1, xp::free_loopback_port()), std::chrono::seconds(60),
                            std::chrono::seconds(60), kGpu);
  torch::manual_seed(3);
  torch::nn::Linear layer(8, 4);
  layer->to(kGpu);
  const torch::Tensor input = torch::randn({16, 8}, torch::device(kGpu));
  layer->forward(input).pow(2).sum().backward();
  std::vector<torch::Tensor> expected;
  for (const auto& parameter : layer->parameters()) expected.push_back(parameter.grad().clone());
  for (auto& parameter : layer->parameters()) parameter.mutable_grad().zero_();
  {
    xp::dist::GradientAverager average(*group, layer->parameters(), 64, 64);  // a bucket each
    layer->forward(input).pow(2).sum().backward();
    average.finish();
  }
  const auto parameters = layer->parameters();
  for (std::size_t index = 0; index < parameters.size(); ++index)
    CHECK(torch::allclose(parameters[index].grad(), expected[index]));
}

TEST_CASE("NCCL process group on GPUs: two ranks, one GPU each, average as Gloo does") {
  if (!nccl_testable()) return;
  if (xp::train::visible_gpus() < 2) {
    MESSAGE("skipped: one GPU visible; two NCCL ranks need a GPU each");
    return;
  }
  const int port = xp::free_loopback_port();
  std::vector<std::future<torch::Tensor>> ranks;
  for (int rank = 0; rank < 2; ++rank)
    ranks.push_back(std::async(std::launch::async, [port, rank] {
      const c10::Device gpu(c10::kCUDA, static_cast<c10::DeviceIndex>(rank));
      const auto group = ProcessGroup::connect(rank_of(rank, 2, port), std::chrono::seconds(60),
                                               std::chrono::seconds(60), gpu);
      std::vector<torch::Tensor> gradients = {
          torch::full({3}, static_cast<float>(rank + 1), torch::device(gpu))};
      group->allreduce_mean(gradients);
      const auto parts = group->all_gather_rows(torch::full({rank + 1, 2}, rank));
      CHECK(parts[0].size(0) == 1);
      CHECK(parts[1].size(0) == 2);
      return gradients[0].cpu();
    }));
  for (auto& rank : ranks) CHECK(torch::equal(rank.get(), torch::full({3}, 1.5f)));
}
