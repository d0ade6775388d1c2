// Starting another program (usually xp itself) as a child process, with an environment of its own:
// the ranks `xp run --nproc` starts, the DDP bench's.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace xp {

// The CPUs this process may run on: its affinity mask's count (what a Slurm allocation, a container's
// cpuset or taskset leaves it), else the hardware threads. Never less than 1.
int available_cpus();

// available_cpus() for each of `processes` processes sharing them, at least 1: the torch threads
// of a run, a sweep's trials and a data-parallel job's local ranks.
int thread_share(int processes);

// The path of the running executable (/proc/self/exe). Throws xp::Error when it cannot be read.
std::string self_executable();

// This process's environment with `replaced` set ("NAME=value" each; a variable of the same name
// dropped first).
std::vector<std::string> environment_with(const std::vector<std::string>& replaced);

// Starts `program` with `arguments` (argv[0] first) and `environment`; the child's pid. With
// `own_process_group`, the child leads a process group of its own: a terminal's Ctrl-C reaches
// this process only, which decides what the child gets. Throws xp::Error naming the program when
// it cannot be started.
pid_t spawn(const std::string& program, const std::vector<std::string>& arguments,
            const std::vector<std::string>& environment, bool own_process_group = false);

// As spawn() with this process's environment, the child in a process group of its own and its
// stdout and stderr appended to the file `log` (created when missing): a sweep's trials.
pid_t spawn_logged(const std::string& program, const std::vector<std::string>& arguments,
                   const std::string& log);

struct CapturedOutput {
  int exit_code = 0;   // 128 + the signal for a program that a signal ended
  std::string output;  // stdout and stderr together
};

// Runs `program` (found on PATH when it has no '/') with `arguments` (argv[0] first) to its end,
// and returns what it printed: the cluster tools xp drives (sbatch, squeue). Throws xp::Error
// naming the program when it cannot be started (not installed).
CapturedOutput capture_output(const std::string& program,
                              const std::vector<std::string>& arguments);

}  // namespace xp
