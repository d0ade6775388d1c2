// Data-parallel tests on one machine: the ranks of a Gloo job as threads of the test process,
// each with its own store client and process group (loopback), meeting on a free port.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <vector>

#include "core/dist/launch_env.h"
#include "core/dist/process_group.h"
#include "core/util/free_port.h"

namespace xp::testing {

inline dist::LaunchEnv rank_of(int rank, int world, int port) {
  dist::LaunchEnv env;
  env.launcher = "torchrun";
  env.rank = rank;
  env.world_size = world;
  env.master_addr = "127.0.0.1";
  env.master_port = port;
  return env;
}

// Runs work(rank, group) on `world` ranks at once, one thread each; returns their results in
// rank order (rethrowing the first rank's failure).
template <typename Result>
std::vector<Result> run_ranks(
    int world, const std::function<Result(int, std::shared_ptr<dist::ProcessGroup>)>& work) {
  const int port = free_loopback_port();
  std::vector<std::future<Result>> ranks;
  for (int rank = 0; rank < world; ++rank)
    ranks.push_back(std::async(std::launch::async, [&, rank] {
      std::shared_ptr<dist::ProcessGroup> group =
          dist::ProcessGroup::connect(rank_of(rank, world, port), std::chrono::seconds(60));
      return work(rank, group);
    }));
  std::vector<Result> results;
  for (auto& rank : ranks) results.push_back(rank.get());
  return results;
}

}  // namespace xp::testing
