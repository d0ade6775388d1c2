// Where this process stands in a multi-process job (issue #17), read from its launcher's
// environment the way PyTorch's own launchers publish it:
//   torchrun    RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT
//   Slurm srun  SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_TASKS_PER_NODE, and the first host of
//               SLURM_JOB_NODELIST (or SLURM_NODELIST) as the rendezvous host, a port from
//               SLURM_JOB_ID; MASTER_ADDR and MASTER_PORT, when set, win (what sbatch scripts for
//               torchrun export)
// torchrun's variables win over Slurm's (torchrun started inside an allocation). Neither: one
// process, rank 0 of 1. LibTorch-free: the process group (c10d) is made from this elsewhere.
#pragma once

#include <functional>
#include <string>

namespace xp::dist {

inline constexpr int kDefaultMasterPort = 29500;  // torchrun's
// Under Slurm without MASTER_PORT: kSlurmPortBase + SLURM_JOB_ID % kSlurmPorts.
inline constexpr int kSlurmPortBase = 20000;
inline constexpr int kSlurmPorts = 20000;

struct LaunchEnv {
  std::string launcher = "none";  // "torchrun" | "slurm" | "none"
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  // Ranks on this machine (LOCAL_WORLD_SIZE; Slurm: SLURM_TASKS_PER_NODE's first count): what
  // shares its cores.
  int local_world_size = 1;
  // SLURM_CPUS_PER_TASK (0 when unset): the CPUs Slurm gave this process, its torch threads.
  int cpus_per_task = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = kDefaultMasterPort;
};

// `lookup` returns a variable's value or nullptr (std::getenv by default). Throws UserError
// naming the variable for a missing companion (RANK without WORLD_SIZE), a value that is not a
// whole number in range, or a rank outside the world.
LaunchEnv launch_env(const std::function<const char*(const char*)>& lookup = {});

// The first host of a Slurm node list: "gpu[03-05,9],cpu1" → "gpu03"; "rack[1-2]-n[7-8]" →
// "rack1-n7"; "host" → "host". Throws UserError for an unbalanced bracket or an empty list.
std::string first_slurm_host(const std::string& nodelist);

}  // namespace xp::dist
