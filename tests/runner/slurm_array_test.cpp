// The Slurm job array of `xp sweep --slurm` without a cluster: the batch script's #SBATCH lines,
// and the script itself run by bash as an array element would run it (a stand-in for xp records
// its arguments), squeue's output read back. tests/e2e/slurm_sweep_test.cpp submits to a real Slurm.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>

#include "core/util/error.h"
#include "runner/slurm_array.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::slurm;
using xp::testing::read_text;
using xp::testing::TempDir;
using xp::testing::write_text;

namespace {

struct Fixture {
  TempDir dir;
  fs::path trials = dir.path() / "sweep dir" / "trials";
  fs::path recipe = dir.path() / "tiny.yaml";
  fs::path copy = dir.path() / "sweep dir" / "slurm" / "array-0.recipe.yaml";
  fs::path fake_xp = dir.path() / "fake xp";
  std::vector<ArrayElement> elements;

  Fixture() {
    fs::create_directories(trials / "t0");
    fs::create_directories(trials / "t2");
    fs::create_directories(copy.parent_path());
    write_text(recipe, "name: tiny\n");
    fs::copy_file(recipe, copy);
    // Records each argument on a line of its own and exits 3: what the element records.
    write_text(fake_xp,
               "#!/bin/bash\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/arguments\"\nexit 3\n");
    fs::permissions(fake_xp, fs::perms::owner_all);
    elements = {{0,
                 trials / "t0",
                 {"run", recipe.string(), "--set", "a=0", "--out", (trials / "t0").string()}},
                {2,
                 trials / "t2",
                 {"run", recipe.string(), "--set", "name='it''s'", "--set",
                  "stages[1].fit.lr=[1e-3, 1e-2]", "--out", (trials / "t2").string()}}};
  }

  // Runs the script as Slurm would run array element `index` of job 77; returns bash's exit code.
  int run_element(const std::string& script, int index) {
    const fs::path file = dir.path() / "array.sbatch";
    write_text(file, script);
    const std::string command =
        "cd '" + dir.path().string() +
        "' && SLURM_ARRAY_JOB_ID=77 SLURM_ARRAY_TASK_ID=" + std::to_string(index) +
        " bash array.sbatch > element.log 2>&1";
    const int status = std::system(command.c_str());
    return WEXITSTATUS(status);
  }
};

}  // namespace

TEST_CASE("slurm batch script: the array, its resources, each trial's log and command") {
  Fixture f;
  ArrayRequest request;
  request.job_name = "xp-tiny";
  request.partition = "gpu";
  request.working_dir = f.dir.path();
  request.tasks_per_trial = 2;
  request.cpus_per_task = 3;
  request.gpus_per_task = 1;
  request.max_running = 4;
  request.sbatch_options = {"--time=01:00:00"};
  const std::string script = batch_script(request, f.elements, "/opt/xp/bin/xp", f.recipe, f.copy);
  CAPTURE(script);
  CHECK(script.rfind("#!/bin/bash\n", 0) == 0);
  CHECK(script.find("#SBATCH --array=0,2%4\n") != std::string::npos);
  CHECK(script.find("#SBATCH --job-name=\"xp-tiny\"\n") != std::string::npos);
  CHECK(script.find("#SBATCH --output=\"" + f.trials.string() + "/t%a/log.txt\"\n") !=
        std::string::npos);
  CHECK(script.find("#SBATCH --open-mode=append\n") != std::string::npos);
  CHECK(script.find("#SBATCH --chdir=\"" + f.dir.path().string() + "\"\n") != std::string::npos);
  CHECK(script.find("#SBATCH --ntasks=2\n") != std::string::npos);
  CHECK(script.find("#SBATCH --cpus-per-task=3\n") != std::string::npos);
  CHECK(script.find("#SBATCH --gpus-per-task=1\n") != std::string::npos);
  CHECK(script.find("#SBATCH --partition=\"gpu\"\n") != std::string::npos);
  CHECK(script.find("#SBATCH --time=01:00:00\n") != std::string::npos);
  CHECK(script.find("srun --kill-on-bad-exit=1 '/opt/xp/bin/xp' \"${arguments[@]}\"") !=
        std::string::npos);

  request = ArrayRequest{};
  request.job_name = "x";
  const std::string one_task =
      batch_script(request, f.elements, "/opt/xp/bin/xp", f.recipe, f.copy);
  CHECK(one_task.find("#SBATCH --array=0,2\n") != std::string::npos);
  CHECK(one_task.find("srun") == std::string::npos);  // one process: no step launcher
  CHECK(one_task.find("--gpus-per-task") == std::string::npos);
  CHECK(one_task.find("--partition") == std::string::npos);

  // Slurm's file name patterns start with '%': a folder holding one cannot be named in #SBATCH.
  auto odd = f.elements;
  odd[0].root = f.dir.path() / "100%" / "trials" / "t0";
  CHECK_THROWS_WITH_AS(batch_script(request, odd, "/opt/xp/bin/xp", f.recipe, f.copy),
                       doctest::Contains("choose another --out folder"), xp::UserError);
}

TEST_CASE("slurm batch script: an element runs its own trial's command and records the exit code") {
  Fixture f;
  ArrayRequest request;
  request.job_name = "xp-tiny";
  const std::string script =
      batch_script(request, f.elements, f.fake_xp.string(), f.recipe, f.copy);
  CHECK(f.run_element(script, 2) == 3);
  // Every argument arrives whole: spaces, quotes and brackets included.
  CHECK(read_text(f.dir.path() / "arguments") ==
        "run\n" + f.recipe.string() +
            "\n--set\nname='it''s'\n--set\nstages[1].fit.lr=[1e-3, 1e-2]\n--out\n" +
            (f.trials / "t2").string() + "\n");
  CHECK(read_text(exit_file(f.trials / "t2", "77")) == "3\n");
  CHECK(!fs::exists(exit_file(f.trials / "t0", "77")));
  CHECK(read_text(f.dir.path() / "element.log").find("xp: Slurm job 77_2 on ") !=
        std::string::npos);

  // An index the array does not have.
  CHECK(f.run_element(script, 1) == 2);
  CHECK(read_text(f.dir.path() / "element.log").find("no trial '1'") != std::string::npos);

  // The recipe edited after submission: the element refuses to run another experiment.
  fs::remove(f.dir.path() / "arguments");
  write_text(f.recipe, "name: tiny\nseed: 8\n");
  CHECK(f.run_element(script, 0) == 2);
  CHECK(!fs::exists(f.dir.path() / "arguments"));
  CHECK(read_text(exit_file(f.trials / "t0", "77")) == "2\n");
  CHECK(read_text(f.dir.path() / "element.log").find("changed (or went) after xp sweep --slurm") !=
        std::string::npos);
}

TEST_CASE("squeue's lines are read per element of one array") {
  const auto elements = parse_squeue(
      "12_0|COMPLETED|None\n"
      "12_3|RUNNING|None\n"
      "12_[4-6%2]|PENDING|JobArrayTaskLimit\n"
      "120_1|PENDING|Priority\n"
      " 12_7|PENDING|Resources \n",
      "12");
  REQUIRE(elements.size() == 3);
  CHECK(elements.at(0).state == "COMPLETED");
  CHECK(elements.at(3).state == "RUNNING");
  CHECK(elements.at(7).state == "PENDING");
  CHECK(elements.at(7).reason == "Resources");
  CHECK(ended("TIMEOUT"));
  CHECK(ended("CANCELLED"));
  CHECK(!ended("PENDING"));
  CHECK(!ended("COMPLETING"));
  CHECK(shell_quote("it's") == "'it'\\''s'");
}
