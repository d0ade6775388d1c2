#include "core/pipeline/job.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

bool Job::agree(bool decision) const {
  if (!group) return decision;
  return group->broadcast_value(decision ? 1 : 0) != 0;
}

std::string Job::share(const std::string& text) const {
  return group ? group->share_text_from_rank0(text) : text;
}

int dist_timeout_seconds() {
  const char* text = std::getenv("XP_DIST_TIMEOUT");
  if (!text || !*text) return 1800;
  char* end = nullptr;
  const long seconds = std::strtol(text, &end, 10);
  if (*end != '\0' || seconds < 1 || seconds > INT_MAX)
    throw UserError(str_cat("XP_DIST_TIMEOUT: expected whole seconds >= 1, found '", text, "'"));
  return static_cast<int>(seconds);
}

Job join_job(const dist::LaunchEnv& env, c10::Device device) {
  Job job;
  job.env = env;
  char name[HOST_NAME_MAX + 1] = {};
  gethostname(name, sizeof(name) - 1);
  if (!job.distributed()) {
    job.hosts = {name};
    return job;
  }
  if (!device.is_cpu())
    throw UserError(str_cat("a data-parallel run (", env.world_size, " ranks, launched by ",
                            env.launcher, ") on ", device.str(),
                            " needs NCCL, which this xp does not use yet: run.device: cpu"));
  job.group = dist::ProcessGroup::connect(env, std::chrono::seconds(dist_timeout_seconds()));
  job.hosts = job.group->all_gather_text(name);
  return job;
}

}  // namespace xp::pipeline
