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

namespace {

int seconds_from(const char* variable, int otherwise) {
  const char* text = std::getenv(variable);
  if (!text || !*text) return otherwise;
  char* end = nullptr;
  const long seconds = std::strtol(text, &end, 10);
  if (*end != '\0' || seconds < 1 || seconds > INT_MAX)
    throw UserError(str_cat(variable, ": expected whole seconds >= 1, found '", text, "'"));
  return static_cast<int>(seconds);
}

}  // namespace

int dist_timeout_seconds() { return seconds_from("XP_DIST_TIMEOUT", 1800); }

int heartbeat_timeout_seconds() { return seconds_from("XP_DIST_HEARTBEAT_TIMEOUT", 60); }

Job join_job(const dist::LaunchEnv& env, c10::Device device) {
  Job job;
  job.env = env;
  char name[HOST_NAME_MAX + 1] = {};
  gethostname(name, sizeof(name) - 1);
  if (!job.distributed()) {
    job.hosts = {name};
    return job;
  }
  job.group =
      dist::ProcessGroup::connect(env, std::chrono::seconds(dist_timeout_seconds()),
                                  std::chrono::seconds(heartbeat_timeout_seconds()), device);
  job.hosts = job.group->all_gather_text(name);
  return job;
}

}  // namespace xp::pipeline
