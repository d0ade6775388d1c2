#include "core/dist/process_group.h"

#include <doctest/doctest.h>

#include <torch/torch.h>

#include <future>
#include <thread>

#include "core/util/error.h"
#include "tests/core/dist/two_ranks.h"

using xp::dist::LaunchEnv;
using xp::dist::ProcessGroup;

using xp::testing::rank_of;

TEST_CASE("Gloo process group: two ranks broadcast rank 0's tensors and average the others") {
  if (!xp::dist::gloo_built()) {
    MESSAGE("this build has no Gloo headers (libgloo-dev): not tested");
    return;
  }
  const int port = xp::free_loopback_port();
  // Two ranks as two threads of this process, each with its own store client and process group.
  const auto rank_work = [port](int rank) {
    const auto group = ProcessGroup::connect(rank_of(rank, 2, port), std::chrono::seconds(30));
    std::vector<torch::Tensor> weights = {torch::full({3}, 10.0f * (rank + 1)),
                                          torch::arange(4, torch::kFloat32).add(rank)};
    group->broadcast_from_rank0(weights);
    std::vector<torch::Tensor> gradients = {torch::full({2, 2}, static_cast<float>(rank + 1))};
    group->allreduce_mean(gradients);
    group->barrier();
    return std::make_tuple(weights[0], weights[1], gradients[0]);
  };
  auto first = std::async(std::launch::async, rank_work, 0);
  auto second = std::async(std::launch::async, rank_work, 1);
  for (auto* result : {&first, &second}) {
    const auto [a, b, mean] = result->get();
    CHECK(torch::equal(a, torch::full({3}, 10.0f)));
    CHECK(torch::equal(b, torch::arange(4, torch::kFloat32)));
    CHECK(torch::equal(mean, torch::full({2, 2}, 1.5f)));
  }
}

TEST_CASE("Gloo process group: a rank that cannot reach the store names its address and port") {
  if (!xp::dist::gloo_built()) {
    MESSAGE("this build has no Gloo headers (libgloo-dev): not tested");
    return;
  }
  const int port = xp::free_loopback_port();
  const std::string expected =
      "cannot reach the rendezvous store at 127.0.0.1:" + std::to_string(port);
  CHECK_THROWS_WITH_AS(ProcessGroup::connect(rank_of(1, 2, port), std::chrono::seconds(1)),
                       doctest::Contains(expected.c_str()), xp::UserError);
}

TEST_CASE("Gloo process group: ranks gather parts of different lengths, summed asynchronously") {
  if (!xp::dist::gloo_built()) {
    MESSAGE("this build has no Gloo headers (libgloo-dev): not tested");
    return;
  }
  const auto results = xp::testing::run_ranks<std::vector<torch::Tensor>>(
      2, [](int rank, std::shared_ptr<ProcessGroup> group) {
        // Rank 0 has 1 row, rank 1 has 3: Gloo gathers one shape, the group pads and cuts.
        const torch::Tensor rows =
            torch::arange(rank == 0 ? 2 : 6, torch::kFloat32).reshape({-1, 2}).add(100 * rank);
        std::vector<torch::Tensor> gathered = group->all_gather_rows(rows);
        torch::Tensor sum = torch::full({2}, static_cast<float>(rank + 1));
        xp::dist::PendingCollective pending = group->allreduce_sum_async(sum);
        pending.wait();
        gathered.push_back(sum);
        return gathered;
      });
  for (const auto& result : results) {
    REQUIRE(result.size() == 3);
    CHECK(torch::equal(result[0], torch::tensor({{0.0f, 1.0f}})));
    CHECK(torch::equal(result[1], torch::arange(6, torch::kFloat32).reshape({3, 2}).add(100)));
    CHECK(torch::equal(result[2], torch::full({2}, 3.0f)));
  }
}

TEST_CASE(
    "Gloo process group: a rank that signed off and left is no loss, one that went silent is "
    "named") {
  if (!xp::dist::gloo_built()) {
    MESSAGE("this build has no Gloo headers (libgloo-dev): not tested");
    return;
  }
  using namespace std::chrono_literals;
  for (const bool signs_off : {true, false}) {
    CAPTURE(signs_off);
    const int port = xp::free_loopback_port();
    // Rank 1 meets rank 0, then leaves (its heartbeat stops), signing off or not.
    auto other = std::async(std::launch::async, [port, signs_off] {
      const auto group = ProcessGroup::connect(rank_of(1, 2, port), 30s, 1s);
      group->barrier();
      if (signs_off) group->sign_off();
    });
    const auto group = ProcessGroup::connect(rank_of(0, 2, port), 30s, 1s);
    group->barrier();
    other.get();
    std::this_thread::sleep_for(2500ms);  // past the 1 s silence limit
    if (signs_off) {
      CHECK(group->lost_contact().empty());
    } else {
      CHECK(group->lost_contact().find(
                "rank 0 of 2 lost contact with rank 1 (no heartbeat for 1 s") == 0);
    }
  }
}
