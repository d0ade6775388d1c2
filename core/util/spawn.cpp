#include "core/util/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/util/error.h"

extern char** environ;

namespace xp {

int available_cpus() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (::sched_getaffinity(0, sizeof(mask), &mask) == 0 && CPU_COUNT(&mask) > 0)
    return CPU_COUNT(&mask);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int thread_share(int processes) { return std::max(1, available_cpus() / std::max(1, processes)); }

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

namespace {

// How a child starts: what spawn, spawn_logged and capture_output vary.
struct Start {
  const std::vector<std::string>* environment = nullptr;  // nullptr: this process's
  posix_spawn_file_actions_t* actions = nullptr;
  bool own_process_group = false;
  bool search_path = false;  // a program without '/' looked up on PATH
};

// posix_spawn_file_actions_t, destroyed with its scope.
class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

pid_t start_child(const std::string& program, const std::vector<std::string>& arguments,
                  const Start& how) {
  std::vector<std::string> args = arguments;
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = how.environment ? *how.environment : std::vector<std::string>();
  std::vector<char*> envp;
  for (auto& item : env) envp.push_back(item.data());
  envp.push_back(nullptr);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (how.own_process_group) {
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  pid_t pid = 0;
  const auto launch = how.search_path ? ::posix_spawnp : ::posix_spawn;
  const int failed = launch(&pid, program.c_str(), how.actions, &attributes, argv.data(),
                            how.environment ? envp.data() : environ);
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) throw Error(str_cat("cannot start ", program, ": ", std::strerror(failed)));
  return pid;
}

}  // namespace

pid_t spawn(const std::string& program, const std::vector<std::string>& arguments,
            const std::vector<std::string>& environment, bool own_process_group) {
  Start how;
  how.environment = &environment;
  how.own_process_group = own_process_group;
  return start_child(program, arguments, how);
}

pid_t spawn_logged(const std::string& program, const std::vector<std::string>& arguments,
                   const std::string& log) {
  FileActions actions;
  posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO);
  Start how;
  how.actions = actions.get();
  how.own_process_group = true;
  return start_child(program, arguments, how);
}

CapturedOutput capture_output(const std::string& program,
                              const std::vector<std::string>& arguments) {
  int pipe_ends[2];
  if (::pipe(pipe_ends) != 0)
    throw Error(str_cat("cannot start ", program, ": ", std::strerror(errno)));
  FileActions actions;
  posix_spawn_file_actions_addclose(actions.get(), pipe_ends[0]);
  posix_spawn_file_actions_adddup2(actions.get(), pipe_ends[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), pipe_ends[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(actions.get(), pipe_ends[1]);
  Start how;
  how.actions = actions.get();
  how.search_path = true;
  pid_t pid = 0;
  try {
    pid = start_child(program, arguments, how);
  } catch (...) {
    ::close(pipe_ends[0]);
    ::close(pipe_ends[1]);
    throw;
  }
  ::close(pipe_ends[1]);  // the child's copy is what keeps the pipe open
  CapturedOutput result;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(pipe_ends[0], buffer, sizeof(buffer));
    if (got > 0) {
      result.output.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_ends[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace xp
