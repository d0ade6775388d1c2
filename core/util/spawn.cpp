#include "core/util/spawn.h"

#include <spawn.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/util/error.h"

extern char** environ;

namespace xp {

int thread_share(int processes) {
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, hardware / std::max(1, processes));
}

std::string self_executable() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw Error("cannot find the running executable (/proc/self/exe)");
  return self.string();
}

std::vector<std::string> environment_with(const std::vector<std::string>& replaced) {
  const auto name_of = [](const std::string& item) { return item.substr(0, item.find('=')); };
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    const std::string item = *entry;
    bool kept = true;
    for (const auto& ours : replaced) kept = kept && name_of(ours) != name_of(item);
    if (kept) env.push_back(item);
  }
  env.insert(env.end(), replaced.begin(), replaced.end());
  return env;
}

pid_t spawn(const std::string& program, const std::vector<std::string>& arguments,
            const std::vector<std::string>& environment, bool own_process_group) {
  std::vector<std::string> args = arguments;
  std::vector<std::string> env = environment;
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& item : env) envp.push_back(item.data());
  envp.push_back(nullptr);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (own_process_group) {
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  pid_t pid = 0;
  const int failed =
      ::posix_spawn(&pid, program.c_str(), nullptr, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) throw Error(str_cat("cannot start ", program, ": ", std::strerror(failed)));
  return pid;
}

}  // namespace xp
