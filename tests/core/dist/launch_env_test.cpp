#include "core/dist/launch_env.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "core/util/error.h"

using xp::dist::first_slurm_host;
using xp::dist::launch_env;

namespace {

// An environment of exactly these variables.
auto environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  };
}

}  // namespace

TEST_CASE("launch environment: torchrun's variables, Slurm's, or a single process") {
  const auto single = launch_env(environment({}));
  CHECK(single.launcher == "none");
  CHECK(single.rank == 0);
  CHECK(single.world_size == 1);
  CHECK(single.local_world_size == 1);

  const auto torchrun = launch_env(environment({{"RANK", "3"},
                                                {"WORLD_SIZE", "4"},
                                                {"LOCAL_RANK", "1"},
                                                {"LOCAL_WORLD_SIZE", "2"},
                                                {"MASTER_ADDR", "10.0.0.7"},
                                                {"MASTER_PORT", "29511"}}));
  CHECK(torchrun.launcher == "torchrun");
  CHECK(torchrun.rank == 3);
  CHECK(torchrun.world_size == 4);
  CHECK(torchrun.local_rank == 1);
  CHECK(torchrun.local_world_size == 2);
  CHECK(torchrun.master_addr == "10.0.0.7");
  CHECK(torchrun.master_port == 29511);

  const auto slurm = launch_env(environment({{"SLURM_PROCID", "5"},
                                             {"SLURM_NTASKS", "8"},
                                             {"SLURM_LOCALID", "1"},
                                             {"SLURM_TASKS_PER_NODE", "2(x3),1"},
                                             {"SLURM_JOB_NODELIST", "gpu[03-06],big7"}}));
  CHECK(slurm.launcher == "slurm");
  CHECK(slurm.rank == 5);
  CHECK(slurm.world_size == 8);
  CHECK(slurm.local_rank == 1);
  CHECK(slurm.local_world_size == 2);
  CHECK(slurm.master_addr == "gpu03");
  CHECK(slurm.master_port == 29500);  // torchrun's default: no job id to tell jobs apart
  CHECK(slurm.cpus_per_task == 0);
  // A one-task batch job (no SLURM_NTASKS) is one process, with the CPUs Slurm gave it.
  const auto batch = launch_env(environment({{"SLURM_PROCID", "0"}, {"SLURM_CPUS_PER_TASK", "6"}}));
  CHECK(batch.launcher == "none");
  CHECK(batch.world_size == 1);
  CHECK(batch.cpus_per_task == 6);

  // Two jobs on one node (a sweep's array elements) rendezvous on ports of their own.
  const auto element = [&](const char* job) {
    return launch_env(environment({{"SLURM_PROCID", "0"},
                                   {"SLURM_NTASKS", "2"},
                                   {"SLURM_JOB_ID", job},
                                   {"SLURM_JOB_NODELIST", "n1"}}));
  };
  CHECK(element("123456").master_port == 20000 + 123456 % 20000);
  CHECK(element("123457").master_port == element("123456").master_port + 1);
  CHECK(launch_env(environment({{"SLURM_PROCID", "0"},
                                {"SLURM_NTASKS", "2"},
                                {"SLURM_JOB_ID", "7"},
                                {"MASTER_PORT", "31000"}}))
            .master_port == 31000);

  // torchrun inside a Slurm allocation: torchrun's variables describe the processes.
  const auto both = launch_env(environment({{"RANK", "0"},
                                            {"WORLD_SIZE", "2"},
                                            {"MASTER_ADDR", "a"},
                                            {"SLURM_PROCID", "0"},
                                            {"SLURM_NTASKS", "1"}}));
  CHECK(both.launcher == "torchrun");
  CHECK(both.world_size == 2);
}

TEST_CASE("launch environment: a missing or bad variable is named") {
  CHECK_THROWS_WITH_AS(launch_env(environment({{"RANK", "0"}})),
                       doctest::Contains("WORLD_SIZE is not set"), xp::UserError);
  CHECK_THROWS_WITH_AS(launch_env(environment({{"RANK", "2"}, {"WORLD_SIZE", "2"}})),
                       doctest::Contains("RANK='2': expected a whole number from 0 to 1"),
                       xp::UserError);
  CHECK_THROWS_WITH_AS(
      launch_env(environment(
          {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "http"}})),
      doctest::Contains("MASTER_PORT='http'"), xp::UserError);
  CHECK_THROWS_WITH_AS(launch_env(environment({{"RANK", "0"}, {"WORLD_SIZE", "2"}})),
                       doctest::Contains("MASTER_ADDR is not set"), xp::UserError);
}

TEST_CASE("the first host of a Slurm node list") {
  CHECK(first_slurm_host("host") == "host");
  CHECK(first_slurm_host("gpu[03-05,9],cpu1") == "gpu03");
  CHECK(first_slurm_host("n[7,2-3]") == "n7");
  CHECK(first_slurm_host("rack[1-2]-n[07-08]") == "rack1-n07");
  CHECK(first_slurm_host("a,b") == "a");
  CHECK_THROWS_AS(first_slurm_host(""), xp::UserError);
  CHECK_THROWS_AS(first_slurm_host("gpu[03-05"), xp::UserError);
  CHECK_THROWS_AS(first_slurm_host("[]"), xp::UserError);
}
