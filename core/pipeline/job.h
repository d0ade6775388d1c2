// The data-parallel job one `xp run` process belongs to (issue #17). Every rank runs the whole
// plan — the same stages, the same collectives — on its shard of each batch; rank 0 alone writes:
// the run folder, the stage cache, the activation cache. The others work in a scratch folder of
// their own, removed at the end, and follow rank 0's decisions (a stage replayed from the cache,
// activations read from it) through agree(). One process: a job of one, no group (unless
// torchrun started it).
#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

#include "core/dist/launch_env.h"
#include "core/dist/process_group.h"

namespace xp::pipeline {

struct Job {
  dist::LaunchEnv env;
  std::shared_ptr<dist::ProcessGroup> group;  // null for a job of one
  std::vector<std::string> hosts;             // each rank's host name, in rank order

  // More than one rank; or torchrun's one process, which joins a group of one as
  // torch.distributed.init_process_group does there (NCCL checked on a machine with one GPU).
  bool distributed() const { return env.world_size > 1 || env.launcher == "torchrun"; }
  bool writer() const { return env.rank == 0; }
  // Rank 0's `decision` on every rank (its own value on rank 0; unchanged alone).
  bool agree(bool decision) const;
  // Rank 0's `text` (any bytes) on every rank: files rank 0 alone read.
  std::string share(const std::string& text) const;
  // "gloo" or "nccl", or "" alone.
  std::string backend() const { return group ? group->backend() : ""; }
};

// Seconds a rank waits for the others at the rendezvous and in each collective: XP_DIST_TIMEOUT,
// else 1800 (torch.distributed's default). A rank that dies closes its connections and ends the
// others' collectives at once; the timeout bounds a rank that is slow but alive.
int dist_timeout_seconds();
// Seconds a rank's heartbeat may stand still before the others give up on it (its process hangs,
// its machine or network is gone: nothing closes): XP_DIST_HEARTBEAT_TIMEOUT, else 60.
int heartbeat_timeout_seconds();

// Joins the job `env` describes: connects the process group when there is more than one rank —
// Gloo for `device` CPU, NCCL for a GPU (this rank's own, train::resolve_on_this_machine) — and
// gathers the ranks' host names. Throws UserError for a backend this build lacks and when the
// others cannot be reached.
Job join_job(const dist::LaunchEnv& env, c10::Device device);

}  // namespace xp::pipeline
