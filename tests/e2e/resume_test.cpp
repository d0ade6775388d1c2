// End-to-end: nothing is lost when a run dies. A run killed with SIGKILL at a random batch, or
// stopped with Ctrl-C mid-epoch, continues with `xp run --resume` and ends bit for bit where an
// uninterrupted run ends (metrics, LR log, weights). The stage cache is off here so that every
// epoch really runs.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <random>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::read_text;
using xp::testing::TempDir;

using namespace xp::e2e;

namespace {

// 2 epochs of the head, unfreeze, bn_freeze, 3 epochs (SGDR 1+2) with differential LRs: 80 training
// batches. A resumed run that lost bn_freeze would update BatchNorm statistics the whole run keeps.
std::string resume_recipe(const fs::path& dir) {
  return write_recipe(
             dir,
             "  - unfreeze: {}\n  - bn_freeze: true\n"
             "  - fit: {lr: [0.001, 0.003, 0.01], cycles: 2, cycle_len: 1, cycle_mult: 2}\n") +
         " --set stages[0].fit.cycles=2 --no-cache";
}

// The recipe run through without a stop, into dir/whole: the run the others must end as.
fs::path run_through(const fs::path& dir, const std::string& recipe) {
  REQUIRE(run_xp("run " + recipe + " --out " + (dir / "whole").string()).exit_code == 0);
  return only_run(dir / "whole");
}

void check_same_run(const fs::path& expected, const fs::path& resumed) {
  CHECK(metrics_without_time(resumed) == metrics_without_time(expected));
  CHECK(read_text(resumed / "lr_schedule.csv") == read_text(expected / "lr_schedule.csv"));
  // The per-iteration training curve, the iterations before the stop included.
  CHECK(read_text(resumed / "training_loss.csv") == read_text(expected / "training_loss.csv"));
  // TensorBoard shows each step once, as the uninterrupted run has it: the resumed run's event
  // file restarts at the resume point (the stopped run's steps after it dropped).
  const auto scalars = [](const fs::path& run, bool tensorboard) {
    const nlohmann::json events = xp::testing::read_event_files(run, tensorboard);
    return events.is_null() ? events : events["scalars"];
  };
  CHECK(scalars(resumed, false) == scalars(expected, false));
  CHECK(scalars(resumed, true) == scalars(expected, true));
  check_same_weights(expected / "model.h5", resumed / "model.h5");
  const auto status = nlohmann::json::parse(read_text(resumed / "status.json"));
  CHECK(status["state"] == "COMPLETE");
  CHECK_FALSE(fs::exists(resumed / "resume.h5"));
  CHECK(nlohmann::json::parse(read_text(resumed / "run.json"))["resumed"].size() == 1);
}

}  // namespace

TEST_CASE(
    "resume: a run killed (SIGKILL) at a random batch, or stopped by Ctrl-C, ends bit for bit like "
    "an uninterrupted one") {
  TempDir dir;
  const std::string recipe = resume_recipe(dir.path());
  const fs::path whole = run_through(dir.path(), recipe);

  {  // SIGKILL
    // XP_RESUME_TEST_BATCH=N replays the batch a failure names.
    const char* replay = std::getenv("XP_RESUME_TEST_BATCH");
    std::random_device random;
    const int batch =
        replay ? std::atoi(replay) : std::uniform_int_distribution<int>(1, 79)(random);
    MESSAGE("killed after training batch " << batch << " (XP_RESUME_TEST_BATCH replays it)");
    const Outcome killed =
        run_xp_with("XP_TEST_KILL_AT_BATCH=" + std::to_string(batch) + " ",
                    "run " + recipe + " --out " + (dir.path() / "killed").string());
    CHECK(killed.exit_code != 0);
    const fs::path folder = only_run(dir.path() / "killed");
    const auto status = nlohmann::json::parse(read_text(folder / "status.json"));
    CHECK(status["state"] ==
          "RUNNING");  // nothing ran to say otherwise: its heartbeat and pid say when and who
    CHECK(status.contains("heartbeat"));
    const Outcome resumed = run_xp("run --resume " + folder.string());
    CAPTURE(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    check_same_run(whole, folder);
    // Finished: resuming again is refused.
    CHECK(run_xp("run --resume " + folder.string()).output.find("already complete") !=
          std::string::npos);
  }
  {  // Ctrl-C
    const Outcome stopped = run_xp_interrupted_after(
        4, "run " + recipe + " --out " + (dir.path() / "stopped").string());
    CAPTURE(stopped.output);
    REQUIRE(stopped.exit_code == 130);
    CHECK(stopped.output.find("continue with  xp run --resume") != std::string::npos);
    const fs::path folder = only_run(dir.path() / "stopped");
    CHECK(nlohmann::json::parse(read_text(folder / "status.json"))["state"] == "INTERRUPTED");
    const Outcome resumed = run_xp("run --resume " + folder.string());
    CAPTURE(resumed.output);
    REQUIRE(resumed.exit_code == 0);
    CHECK(resumed.output.find("resume  from stage [") != std::string::npos);
    check_same_run(whole, folder);
  }
}

TEST_CASE(
    "resume: Ctrl-C after an epoch's last batch, before its validation, resumes with that epoch's "
    "TensorBoard points") {
  // Batch 32 ends stage [0]'s last epoch: the resume point holds every batch of it trained and
  // none validated. The resumed run validates it and logs its epoch points at step 31, one below
  // where its event file restarts (a timed Ctrl-C landed there now and then).
  TempDir dir;
  const std::string recipe = resume_recipe(dir.path());
  const fs::path whole = run_through(dir.path(), recipe);
  const Outcome stopped =
      run_xp_with("XP_TEST_KILL_AT_BATCH=32 XP_TEST_KILL_SIGNAL=INT ",
                  "run " + recipe + " --out " + (dir.path() / "stopped").string());
  CAPTURE(stopped.output);
  REQUIRE(stopped.exit_code == 130);
  const fs::path folder = only_run(dir.path() / "stopped");
  const Outcome resumed = run_xp("run --resume " + folder.string());
  CAPTURE(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.output.find("resume  from stage [0] epoch 2 batch 16") != std::string::npos);
  check_same_run(whole, folder);
}

TEST_CASE("resume: a folder that is not a run, or resume with a recipe, is a usage error") {
  TempDir dir;
  CHECK(run_xp("run --resume " + dir.path().string()).exit_code == 2);
  const std::string recipe = write_recipe(dir.path());
  CHECK(run_xp("run " + recipe + " --resume " + dir.path().string()).exit_code == 2);
}

TEST_CASE(
    "resume: a damaged resume.h5 or run.json, or an edited recipe.yaml, fails the resumption "
    "(status FAILED, the cause named) and loses nothing") {
  TempDir dir;
  const std::string recipe = resume_recipe(dir.path());
  const Outcome killed = run_xp_with(
      "XP_TEST_KILL_AT_BATCH=40 ", "run " + recipe + " --out " + (dir.path() / "killed").string());
  REQUIRE(killed.exit_code != 0);
  const fs::path folder = only_run(dir.path() / "killed");
  REQUIRE(fs::exists(folder / "resume.h5"));
  const auto state_and_error = [&] {
    const auto status = nlohmann::json::parse(read_text(folder / "status.json"));
    return status["state"].get<std::string>() + ": " + status.value("error", "");
  };
  const auto keep = [&](const char* name) {
    fs::copy_file(folder / name, dir.path() / name);
    return dir.path() / name;
  };
  const auto restore = [&](const fs::path& kept) {
    fs::copy_file(kept, folder / kept.filename(), fs::copy_options::overwrite_existing);
  };

  {  // resume.h5 cut in half
    const fs::path kept = keep("resume.h5");
    fs::resize_file(folder / "resume.h5", fs::file_size(kept) / 2);
    const Outcome resumed = run_xp("run --resume " + folder.string());
    CAPTURE(resumed.output);
    CHECK(resumed.exit_code == 1);
    CHECK(resumed.output.find("resume.h5' cannot be read") != std::string::npos);
    CHECK(state_and_error().rfind("FAILED: ", 0) == 0);
    CHECK(state_and_error().find("resume.h5") != std::string::npos);
    CHECK(fs::file_size(folder / "resume.h5") == fs::file_size(kept) / 2);  // left as found
    restore(kept);
  }
  {  // run.json with a field that is not what xp wrote
    const fs::path kept = keep("run.json");
    auto run_json = nlohmann::json::parse(read_text(kept));
    run_json["threads"] = "two";
    xp::testing::write_text(folder / "run.json", run_json.dump());
    const Outcome resumed = run_xp("run --resume " + folder.string());
    CAPTURE(resumed.output);
    CHECK(resumed.exit_code == 1);
    CHECK(resumed.output.find("run.json") != std::string::npos);
    CHECK(resumed.output.find("'threads'") != std::string::npos);
    CHECK(resumed.output.find("type_error") == std::string::npos);
    CHECK(state_and_error().rfind("FAILED: ", 0) == 0);
    restore(kept);
  }
  {  // recipe.yaml edited since the run started: not blamed on the data
    const fs::path kept = keep("recipe.yaml");
    std::string text = read_text(kept);
    const auto at = text.find("0.003");
    REQUIRE(at != std::string::npos);
    xp::testing::write_text(folder / "recipe.yaml", text.replace(at, 5, "0.004"));
    const Outcome resumed = run_xp("run --resume " + folder.string());
    CAPTURE(resumed.output);
    CHECK(resumed.exit_code == 1);
    CHECK(resumed.output.find("recipe.yaml was edited: stages[3].fit.lr[1]: 0.003 → 0.004") !=
          std::string::npos);
    CHECK(resumed.output.find("data changed") == std::string::npos);
    CHECK(state_and_error().rfind("FAILED: ", 0) == 0);
    restore(kept);
  }
  // Every file put back: the run continues and completes.
  const Outcome resumed = run_xp("run --resume " + folder.string());
  CAPTURE(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK(state_and_error() == "COMPLETE: ");
}
