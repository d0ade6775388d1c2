#include "runner/slurm_array.h"

#include <algorithm>

#include "core/report/sweep_folder.h"
#include "core/util/error.h"
#include "core/util/spawn.h"
#include "core/util/strings.h"

namespace xp::slurm {

namespace fs = std::filesystem;

namespace {

constexpr const char* kExitPrefix = "slurm-";
constexpr const char* kExitSuffix = ".exit";

// Slurm reads #SBATCH lines itself: a double-quoted value may hold spaces, while '%' starts one of
// its file name patterns and a quote or line break would end the value early. Returns `text`.
const std::string& sbatch_safe(const std::string& text, const std::string& what) {
  if (text.find_first_of("\"%\n\r") != std::string::npos)
    throw UserError(str_cat("xp sweep --slurm: the ", what, " '", text,
                            "' holds a %, quote or line break, which Slurm's #SBATCH lines cannot "
                            "carry; choose another --out folder"));
  return text;
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

fs::path exit_file(const fs::path& trial_root, const std::string& array_job) {
  return trial_root / str_cat(kExitPrefix, array_job, kExitSuffix);
}

std::string batch_script(const ArrayRequest& request, const std::vector<ArrayElement>& elements,
                         const std::string& xp_binary, const fs::path& recipe,
                         const fs::path& recipe_copy) {
  if (elements.empty()) throw Error("a Slurm job array needs at least one trial");
  const fs::path trials = elements.front().root.parent_path();
  std::vector<std::string> numbers;
  for (const auto& element : elements) numbers.push_back(std::to_string(element.trial));
  std::string script = str_cat("#!/bin/bash\n", "# Written by `xp sweep --slurm`: trials ",
                               join(numbers, ", "), " of ", trials.parent_path().string(),
                               "\n# as one Slurm job array, each element's index its trial's ",
                               "number. `xp sweep … --slurm` follows it;\n# submitting this file "
                               "again by hand (sbatch FILE) ",
                               "runs the trials again as they are listed here.\n");
  const auto option = [&](const std::string& text) { script += "#SBATCH " + text + "\n"; };
  option("--job-name=" + quoted(sbatch_safe(request.job_name, "job name")));
  option("--array=" + join(numbers, ",") +
         (request.max_running > 0 ? str_cat("%", request.max_running) : ""));
  // Each trial's output in its own log.txt, added to by every attempt (as a local sweep's).
  option("--output=" + quoted(sbatch_safe(trials.string(), "trials folder") + "/t%a/" +
                              report::sweep_files::kTrialLog));
  option("--open-mode=append");
  // Relative paths in the recipe and on the command line mean what they meant when submitted.
  if (!request.working_dir.empty())
    option("--chdir=" + quoted(sbatch_safe(request.working_dir.string(), "working folder")));
  option(str_cat("--ntasks=", request.tasks_per_trial));
  if (request.cpus_per_task > 0) option(str_cat("--cpus-per-task=", request.cpus_per_task));
  if (request.gpus_per_task > 0) option(str_cat("--gpus-per-task=", request.gpus_per_task));
  if (!request.partition.empty())
    option("--partition=" + quoted(sbatch_safe(request.partition, "partition")));
  for (const auto& extra : request.sbatch_options) option(extra);

  script += "\ncase \"${SLURM_ARRAY_TASK_ID:-}\" in\n";
  for (const auto& element : elements) {
    std::vector<std::string> words;
    for (const auto& argument : element.xp_arguments) words.push_back(shell_quote(argument));
    script += str_cat("  ", element.trial, ") trial=", shell_quote(element.root.string()),
                      "\n     arguments=(", join(words, " "), ") ;;\n");
  }
  script +=
      "  *) echo \"xp: this job array has no trial '${SLURM_ARRAY_TASK_ID:-}'\" >&2; exit 2 ;;\n"
      "esac\n"
      "echo \"xp: Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname)\"\n";
  const std::string launch = request.tasks_per_trial > 1 ? "srun --kill-on-bad-exit=1 " : "";
  script += str_cat(
      "if ! cmp -s ", shell_quote(recipe.string()), " ", shell_quote(recipe_copy.string()),
      "; then\n", "  echo \"error: ", recipe.string(),
      " changed (or went) after xp sweep --slurm submitted ",
      "this trial; the submitted recipe is ", recipe_copy.string(),
      ": run the sweep again to submit the recipe as it is now\" >&2\n", "  code=2\n", "else\n",
      "  # Slurm stops a job (time limit, scancel, preemption) with SIGTERM to all its processes: "
      "xp\n",
      "  # saves its state and exits 130, which this shell waits for and records.\n",
      "  trap 'echo \"xp: Slurm is stopping the job\"' TERM\n", "  ", launch,
      shell_quote(xp_binary), " \"${arguments[@]}\"\n", "  code=$?\n", "fi\n",
      "echo \"$code\" > \"$trial/", kExitPrefix, "${SLURM_ARRAY_JOB_ID}", kExitSuffix, "\"\n",
      "exit \"$code\"\n");
  return script;
}

namespace {

// Runs a Slurm command; one that is not installed is named with where it is expected.
CapturedOutput slurm_command(const std::vector<std::string>& arguments) {
  try {
    return capture_output(arguments.front(), arguments);
  } catch (const Error& error) {
    throw Error(str_cat(error.what(), ": xp sweep --slurm runs Slurm's ", arguments.front(),
                        ", which is not on PATH here (run it on a machine that submits Slurm "
                        "jobs, a login node)"));
  }
}

}  // namespace

std::string submit(const fs::path& script) {
  const CapturedOutput result = slurm_command({"sbatch", "--parsable", script.string()});
  const std::string text = trim(result.output);
  // --parsable prints "<job id>" or "<job id>;<cluster>", after any warnings on lines of their own.
  const auto lines = split(text, '\n');
  const std::string last = lines.empty() ? "" : trim(lines.back());
  const std::string id = last.substr(0, last.find(';'));
  if (result.exit_code != 0 || id.empty() ||
      id.find_first_not_of("0123456789") != std::string::npos)
    throw Error(str_cat("sbatch ", script.string(), " failed (exit ", result.exit_code,
                        "): ", text.empty() ? "no output" : text));
  return id;
}

std::map<int, ElementState> parse_squeue(const std::string& output, const std::string& array_job) {
  std::map<int, ElementState> elements;
  const std::string prefix = array_job + "_";
  for (const auto& raw : split(output, '\n')) {
    const auto fields = split(trim(raw), '|');
    if (fields.size() < 2 || fields[0].rfind(prefix, 0) != 0) continue;
    const std::string index = fields[0].substr(prefix.size());
    if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos) continue;
    elements[std::stoi(index)] = {trim(fields[1]), fields.size() > 2 ? trim(fields[2]) : ""};
  }
  return elements;
}

std::map<int, ElementState> query(const std::string& array_job) {
  const CapturedOutput result = slurm_command({"squeue", "--jobs=" + array_job, "--array",
                                               "--states=all", "--noheader", "--format=%i|%T|%r"});
  // A job Slurm has forgotten (finished longer ago than MinJobAge) is not an error here.
  if (result.exit_code != 0 && result.output.find("Invalid job id") != std::string::npos) return {};
  if (result.exit_code != 0)
    throw Error(str_cat("squeue --jobs=", array_job, " failed (exit ", result.exit_code,
                        "): ", trim(result.output)));
  return parse_squeue(result.output, array_job);
}

void cancel_pending(const std::string& array_job) {
  const CapturedOutput result = slurm_command({"scancel", "--state=PENDING", array_job});
  if (result.exit_code != 0)
    throw Error(str_cat("scancel --state=PENDING ", array_job, " failed (exit ", result.exit_code,
                        "): ", trim(result.output)));
}

bool ended(const std::string& state) {
  static const std::vector<std::string> kEnded = {
      "COMPLETED", "FAILED",   "CANCELLED",     "TIMEOUT",      "NODE_FAIL", "PREEMPTED",
      "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "SPECIAL_EXIT", "REVOKED"};
  return std::find(kEnded.begin(), kEnded.end(), state) != kEnded.end();
}

}  // namespace xp::slurm
