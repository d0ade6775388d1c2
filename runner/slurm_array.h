// A sweep's trials as one Slurm job array (issue #17): one array element per trial, the element's
// index the trial's number. xp writes the batch script into the sweep folder (readable, and
// submittable again by hand), submits it with sbatch and follows the elements with squeue and the
// exit-code files the elements leave in their trial folders. Slurm's commands are the interface,
// as for submitit (Hydra's launcher) and MMEngine: no Slurm library to link, any Slurm version.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace xp::slurm {

struct ArrayRequest {
  std::string job_name;
  std::string partition;                    // "" = the cluster's default partition
  std::filesystem::path working_dir;        // where trials start ("" = sbatch's: its own)
  int tasks_per_trial = 1;                  // a data-parallel trial's ranks, started by srun
  int gpus_per_task = 0;                    // 0 = none asked for
  int cpus_per_task = 0;                    // 0 = Slurm's default
  int max_running = 0;                      // the array's "%N" limit; 0 = as many as Slurm can
  std::vector<std::string> sbatch_options;  // the user's own, verbatim ("--time=02:00:00")
};

struct ArrayElement {
  int trial = 0;                          // the array index
  std::filesystem::path root;             // trials/t<N>: its log.txt and exit-code files
  std::vector<std::string> xp_arguments;  // after the xp binary: "run", RECIPE, "--set", …
};

// The batch script: #SBATCH lines from `request`, then one case per element. The trial's output
// goes to its log.txt; a multi-rank trial runs under srun (xp reads SLURM_PROCID and the rest);
// before xp starts, the element checks that `recipe` still matches `recipe_copy` (taken when the
// array was submitted: an edited recipe would make a queued trial another experiment); after it,
// the element writes xp's exit code to exit_file(root, $SLURM_ARRAY_JOB_ID).
std::string batch_script(const ArrayRequest& request, const std::vector<ArrayElement>& elements,
                         const std::string& xp_binary, const std::filesystem::path& recipe,
                         const std::filesystem::path& recipe_copy);

// trials/t<N>/slurm-<array job id>.exit: the exit code of the element of that array.
std::filesystem::path exit_file(const std::filesystem::path& trial_root,
                                const std::string& array_job);

// sbatch --parsable SCRIPT: the array's job id. Throws xp::Error with sbatch's own message.
std::string submit(const std::filesystem::path& script);

// An element as squeue sees it: its state (PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, …)
// and Slurm's reason (why it waits, or how it ended).
struct ElementState {
  std::string state;
  std::string reason;
};

// squeue's lines "<job>_<index>|<state>|<reason>" (the format query() asks for) for `array_job`;
// other jobs' lines and unsplit pending ranges ("12_[3-5%2]") are skipped.
std::map<int, ElementState> parse_squeue(const std::string& output, const std::string& array_job);

// The elements of `array_job` that squeue still knows (finished ones for a few minutes, Slurm's
// MinJobAge). Throws xp::Error with squeue's message when it fails.
std::map<int, ElementState> query(const std::string& array_job);

// scancel --state=PENDING: the elements of `array_job` still waiting for a node. Throws xp::Error
// with scancel's message when it fails.
void cancel_pending(const std::string& array_job);

// True for the states of an element that will not run again (COMPLETED, FAILED, CANCELLED, …).
bool ended(const std::string& state);

// `text` as one bash word: '…' with every ' written '\''.
std::string shell_quote(const std::string& text);

}  // namespace xp::slurm
