#include "core/dist/launch_env.h"

#include <algorithm>

#include <cstdlib>
#include <limits>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::dist {

namespace {

using Lookup = std::function<const char*(const char*)>;

int whole_number(const Lookup& lookup, const char* name, int minimum, int maximum) {
  const std::string text = trim(lookup(name));
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < minimum || value > maximum)
    throw UserError(str_cat("environment variable ", name, "='", text,
                            "': expected a whole number from ", minimum, " to ", maximum));
  return static_cast<int>(value);
}

bool has(const Lookup& lookup, const char* name) {
  const char* value = lookup(name);
  return value != nullptr && *value != '\0';
}

void require(const Lookup& lookup, const char* name, const char* because) {
  if (!has(lookup, name))
    throw UserError(str_cat("environment variable ", name, " is not set, but ", because,
                            " is: a launcher sets both"));
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  std::string host;
  std::size_t pos = 0;
  while (pos < nodelist.size() && nodelist[pos] != ',') {
    const char c = nodelist[pos];
    if (c == ']') break;
    if (c != '[') {
      host += c;
      ++pos;
      continue;
    }
    // "[03-05,9]": the first element of the range list, its digits as written (zero padding).
    const std::size_t close = nodelist.find(']', pos);
    if (close == std::string::npos) break;
    const std::string ranges = nodelist.substr(pos + 1, close - pos - 1);
    const std::string first = ranges.substr(0, ranges.find_first_of(",-"));
    if (first.empty()) break;
    host += first;
    pos = close + 1;
  }
  const bool balanced = pos == nodelist.size() || nodelist[pos] == ',';
  if (host.empty() || !balanced)
    throw UserError(
        str_cat("Slurm node list '", nodelist, "': expected host names such as gpu[01-04],cpu7"));
  return host;
}

LaunchEnv launch_env(const Lookup& given) {
  const Lookup lookup = given ? given : Lookup([](const char* name) { return std::getenv(name); });
  constexpr int kMax = std::numeric_limits<int>::max();
  LaunchEnv env;
  // A Slurm job's CPUs per task: this process's share, whether or not srun bound it to them.
  if (has(lookup, "SLURM_CPUS_PER_TASK"))
    env.cpus_per_task = whole_number(lookup, "SLURM_CPUS_PER_TASK", 1, kMax);
  if (has(lookup, "RANK") || has(lookup, "WORLD_SIZE")) {
    require(lookup, "RANK", "WORLD_SIZE");
    require(lookup, "WORLD_SIZE", "RANK");
    env.launcher = "torchrun";
    env.world_size = whole_number(lookup, "WORLD_SIZE", 1, kMax);
    env.rank = whole_number(lookup, "RANK", 0, env.world_size - 1);
    if (has(lookup, "LOCAL_RANK"))
      env.local_rank = whole_number(lookup, "LOCAL_RANK", 0, env.world_size - 1);
    if (has(lookup, "LOCAL_WORLD_SIZE"))
      env.local_world_size = whole_number(lookup, "LOCAL_WORLD_SIZE", 1, env.world_size);
  } else if (has(lookup, "SLURM_PROCID") && has(lookup, "SLURM_NTASKS")) {
    env.launcher = "slurm";
    env.world_size = whole_number(lookup, "SLURM_NTASKS", 1, kMax);
    env.rank = whole_number(lookup, "SLURM_PROCID", 0, env.world_size - 1);
    if (has(lookup, "SLURM_LOCALID"))
      env.local_rank = whole_number(lookup, "SLURM_LOCALID", 0, env.world_size - 1);
    // "4" or "2(x3),1": this node's count is not said; the first node's is a fair share.
    if (has(lookup, "SLURM_TASKS_PER_NODE")) {
      const std::string tasks = trim(lookup("SLURM_TASKS_PER_NODE"));
      const std::string first = tasks.substr(0, tasks.find_first_not_of("0123456789"));
      if (!first.empty() && first.size() < 10)
        env.local_world_size = std::clamp(std::stoi(first), 1, env.world_size);
    }
    for (const char* name : {"SLURM_JOB_NODELIST", "SLURM_NODELIST"})
      if (has(lookup, name)) {
        env.master_addr = first_slurm_host(lookup(name));
        break;
      }
    // Jobs sharing a node (a sweep's array elements) need rendezvous ports of their own: one from
    // the job id, as PyTorch Lightning does, unless MASTER_PORT says otherwise.
    if (has(lookup, "SLURM_JOB_ID"))
      env.master_port =
          kSlurmPortBase + whole_number(lookup, "SLURM_JOB_ID", 0, kMax) % kSlurmPorts;
  } else {
    return env;  // one process: no rendezvous
  }
  if (has(lookup, "MASTER_ADDR")) env.master_addr = trim(lookup("MASTER_ADDR"));
  if (has(lookup, "MASTER_PORT")) env.master_port = whole_number(lookup, "MASTER_PORT", 1, 65535);
  if (env.launcher == "torchrun" && env.world_size > 1 && !has(lookup, "MASTER_ADDR"))
    throw UserError(
        "environment variable MASTER_ADDR is not set, but WORLD_SIZE > 1 is: the "
        "rendezvous host (torchrun sets it)");
  return env;
}

}  // namespace xp::dist
