#include "core/dist/process_group.h"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <torch/torch.h>

#include <future>

#include "core/util/error.h"

using xp::dist::LaunchEnv;
using xp::dist::ProcessGroup;

namespace {

// A TCP port nobody listens on now (the kernel's pick for a socket bound to port 0).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

LaunchEnv rank_of(int rank, int world, int port) {
  LaunchEnv env;
  env.launcher = "torchrun";
  env.rank = rank;
  env.world_size = world;
  env.master_addr = "127.0.0.1";
  env.master_port = port;
  return env;
}

}  // namespace

TEST_CASE("Gloo process group: two ranks broadcast rank 0's tensors and average the others") {
  if (!xp::dist::gloo_built()) {
    MESSAGE("this build has no Gloo headers (libgloo-dev): not tested");
    return;
  }
  const int port = free_port();
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
  const int port = free_port();
  const std::string expected =
      "cannot reach the rendezvous store at 127.0.0.1:" + std::to_string(port);
  CHECK_THROWS_WITH_AS(ProcessGroup::connect(rank_of(1, 2, port), std::chrono::seconds(1)),
                       doctest::Contains(expected.c_str()), xp::UserError);
}
