// End-to-end: the stage cache. A run reuses the longest prefix of stages whose key is cached and
// ends with exactly what an uncached run gives; `xp check` says HIT or MISS and why; a damaged
// entry is rebuilt; two processes sharing a cache compute a stage once.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::read_text;
using xp::testing::TempDir;

using namespace xp::e2e;

namespace {

// Three stages: 2 epochs of the tiny fit, an lr_find, a 1-epoch fit.
std::string three_stage_recipe(const fs::path& dir) {
  return write_recipe(dir, "  - lr_find: {num_it: 8}\n  - fit: {lr: 0.01, cycles: 1}\n") +
         " --set stages[0].fit.cycles=2";
}

}  // namespace

TEST_CASE(
    "stage cache: editing the last stage runs only that stage, with the results of an uncached "
    "run") {
  TempDir dir;
  const std::string recipe = three_stage_recipe(dir.path());
  const std::string cached_out = " --out " + (dir.path() / "cached").string();
  const Outcome first = run_xp("run " + recipe + cached_out);
  CAPTURE(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(count(first.output, "[cached") == 0);

  const std::string edit = " --set stages[2].fit.lr=0.02";
  // --cache names the cache; run's own command line with check instead of run (--out) finds it too.
  for (const std::string& where :
       {" --cache " + (dir.path() / "cached" / ".cache").string(), cached_out}) {
    const Outcome check = run_xp("check " + recipe + edit + where);
    CAPTURE(check.output);
    CHECK(check.exit_code == 0);
    CHECK(check.output.find("[0] fit       HIT") != std::string::npos);
    CHECK(check.output.find("[1] lr_find   HIT") != std::string::npos);
    CHECK(check.output.find("[2] fit       MISS  stages[2].fit.lr: 0.01 → 0.02") !=
          std::string::npos);
  }

  const Outcome edited = run_xp("run " + recipe + edit + cached_out);
  CAPTURE(edited.output);
  REQUIRE(edited.exit_code == 0);
  CHECK(count(edited.output, "[cached") == 2);
  CHECK(edited.output.find("stage [2] fit  lr=0.02") != std::string::npos);
  const fs::path edited_run = fs::path(last_line(edited.output).substr(9));

  const Outcome uncached =
      run_xp("run " + recipe + edit + " --no-cache --out " + (dir.path() / "uncached").string());
  REQUIRE(uncached.exit_code == 0);
  const fs::path uncached_run = only_run(dir.path() / "uncached");
  CHECK(metrics_without_time(edited_run) == metrics_without_time(uncached_run));
  CHECK(read_text(edited_run / "lr_schedule.csv") == read_text(uncached_run / "lr_schedule.csv"));
  CHECK(read_text(edited_run / "training_loss.csv") ==
        read_text(uncached_run / "training_loss.csv"));  // replayed for the cached stages
  CHECK(read_text(edited_run / "lr_find.csv") ==
        read_text(uncached_run / "lr_find.csv"));  // a replayed file
  check_same_weights(edited_run / "model.h5", uncached_run / "model.h5");
  // lr_find's curve in TensorBoard (its own run, lr_find-stage1/): written by the replay as by
  // the stage, every point of lr_find.csv.
  const auto lr_find_events = xp::testing::read_event_files(edited_run / "lr_find-stage1", false);
  CHECK(lr_find_events == xp::testing::read_event_files(uncached_run / "lr_find-stage1", false));
  const auto tensorboard = xp::testing::read_event_files(edited_run / "lr_find-stage1", true);
  if (!tensorboard.is_null()) CHECK(tensorboard == lr_find_events);
  const auto lr_find_rows = csv_rows(edited_run / "lr_find.csv");  // stage,iteration,lr,loss,raw
  REQUIRE(lr_find_rows.size() > 1);
  const auto& lrs = lr_find_events["scalars"]["lr_find/lr"];
  const auto& smoothed = lr_find_events["scalars"]["lr_find/smoothed_loss"];
  REQUIRE(lrs.size() == lr_find_rows.size() - 1);
  REQUIRE(smoothed.size() == lrs.size());
  for (std::size_t row = 1; row < lr_find_rows.size(); ++row) {
    CHECK(lrs[row - 1][0] == row - 1);
    CHECK(lrs[row - 1][1].get<double>() ==
          doctest::Approx(std::stod(lr_find_rows[row][2])).epsilon(1e-5));
    CHECK(smoothed[row - 1][1].get<double>() ==
          doctest::Approx(std::stod(lr_find_rows[row][3])).epsilon(1e-5));
  }
  CHECK_FALSE(
      fs::exists(dir.path() / "uncached" / ".cache" / "stages"));  // --no-cache stores nothing

  const auto run = nlohmann::json::parse(read_text(edited_run / "run.json"));
  REQUIRE(run["stage_cache"].size() == 3);
  CHECK(run["stage_cache"][0]["hit"] == true);
  CHECK(run["stage_cache"][2]["hit"] == false);
  CHECK(run.contains("lr_find"));  // the cached lr_find's run.json fields are replayed too
}

TEST_CASE("stage cache: a damaged entry is reported, removed and computed again") {
  TempDir dir;
  const std::string recipe = write_recipe(dir.path()) + " --set stages[0].fit.cycles=1";
  const std::string out = " --out " + (dir.path() / "results").string();
  REQUIRE(run_xp("run " + recipe + out).exit_code == 0);
  const fs::path stages = dir.path() / "results" / ".cache" / "stages";
  fs::path state;
  for (const auto& entry : fs::directory_iterator(stages))
    if (entry.is_directory()) state = entry.path() / "weights.h5";
  REQUIRE(fs::exists(state));
  {  // flip bytes in the middle of the weights: HDF5 still opens it, the checksum does not match
    std::fstream file(state, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(state) / 2));
    file.write("garbage!", 8);
  }
  const Outcome again = run_xp("run " + recipe + out);
  CAPTURE(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK(again.output.find("stage cache entry damaged") != std::string::npos);
  CHECK(again.output.find("do not match their checksum") != std::string::npos);
  CHECK(count(again.output, "[cached") == 0);
  // Rebuilt: a third run reuses it.
  const Outcome third = run_xp("run " + recipe + out);
  CHECK(count(third.output, "[cached") == 1);
}

TEST_CASE(
    "stage cache: stages that leave the weights unchanged share the previous entry's weights "
    "file") {
  TempDir dir;
  // fit (new weights), lr_find (weights restored), unfreeze (frozen groups only), fit (new weights).
  const std::string recipe =
      write_recipe(dir.path(),
                   "  - lr_find: {num_it: 6}\n  - unfreeze: {}\n  - fit: {lr: 0.01, cycles: 1}\n") +
      " --set stages[0].fit.cycles=1";
  const Outcome first = run_xp("run " + recipe + " --out " + (dir.path() / "results").string());
  CAPTURE(first.output);
  REQUIRE(first.exit_code == 0);
  std::map<int, fs::path> weights;  // stage → its entry's weights.h5
  for (const auto& entry : fs::directory_iterator(dir.path() / "results" / ".cache" / "stages"))
    if (entry.is_directory())
      weights[nlohmann::json::parse(read_text(entry.path() / "entry.json"))["stage"].get<int>()] =
          entry.path() / "weights.h5";
  REQUIRE(weights.size() == 4);
  CHECK(fs::equivalent(weights[0], weights[1]));
  CHECK(fs::equivalent(weights[0], weights[2]));
  CHECK(fs::hard_link_count(weights[0]) == 3);
  CHECK_FALSE(fs::equivalent(weights[2], weights[3]));
  CHECK(fs::hard_link_count(weights[3]) == 1);
  // xp cache ls counts the shared file once: its total is about two weights files, not four.
  const Outcome listed = run_xp("cache ls --cache " + (dir.path() / "results" / ".cache").string());
  CAPTURE(listed.output);
  const auto at = listed.output.find("4 stage entries, ");
  REQUIRE(at != std::string::npos);
  const double mib = std::stod(listed.output.substr(at + 17));
  REQUIRE(listed.output.substr(listed.output.find(' ', at + 17) + 1, 3) == "MiB");
  const double weights_mib = static_cast<double>(fs::file_size(weights[0])) / (1024.0 * 1024.0);
  CHECK(mib > 2 * weights_mib);
  CHECK(mib < 2.2 * weights_mib);
  // Removing the first entry leaves the others whole, and a run reuses every stage.
  fs::remove_all(weights[0].parent_path());
  const Outcome again = run_xp("run " + recipe + " --out " + (dir.path() / "results").string());
  CAPTURE(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK(count(again.output, "[cached") == 3);
}

TEST_CASE("stage cache: two processes sharing a cache compute a stage once and agree") {
  TempDir dir;
  const std::string recipe = write_recipe(dir.path()) + " --set stages[0].fit.cycles=2";
  const std::string cache = " --cache " + (dir.path() / "shared-cache").string();
  const auto outcomes = run_twice_at_once(recipe + cache, dir.path() / "a", dir.path() / "b");
  const Outcome& first = outcomes.first;
  const Outcome& second = outcomes.second;
  // Whichever took the entry's lock first computed it; the other waited and reused it.
  CHECK(count(first.output, "[cached") + count(second.output, "[cached") == 1);
  CHECK(metrics_without_time(only_run(dir.path() / "a")) ==
        metrics_without_time(only_run(dir.path() / "b")));
  for (const auto& entry : fs::directory_iterator(dir.path() / "shared-cache" / "stages"))
    CHECK_MESSAGE(entry.path().filename().string().rfind(".tmp", 0) != 0, entry.path());
}

TEST_CASE("xp ls, xp diff and xp cache ls|gc read result folders and the cache") {
  TempDir dir;
  const std::string recipe = write_recipe(dir.path()) + " --set stages[0].fit.cycles=1";
  const fs::path results = dir.path() / "results";
  const std::string out = " --out " + results.string();
  REQUIRE(run_xp("run " + recipe + out).exit_code == 0);
  // data.workers never changes a result, so the stage keys leave it out; xp diff must show it.
  REQUIRE(run_xp("run " + recipe + out + " --set stages[0].fit.lr=0.02 --set data.workers=1")
              .exit_code == 0);
  CHECK(
      run_xp_with("XP_TEST_KILL_AT_BATCH=3 ", "run " + recipe + out + " --set seed=8").exit_code !=
      0);

  const Outcome listed = run_xp("ls " + results.string());
  CAPTURE(listed.output);
  CHECK(listed.exit_code == 0);
  CHECK(count(listed.output, "COMPLETE    1/1     accuracy") == 2);
  CHECK(listed.output.find("KILLED") !=
        std::string::npos);  // RUNNING in its status.json, but no process holds it

  std::vector<fs::path> complete;
  for (const auto& entry : fs::directory_iterator(results / "tiny"))
    if (entry.path().filename() != "latest" && fs::exists(entry.path() / "model.h5"))
      complete.push_back(entry.path());
  std::sort(complete.begin(), complete.end());
  REQUIRE(complete.size() == 2);
  const Outcome diff = run_xp("diff " + complete[0].string() + " " + complete[1].string());
  CAPTURE(diff.output);
  CHECK(diff.exit_code == 0);
  CHECK(diff.output.find("stages[0].fit.lr: 0.01 → 0.02") != std::string::npos);
  CHECK(diff.output.find("data.workers: 2 → 1") != std::string::npos);
  CHECK(diff.output.find("val_loss") != std::string::npos);
  CHECK(run_xp("diff " + complete[0].string()).exit_code == 2);

  const std::string cache = " --cache " + (results / ".cache").string();
  const Outcome before = run_xp("cache ls" + cache);
  CAPTURE(before.output);
  CHECK(before.output.find("2 stage entries") != std::string::npos);
  const Outcome kept = run_xp("cache gc" + cache);  // nothing is 30 days old
  CHECK(kept.output.find("removed 0 cache entries") != std::string::npos);
  const Outcome gc = run_xp("cache gc --max-size 0" + cache);
  CAPTURE(gc.output);
  CHECK(gc.output.find("removed 2 cache entries") != std::string::npos);
  CHECK(run_xp("cache ls" + cache).output.find("0 stage entries") != std::string::npos);
  CHECK(run_xp("cache frobnicate" + cache).exit_code == 2);
}

TEST_CASE(
    "stage cache: a cache that cannot be used is a warning, and the run completes without it") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path(), "  - fit: {lr: 0.01, cycles: 1}\n");
  const fs::path results = dir.path() / "results";
  fs::create_directories(results / ".cache");
  xp::testing::write_text(results / ".cache" / "stages",
                          "a file where the cache's folder should be");
  const Outcome run =
      run_xp("run " + recipe + " --set stages[0].fit.cycles=1 --out " + results.string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(count(run.output, "warning: stage cache lookup failed, continuing without it") ==
        1);  // once, not per stage
  const fs::path folder = only_run(results);
  CHECK(nlohmann::json::parse(read_text(folder / "status.json"))["state"] == "COMPLETE");
  const auto run_json = nlohmann::json::parse(read_text(folder / "run.json"));
  REQUIRE(run_json["stage_cache"].size() == 1);
  CHECK(run_json["stage_cache"][0]["stage"] == 0);
  CHECK(run_json["stage_cache"][0]["error"].get<std::string>().rfind("lookup: ", 0) == 0);
  const std::string metrics = read_text(folder / "metrics.csv");
  CHECK(std::count(metrics.begin(), metrics.end(), '\n') == 3);  // both fits ran
  CHECK(read_text(folder / "report.html").find("not cached: lookup: ") != std::string::npos);
}
