// End-to-end: `xp sweep --slurm` against a real Slurm — a private one-node cluster that the test
// starts from Debian's slurm-wlm and munge (tests/tools/local_slurm.sh) and stops at its end.
// Where they are not installed, or the test is not root (slurmd runs jobs as their users), it
// says so and checks nothing more: scripts/install-deps.sh installs them as test tools, and the
// batch script itself is tested without a cluster in tests/runner/slurm_array_test.cpp.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/util/free_port.h"
#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::read_text;
using xp::testing::TempDir;

using namespace xp::e2e;

namespace {

bool slurm_available() {
  if (::geteuid() != 0) {
    MESSAGE("not root: the private Slurm cluster cannot run jobs; xp sweep --slurm NOT tested");
    return false;
  }
  for (const char* tool : {"/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged"})
    if (!fs::exists(tool)) {
      MESSAGE(tool << " is missing (scripts/install-deps.sh installs slurm-wlm and munge as test "
                      "tools when it can): xp sweep --slurm NOT tested");
      return false;
    }
  return true;
}

// A one-node Slurm cluster for the life of the object; its clients find it through `prefix()`.
class LocalSlurm {
 public:
  explicit LocalSlurm(const fs::path& dir) : dir_(dir) {
    const std::string script = std::string(XP_SOURCE_DIR) + "/tests/tools/local_slurm.sh";
    const int controller = xp::free_loopback_port();
    int node = xp::free_loopback_port();
    while (node == controller) node = xp::free_loopback_port();
    const std::string start = "bash " + script + " start " + dir_.string() + " " +
                              std::to_string(controller) + " " + std::to_string(node);
    const Outcome started = run_shell(start);
    CAPTURE(started.output);
    REQUIRE(started.exit_code == 0);
    stop_ = "bash " + script + " stop " + dir_.string() + " >/dev/null 2>&1";
  }
  ~LocalSlurm() { (void)std::system(stop_.c_str()); }
  LocalSlurm(const LocalSlurm&) = delete;
  LocalSlurm& operator=(const LocalSlurm&) = delete;

  // Put before a command: the cluster's configuration, and squeue asked every second.
  std::string prefix() const {
    return "env SLURM_CONF=" + (dir_ / "slurm.conf").string() + " XP_SLURM_POLL_SECONDS=1 ";
  }
  Outcome xp(const std::string& arguments) const { return run_xp_with(prefix(), arguments); }
  Outcome shell(const std::string& command) const { return run_shell(prefix() + command); }

 private:
  fs::path dir_;
  std::string stop_;
};

fs::path only_sweep(const fs::path& results) {
  for (const auto& entry : fs::directory_iterator(results / "tiny"))
    if (entry.path().filename().string().rfind("sweep-", 0) == 0) return entry.path();
  FAIL("no sweep folder below " << results.string());
  return {};
}

nlohmann::json ledger_of(const fs::path& sweep) {
  return nlohmann::json::parse(read_text(sweep / "ledger.json"));
}

// Waits up to `seconds` for `done`; false when it never held.
template <typename Condition>
bool wait_for(Condition done, int seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

}  // namespace

TEST_CASE(
    "xp sweep --slurm: the trials as one job array with the ledger, shared stage cache, retries "
    "and --status of a local sweep") {
  if (!slurm_available()) return;
  TempDir dir;
  const LocalSlurm slurm(dir.path() / "cluster");
  // Stage 0 (one epoch) is the same in every trial; stage 1's lr is swept. lr=1e6 diverges.
  const std::string recipe = write_recipe(dir.path(), "  - fit: {lr: 0.01, cycles: 1}\n") +
                             " --set stages[0].fit.cycles=1";
  const std::string out = " --out " + (dir.path() / "results").string();
  const Outcome first =
      slurm.xp("sweep " + recipe + " --grid 'stages[1].fit.lr=0.01,1e6' --slurm --threads 1" + out);
  CAPTURE(first.output);
  CHECK(first.exit_code == 1);  // one trial failed
  CHECK(first.output.find("submitted Slurm job array ") != std::string::npos);
  const fs::path sweep = only_sweep(dir.path() / "results");
  auto ledger = ledger_of(sweep);
  REQUIRE(ledger["trials"].size() == 2);
  CHECK(ledger["trials"][0]["state"] == "complete");
  CHECK(ledger["trials"][0]["metric"].get<double>() > 0.5);
  const std::string job = ledger["trials"][0]["slurm_job"];
  CHECK(job.substr(job.find('_')) == "_0");
  CHECK(ledger["trials"][1]["slurm_job"] == job.substr(0, job.find('_')) + "_1");
  CHECK(ledger["trials"][1]["state"] == "failed");
  CHECK(ledger["trials"][1]["error"].get<std::string>().find("training loss became") !=
        std::string::npos);
  // The batch script is in the sweep folder; each element wrote its trial's log and exit code.
  const std::string script = read_text(sweep / "slurm" / "array-0.sbatch");
  CHECK(script.find("#SBATCH --array=0,1\n") != std::string::npos);
  CHECK(script.find("#SBATCH --cpus-per-task=1\n") != std::string::npos);
  const std::string log0 = read_text(sweep / "trials" / "t0" / "log.txt");
  CHECK(log0.find("xp: Slurm job " + job + " on ") != std::string::npos);
  CHECK(log0.find("results: ") != std::string::npos);
  CHECK(read_text(sweep / "trials" / "t1" / ("slurm-" + job.substr(0, job.find('_')) + ".exit")) ==
        "1\n");
  // The stage cache is shared as in a local sweep: stage 0 ran in one trial, the other found it.
  const std::string logs = log0 + read_text(sweep / "trials" / "t1" / "log.txt");
  CHECK(count(logs, "stage [0] fit  lr=0.01 sgdr cycles=1 cycle_len=1 cycle_mult=1  [cached") == 1);
  CHECK(read_text(sweep / "summary.csv").find("\n0,0.01,complete,") != std::string::npos);

  const Outcome status =
      slurm.xp("sweep " + recipe + " --grid 'stages[1].fit.lr=0.01,1e6' --status" + out);
  CAPTURE(status.output);
  CHECK(status.exit_code == 0);
  CHECK(status.output.find("trial t0  complete  stages[1].fit.lr=0.01  accuracy ") !=
        std::string::npos);
  CHECK(status.output.find("trial t1  failed  stages[1].fit.lr=1e6") != std::string::npos);
  CHECK(status.output.find("2 trials, 1 complete, 1 failed") != std::string::npos);

  // A value added: the finished trial is not submitted again, the failed one is (a retry), the
  // new one joins it in a second array.
  const Outcome again = slurm.xp(
      "sweep " + recipe + " --grid 'stages[1].fit.lr=0.01,1e6,0.02' --slurm --threads 1" + out);
  CAPTURE(again.output);
  CHECK(again.exit_code == 1);
  CHECK(again.output.find("trial t0  complete (stages[1].fit.lr=0.01)") != std::string::npos);
  CHECK(read_text(sweep / "slurm" / "array-1.sbatch").find("#SBATCH --array=1,2\n") !=
        std::string::npos);
  ledger = ledger_of(sweep);
  REQUIRE(ledger["trials"].size() == 3);
  CHECK(ledger["trials"][0]["attempts"] == 1);
  CHECK(ledger["trials"][1]["attempts"] == 2);
  CHECK(ledger["trials"][1]["state"] == "failed");
  CHECK(ledger["trials"][2]["state"] == "complete");

  // --fail-fast with one trial at a time (the array's %1): the first fails, the second, still
  // waiting for its turn, is cancelled and left pending for the next sweep.
  const Outcome fast = slurm.xp("sweep " + recipe +
                                " --grid 'stages[0].fit.lr=1e6,0.01' --slurm --threads 1 --jobs 1 "
                                "--fail-fast" +
                                out);
  CAPTURE(fast.output);
  CHECK(fast.exit_code == 1);
  CHECK(fast.output.find("trial t1  not started (--fail-fast)") != std::string::npos);
  fs::path fast_sweep;
  for (const auto& entry : fs::directory_iterator(dir.path() / "results" / "tiny"))
    if (entry.path() != sweep) fast_sweep = entry.path();
  const auto fast_ledger = ledger_of(fast_sweep);
  CHECK(read_text(fast_sweep / "slurm" / "array-0.sbatch").find("#SBATCH --array=0,1%1\n") !=
        std::string::npos);
  CHECK(fast_ledger["trials"][0]["state"] == "failed");
  CHECK(fast_ledger["trials"][1]["state"] == "pending");
  CHECK(fast_ledger["trials"][1]["attempts"] == 0);
}

TEST_CASE(
    "xp sweep --slurm: a data-parallel trial runs its ranks through srun, and a trial Slurm "
    "stops (scancel) or kills resumes from its resume point") {
  if (!slurm_available()) return;
  TempDir dir;
  const LocalSlurm slurm(dir.path() / "cluster");
  const std::string recipe = write_recipe(dir.path());
  const std::string out = " --out " + (dir.path() / "results").string();

  // Two ranks per trial: two Slurm tasks, rank and world from srun's variables.
  const Outcome ranks = slurm.xp("sweep " + recipe +
                                 " --grid 'stages[0].fit.cycles=1' --slurm --nproc 2 --threads 1 "
                                 "--set data.batch_size=8" +
                                 out);
  CAPTURE(ranks.output);
  REQUIRE(ranks.exit_code == 0);
  const fs::path sweep = only_sweep(dir.path() / "results");
  CHECK(read_text(sweep / "slurm" / "array-0.sbatch").find("#SBATCH --ntasks=2\n") !=
        std::string::npos);
  const auto ledger = ledger_of(sweep);
  const auto run = nlohmann::json::parse(
      read_text(fs::path(ledger["trials"][0]["run"].get<std::string>()) / "run.json"));
  CHECK(run["distributed"]["world_size"] == 2);
  CHECK(run["distributed"]["launcher"] == "slurm");

  // A trial of several epochs stopped by `stop` (its Slurm job, its sweep folder) once its first
  // epoch is done; then the same sweep again. Returns that sweep's outcome and its folder.
  std::set<fs::path> seen = {sweep};
  const auto stop_and_sweep_again = [&](const std::string& grid, const auto& stop) {
    const std::string command = "sweep " + recipe + grid + " --slurm --threads 1" + out;
    const Outcome submitted = slurm.xp(command + " --no-wait");
    CAPTURE(submitted.output);
    REQUIRE(submitted.exit_code == 0);
    fs::path folder;
    for (const auto& entry : fs::directory_iterator(dir.path() / "results" / "tiny"))
      if (!seen.count(entry.path())) folder = entry.path();
    REQUIRE(!folder.empty());
    seen.insert(folder);
    // An epoch done and its resume point written (after its metrics.csv row).
    const auto resumable = [&] {
      std::error_code error;
      for (const auto& run_folder :
           fs::directory_iterator(folder / "trials" / "t0" / "tiny", error))
        if (fs::exists(run_folder.path() / "resume.h5")) return true;
      return false;
    };
    REQUIRE(wait_for(resumable, 120));
    const std::string job = ledger_of(folder)["trials"][0]["slurm_job"];
    stop(job, folder);
    REQUIRE(wait_for([&] { return slurm.shell("squeue --noheader").output.empty(); }, 60));
    return std::make_pair(slurm.xp(command), folder);
  };

  // scancel: xp saves its state on Slurm's SIGTERM, the element records exit 130, and the sweep
  // run again resumes the trial from its resume point.
  const auto first_stop = stop_and_sweep_again(
      " --grid 'stages[0].fit.cycle_len=2'", [&](const std::string& job, const fs::path&) {
        CHECK(slurm.shell("scancel " + job).exit_code == 0);
      });
  const Outcome& resumed = first_stop.first;
  const fs::path& cancelled = first_stop.second;
  const fs::path trial_log = cancelled / "trials" / "t0" / "log.txt";
  CAPTURE(resumed.output);
  CAPTURE(read_text(trial_log));
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.output.find("trial t0  interrupted") != std::string::npos);
  CHECK(read_text(cancelled / "slurm" / "array-1.sbatch").find("'--resume'") != std::string::npos);
  const auto final_ledger = ledger_of(cancelled);
  CHECK(final_ledger["trials"][0]["state"] == "complete");
  CHECK(final_ledger["trials"][0]["attempts"] == 2);
  CHECK(read_text(trial_log).find("xp: Slurm is stopping the job") != std::string::npos);

  // The element's shell and xp killed outright (as a node lost, or the OOM killer — Slurm's own
  // scancel --signal=KILL still ends the job through SIGTERM): no exit code is written; the trial
  // is taken as interrupted since its run has a resume point, and resumed.
  const auto second_stop = stop_and_sweep_again(
      " --grid 'stages[0].fit.cycles=8'", [&](const std::string&, const fs::path& folder) {
        // This cluster's batch shells (its spool folder), then this trial's xp. The pattern's
        // first '/' in brackets: it does not match the shell that runs pkill.
        const auto kill_matching = [&](const fs::path& path) {
          const std::string pattern = "[/]" + path.string().substr(1);
          CHECK(slurm.shell("pkill -KILL -f '" + pattern + "'").exit_code == 0);
        };
        kill_matching(dir.path() / "cluster" / "spool");
        kill_matching(folder / "trials" / "t0");
      });
  const Outcome& after_kill = second_stop.first;
  const fs::path& killed = second_stop.second;
  CAPTURE(after_kill.output);
  CHECK(after_kill.exit_code == 0);
  CHECK(after_kill.output.find("before xp recorded an exit code") != std::string::npos);
  CHECK(after_kill.output.find("trial t0  interrupted") != std::string::npos);
  CHECK(read_text(killed / "slurm" / "array-1.sbatch").find("'--resume'") != std::string::npos);
  CHECK(ledger_of(killed)["trials"][0]["state"] == "complete");
}
