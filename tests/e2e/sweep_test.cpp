// End-to-end: `xp sweep`. Trials run as `xp run` processes (two at once here), share the stages
// their keys have in common through the stage cache, and are recorded in a ledger that makes a
// re-run skip finished trials and retry failed ones without renumbering.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <regex>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::read_text;
using xp::testing::TempDir;

using namespace xp::e2e;

namespace {

fs::path only_sweep(const fs::path& results) {
  std::vector<fs::path> sweeps;
  for (const auto& entry : fs::directory_iterator(results / "tiny"))
    if (entry.path().filename().string().rfind("sweep-", 0) == 0) sweeps.push_back(entry.path());
  REQUIRE(sweeps.size() == 1);
  return sweeps[0];
}

}  // namespace

TEST_CASE(
    "xp sweep: concurrent trials share the cached first stage, and the ledger skips finished "
    "trials and retries failed ones") {
  TempDir dir;
  // Stage 0 (one epoch) is the same in every trial; stage 1's lr is swept. lr=1e6 diverges.
  const std::string recipe = write_recipe(dir.path(), "  - fit: {lr: 0.01, cycles: 1}\n") +
                             " --set stages[0].fit.cycles=1";
  const std::string out = " --out " + (dir.path() / "results").string();
  const Outcome first =
      run_xp("sweep " + recipe + " --grid 'stages[1].fit.lr=0.01,0.02,1e6' --jobs 2" + out);
  CAPTURE(first.output);
  CHECK(first.exit_code == 1);  // one trial failed; the others ran (keep going)
  const fs::path sweep = only_sweep(dir.path() / "results");
  const auto ledger = nlohmann::json::parse(read_text(sweep / "ledger.json"));
  REQUIRE(ledger["trials"].size() == 3);
  CHECK(ledger["trials"][0]["overrides"][0] == "stages[1].fit.lr=0.01");
  CHECK(ledger["trials"][0]["state"] == "complete");
  CHECK(ledger["trials"][1]["state"] == "complete");
  CHECK(ledger["trials"][2]["state"] == "failed");
  CHECK(ledger["trials"][2]["error"].get<std::string>().find("training loss became") !=
        std::string::npos);
  CHECK(ledger["trials"][0]["metric"].get<double>() > 0.5);
  // Stage 0 ran once: the two other trials found it in the cache (one of them after waiting for its lock).
  std::string logs;
  for (int trial = 0; trial < 3; ++trial)
    logs += read_text(sweep / "trials" / ("t" + std::to_string(trial)) / "log.txt");
  CHECK(count(logs, "stage [0] fit  lr=0.01 sgdr cycles=1 cycle_len=1 cycle_mult=1  [cached") == 2);

  const std::string summary = read_text(sweep / "summary.csv");
  CHECK(summary.rfind("trial,stages[1].fit.lr,state,accuracy,val_loss,trn_loss,seconds,run\n", 0) ==
        0);
  CHECK(summary.find("\n0,0.01,complete,") != std::string::npos);
  CHECK(summary.find("\n2,1e6,failed,,") != std::string::npos);
  CHECK(fs::file_size(sweep / "summary.png") > 1000);
  // report.html: every trial with its state (the failed one's error), links to the trials' own
  // pages that resolve, and the two complete trials' curves overlaid.
  const std::string page = read_text(sweep / "report.html");
  CHECK(page.find("3 trials, 2 complete") != std::string::npos);
  CHECK(page.find("training loss became") != std::string::npos);
  CHECK(count(page, "<g class=\"series\"") == 2 * 2);  // accuracy and val_loss charts
  const std::regex link("href=\"([^\"]+)\"");
  int links = 0;
  for (std::sregex_iterator it(page.begin(), page.end(), link), end; it != end; ++it, ++links)
    CHECK_MESSAGE(fs::exists(sweep / (*it)[1].str()), (*it)[1].str());
  CHECK(links == 3);

  // The same sweep again: nothing finished runs again, the failed trial is retried (and fails again).
  const Outcome again =
      run_xp("sweep " + recipe + " --grid 'stages[1].fit.lr=0.01,0.02,1e6' --jobs 2" + out);
  CAPTURE(again.output);
  CHECK(again.exit_code == 1);
  CHECK(again.output.find("3 trials, 1 to run") != std::string::npos);
  const auto retried = nlohmann::json::parse(read_text(sweep / "ledger.json"));
  CHECK(retried["trials"][2]["attempts"] == 2);
  CHECK(retried["trials"][0]["attempts"] == 1);

  // A value added to the grid: the same folder, the old trials keep their numbers, the new one is t3.
  const Outcome extended =
      run_xp("sweep " + recipe + " --grid 'stages[1].fit.lr=0.03,0.01' --fail-fast" + out);
  CAPTURE(extended.output);
  CHECK(extended.exit_code == 0);
  CHECK(extended.output.find("2 trials, 1 to run") != std::string::npos);
  const auto grown = nlohmann::json::parse(read_text(sweep / "ledger.json"));
  REQUIRE(grown["trials"].size() == 4);
  CHECK(grown["trials"][3]["overrides"][0] == "stages[1].fit.lr=0.03");
  CHECK(grown["trials"][3]["state"] == "complete");
}

TEST_CASE(
    "xp sweep: a bad grid value is a recipe error before any trial runs, a missing grid a usage "
    "error") {
  TempDir dir;
  const std::string recipe = write_recipe(dir.path());
  const std::string out = " --out " + (dir.path() / "results").string();
  const Outcome bad = run_xp("sweep " + recipe + " --grid 'stages[0].fit.lr=0.01,-1'" + out);
  CAPTURE(bad.output);
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("stages[0].fit.lr=-1") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() / "results"));
  CHECK(run_xp("sweep " + recipe + out).exit_code == 2);
  CHECK(run_xp("sweep " + recipe + " --grid 'stages[0].fit.lr=[0.01,0.02'" + out).exit_code == 2);
}

TEST_CASE("xp sweep reads the recipe's sweep: block, and xp run ignores it") {
  TempDir dir;
  const std::string recipe = write_recipe(dir.path());
  std::string text = read_text(recipe);
  text += "sweep:\n  grid:\n    seed: [1, 2]\n  jobs: 2\n";
  xp::testing::write_text(recipe, text);
  const std::string out =
      " --out " + (dir.path() / "results").string() + " --set stages[0].fit.cycles=1";
  const Outcome swept = run_xp("sweep " + recipe + out);
  CAPTURE(swept.output);
  CHECK(swept.exit_code == 0);
  CHECK(swept.output.find("2 trials, 2 to run, 2 at a time") != std::string::npos);
  const Outcome single = run_xp("run " + recipe + out);
  CHECK(single.exit_code == 0);
  CHECK(single.output.find("its sweep: block is for xp sweep") != std::string::npos);
}
