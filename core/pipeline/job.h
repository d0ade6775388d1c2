// The data-parallel job one `xp run` process belongs to (issue #17). Every rank runs the whole
// plan — the same stages, the same collectives — on its shard of each batch; rank 0 alone writes:
// the run folder, the stage cache, the activation cache. The others work in a scratch folder of
// their own, removed at the end, and follow rank 0's decisions (a stage replayed from the cache,
// activations read from it) through agree(). One process: a job of one, no group.
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

  bool distributed() const { return env.world_size > 1; }
  bool writer() const { return env.rank == 0; }
  // Rank 0's `decision` on every rank (its own value on rank 0; unchanged alone).
  bool agree(bool decision) const;
  // Rank 0's `text` (any bytes) on every rank: files rank 0 alone read.
  std::string share(const std::string& text) const;
  // "gloo", or "" alone.
  std::string backend() const { return distributed() ? "gloo" : ""; }
};

// Seconds a rank waits for the others at the rendezvous and in each collective: XP_DIST_TIMEOUT,
// else 1800 (torch.distributed's default). A rank that dies closes its connections and ends the
// others' collectives at once; the timeout bounds a rank that hangs.
int dist_timeout_seconds();

// Joins the job `env` describes: connects the process group when there is more than one rank and
// gathers the ranks' host names. Throws UserError for a device data-parallel runs cannot use yet
// (cuda needs NCCL) and when the others cannot be reached.
Job join_job(const dist::LaunchEnv& env, c10::Device device);

}  // namespace xp::pipeline
