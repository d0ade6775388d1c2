// End-to-end: data-parallel runs (issue #17) on this machine — two Gloo ranks on loopback, started
// by `xp run --nproc 2` or as torchrun would (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). With
// BatchNorm in eval mode (bn_freeze) and no dropout, a two-rank run computes what one process
// computes, so its result folder must match a one-process run's; rank 0 alone writes it; a cache
// hit on rank 0 is followed by rank 1; a rank that dies ends the other with a message naming it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "core/util/free_port.h"
#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::read_text;
using xp::testing::TempDir;

using namespace xp::e2e;

namespace {

// The file names of a run folder (TensorBoard's carry the host and process id: by prefix).
std::set<std::string> file_names(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    std::string name = fs::relative(entry.path(), folder).string();
    if (name.find("events.out.tfevents") != std::string::npos)
      name = name.substr(0, name.find("events.out.tfevents") + 19);
    names.insert(name);
  }
  return names;
}

nlohmann::json json_file(const fs::path& path) { return nlohmann::json::parse(read_text(path)); }

}  // namespace

TEST_CASE("data parallel: xp run --nproc 2 writes the result folder a one-process run writes") {
  TempDir dir;
  const std::string recipe = write_parallel_recipe(dir.path());
  const Outcome single =
      run_xp("run " + recipe + " --no-cache --out " + (dir.path() / "one").string());
  CAPTURE(single.output);
  REQUIRE(single.exit_code == 0);
  const std::string cache = " --cache " + (dir.path() / "cache").string();
  const Outcome parallel =
      run_xp("run " + recipe + " --nproc 2 --out " + (dir.path() / "two").string() + cache);
  CAPTURE(parallel.output);
  REQUIRE(parallel.exit_code == 0);
  // Rank 0 speaks for the job: one plan, one results line.
  CHECK(count(parallel.output, "results: ") == 1);
  CHECK(count(parallel.output, "stage [1] fit") == 1);

  const fs::path one = only_run(dir.path() / "one");
  const fs::path two = only_run(dir.path() / "two");
  CHECK(file_names(two) == file_names(one));
  // The same numbers: the ranks' halves of each batch make the one-process step. With LibTorch
  // 1.13 they agree to 1e-5 after the 32 steps; with 2.9.1 to 1.5e-3 (the one-step unit test
  // agrees to 1e-6 there too: its kernels on halves of a batch differ more in the last bits, and
  // 32 steps grow that — not yet pinned down). A wrong average (a rank's weight, the division by
  // the ranks) moves these numbers by far more.
  check_close_metrics(one, two, 5e-3);
  const auto tta_one = json_file(one / "tta.json");
  const auto tta_two = json_file(two / "tta.json");
  CHECK(tta_two["tta"]["accuracy"] == tta_one["tta"]["accuracy"]);
  CHECK(tta_two["tta"]["log_loss"].get<double>() ==
        doctest::Approx(tta_one["tta"]["log_loss"].get<double>()).epsilon(1e-2));

  const auto run = json_file(two / "run.json");
  CHECK(run["distributed"]["world_size"] == 2);
  CHECK(run["distributed"]["backend"] == "gloo");
  CHECK(run["distributed"]["launcher"] == "xp");
  CHECK(run["distributed"]["hosts"].size() == 2);
  // Each rank's share of the machine (the recipe's threads give way to --nproc's split).
  CHECK(run["threads"] == std::max(1u, std::thread::hardware_concurrency() / 2));
  CHECK_FALSE(json_file(one / "run.json").contains("distributed"));
  CHECK(json_file(two / "status.json")["state"] == "COMPLETE");

  // Again: rank 0 replays every stage from the cache and rank 1 follows. Then with the last stage
  // changed, the stages before are replayed and rank 1 takes rank 0's state to run the TTA: its
  // plain (unaugmented) pass is the trained model's, as before.
  const Outcome replayed =
      run_xp("run " + recipe + " --nproc 2 --out " + (dir.path() / "again").string() + cache);
  CAPTURE(replayed.output);
  REQUIRE(replayed.exit_code == 0);
  CHECK(count(replayed.output, "[cached") == 3);
  // xp check with the run's command line sees the cache as that run does: a 2-rank run's stages
  // are there, one process's are not.
  const Outcome checked = run_xp("check " + recipe + " --nproc 2" + cache);
  CAPTURE(checked.output);
  CHECK(checked.output.find("(the stages of a 2-rank data-parallel run)") != std::string::npos);
  CHECK(count(checked.output, " HIT ") == 3);
  CHECK(count(run_xp("check " + recipe + cache).output, " MISS ") == 3);
  const Outcome changed = run_xp("run " + recipe + " --nproc 2 --set stages[2].tta.n_aug=3 --out " +
                                 (dir.path() / "changed").string() + cache);
  CAPTURE(changed.output);
  REQUIRE(changed.exit_code == 0);
  CHECK(count(changed.output, "[cached") == 2);
  const auto tta_changed = json_file(only_run(dir.path() / "changed") / "tta.json");
  CHECK(tta_changed["plain"]["log_loss"].get<double>() ==
        doctest::Approx(tta_two["plain"]["log_loss"].get<double>()).epsilon(1e-6));
}

TEST_CASE(
    "data parallel: with sync_bn, BatchNorm on two ranks trains on the whole batch's statistics") {
  TempDir dir;
  // No bn_freeze: BatchNorm trains. Such a run from scratch on batches of 16 parts from itself
  // within a few steps at the last bits' whim (one process with 1 thread and with 2: the third
  // step's losses differ by 3e-5, the epoch's validation loss by 20%), so the steps compared
  // are the first two, before the paths part.
  const std::string recipe = write_parallel_recipe(dir.path()) +
                             " --set stages[0].bn_freeze=false --set stages[1].fit.cycles=1"
                             " --no-cache";
  const auto first_losses = [&](const std::string& extra, const std::string& out) {
    const Outcome outcome =
        run_xp("run " + recipe + extra + " --out " + (dir.path() / out).string());
    CAPTURE(outcome.output);
    REQUIRE(outcome.exit_code == 0);
    const auto rows = csv_rows(only_run(dir.path() / out) / "training_loss.csv");
    REQUIRE(rows.size() > 3);
    return std::vector<double>{std::stod(rows[1][2]), std::stod(rows[2][2])};
  };
  const std::vector<double> one = first_losses("", "one");
  const std::vector<double> synchronized = first_losses(" --set sync_bn=true --nproc 2", "sync");
  const std::vector<double> per_rank = first_losses(" --nproc 2", "per_rank");
  CHECK(synchronized[0] == doctest::Approx(one[0]).epsilon(1e-5));
  CHECK(synchronized[1] == doctest::Approx(one[1]).epsilon(1e-4));
  // Each rank's own statistics (8 images) are another normalization: another loss at once.
  CHECK(std::abs(per_rank[0] - one[0]) > 0.01 * one[0]);
  const auto run = json_file(only_run(dir.path() / "sync") / "run.json");
  CHECK(run["distributed"]["world_size"] == 2);
}

TEST_CASE("data parallel: two xp processes launched as torchrun launches them make one run") {
  TempDir dir;
  const std::string recipe = write_parallel_recipe(dir.path());
  const std::string job =
      "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(xp::free_loopback_port());
  const std::string arguments =
      "run " + recipe + " --no-cache --out " + (dir.path() / "torchrun").string();
  auto rank1 = std::async(std::launch::async,
                          [&] { return run_xp_with(job + " RANK=1 LOCAL_RANK=1 ", arguments); });
  const Outcome rank0 = run_xp_with(job + " RANK=0 LOCAL_RANK=0 ", arguments);
  const Outcome other = rank1.get();
  CAPTURE(rank0.output);
  CAPTURE(other.output);
  REQUIRE(rank0.exit_code == 0);
  REQUIRE(other.exit_code == 0);
  // The other ranks print nothing but their errors (LibTorch 2.x's Gloo announces its connections).
  std::istringstream lines(other.output);
  for (std::string line; std::getline(lines, line);) CHECK(line.rfind("[Gloo]", 0) == 0);
  CHECK(last_line(rank0.output).rfind("results: ", 0) == 0);
  const auto run = json_file(only_run(dir.path() / "torchrun") / "run.json");
  CHECK(run["distributed"]["launcher"] == "torchrun");
}

TEST_CASE("data parallel: one process under torchrun joins a group of one and trains as alone") {
  TempDir dir;
  const std::string recipe =
      write_parallel_recipe(dir.path()) + " --set stages[1].fit.cycles=1 --no-cache --out ";
  const Outcome alone = run_xp("run " + recipe + (dir.path() / "alone").string());
  CAPTURE(alone.output);
  REQUIRE(alone.exit_code == 0);
  const Outcome grouped =
      run_xp_with("WORLD_SIZE=1 RANK=0 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
                      std::to_string(xp::free_loopback_port()) + " ",
                  "run " + recipe + (dir.path() / "grouped").string());
  CAPTURE(grouped.output);
  REQUIRE(grouped.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "grouped");
  const auto run = json_file(folder / "run.json");
  CHECK(run["distributed"]["world_size"] == 1);
  CHECK(run["distributed"]["backend"] == "gloo");
  // A group of one averages over one rank: the numbers a process alone computes.
  check_close_metrics(only_run(dir.path() / "alone"), folder, 1e-6);
}

TEST_CASE(
    "data parallel: a rank killed mid-epoch ends the other, which names it, and --resume with two "
    "ranks ends where an uninterrupted run ends") {
  TempDir dir;
  const std::string recipe = write_parallel_recipe(dir.path()) + " --nproc 2 --no-cache";
  const Outcome whole = run_xp("run " + recipe + " --out " + (dir.path() / "whole").string());
  CAPTURE(whole.output);
  REQUIRE(whole.exit_code == 0);
  // Rank 1 dies in the second epoch (batches 17-32): the resume point is the first epoch's end.
  const Outcome outcome =
      run_xp_with("XP_TEST_KILL_AT_BATCH=20 XP_TEST_KILL_RANK=1 ",
                  "run " + recipe + " --out " + (dir.path() / "killed").string());
  CAPTURE(outcome.output);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.output.find("rank 1 of 2 (pid ") != std::string::npos);
  CHECK(outcome.output.find("was killed by signal 9") != std::string::npos);
  CHECK(outcome.output.find("rank 0 of 2 lost contact with rank 1") != std::string::npos);
  const fs::path killed = only_run(dir.path() / "killed");
  const auto status = json_file(killed / "status.json");
  CHECK(status["state"] == "FAILED");
  CHECK(status["error"].get<std::string>().find("lost contact with rank 1") != std::string::npos);

  // Both ranks resume from rank 0's resume point: rank 1 gets it from rank 0.
  const Outcome resumed = run_xp("run --resume " + killed.string() + " --nproc 2");
  CAPTURE(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.output.find("resume  from stage [1] epoch 2") != std::string::npos);
  const fs::path expected = only_run(dir.path() / "whole");
  CHECK(metrics_without_time(killed) == metrics_without_time(expected));
  check_same_weights(expected / "model.h5", killed / "model.h5");
  CHECK(json_file(killed / "status.json")["state"] == "COMPLETE");
}

TEST_CASE(
    "data parallel: a rank that hangs (frozen, its connections open) ends the other within the "
    "heartbeat timeout, which names it") {
  TempDir dir;
  const std::string recipe = write_parallel_recipe(dir.path());
  // Two ranks launched as torchrun launches them, so that the test holds rank 1's pid: it freezes
  // itself (SIGSTOP) at its 20th batch. Nothing closes, so only the heartbeat can tell rank 0;
  // without it, rank 0 would wait out the collective timeout (`timeout 300` ends the test then).
  const fs::path script = dir.path() / "hang.sh";
  const std::string run = std::string(XP_BINARY) + " run " + recipe + " --no-cache --out " +
                          (dir.path() / "hung").string();
  xp::testing::write_text(
      script, "export WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
                  std::to_string(xp::free_loopback_port()) +
                  " XP_DIST_HEARTBEAT_TIMEOUT=5\n"
                  "XP_TEST_KILL_AT_BATCH=20 XP_TEST_KILL_SIGNAL=STOP RANK=1 LOCAL_RANK=1 " +
                  run + " > " + (dir.path() / "rank1.log").string() +
                  " 2>&1 &\n"
                  "frozen=$!\n"
                  "RANK=0 LOCAL_RANK=0 timeout 300 " +
                  run +
                  "\n"
                  "echo \"rank 0 exit $?\"\n"
                  "echo \"rank 1 state $(ps -o stat= -p $frozen)\"\n"
                  "kill -KILL $frozen\n");
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = run_shell("bash " + script.string());
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
          .count();
  CAPTURE(outcome.output);
  CAPTURE(read_text(dir.path() / "rank1.log"));
  CHECK(outcome.output.find("rank 0 exit 1") != std::string::npos);
  CHECK(outcome.output.find("rank 1 state T") != std::string::npos);  // frozen, not dead
  CHECK(outcome.output.find("rank 0 of 2 lost contact with rank 1 (no heartbeat for 5 s") !=
        std::string::npos);
  CHECK(seconds < 120);  // the 20 batches, 5 s of silence, and the way out
  const auto status = json_file(only_run(dir.path() / "hung") / "status.json");
  CHECK(status["state"] == "FAILED");
  CHECK(status["error"].get<std::string>().find("no heartbeat") != std::string::npos);
}

TEST_CASE(
    "data parallel: Ctrl-C stops every rank at one step, and --resume ends as a run through") {
  TempDir dir;
  // Three cycles: Ctrl-C after 4 s lands in training (a stop waits for the next training step).
  const std::string recipe =
      write_parallel_recipe(dir.path()) + " --set stages[1].fit.cycles=3 --nproc 2 --no-cache";
  const Outcome whole = run_xp("run " + recipe + " --out " + (dir.path() / "whole").string());
  CAPTURE(whole.output);
  REQUIRE(whole.exit_code == 0);
  const Outcome stopped =
      run_xp_interrupted_after(4, "run " + recipe + " --out " + (dir.path() / "stopped").string());
  CAPTURE(stopped.output);
  REQUIRE(stopped.exit_code == 130);
  CHECK(stopped.output.find("continue with  xp run --resume") != std::string::npos);
  CHECK(stopped.output.find("lost contact") == std::string::npos);  // no rank left the others
  const fs::path folder = only_run(dir.path() / "stopped");
  CHECK(json_file(folder / "status.json")["state"] == "INTERRUPTED");
  const Outcome resumed = run_xp("run --resume " + folder.string() + " --nproc 2");
  CAPTURE(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  const fs::path expected = only_run(dir.path() / "whole");
  CHECK(metrics_without_time(folder) == metrics_without_time(expected));
  check_same_weights(expected / "model.h5", folder / "model.h5");
}
