// Starting another program (usually xp itself) as a child process, with an environment of its own:
// the ranks `xp run --nproc` starts, the DDP bench's.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace xp {

// Hardware threads for each of `processes` processes sharing this machine, at least 1: the torch
// threads of a sweep's trials and of a data-parallel job's local ranks.
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

}  // namespace xp
