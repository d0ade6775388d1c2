// End-to-end: the shipped seed recipes (recipes/dogscats.yaml, dogbreeds.yaml, planet.yaml) run
// stage by stage on small generated datasets in their layouts, with torchvision-written resnet18
// weights standing in for ImageNet's resnet34 and small images (only --set overrides: the stages
// are the recipes' own).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::e2e;
using xp::testing::TempDir;

namespace {

std::string shipped(const std::string& name) {
  return (fs::path(XP_SOURCE_DIR) / "recipes" / name).string();
}

// Pretrained weights, small images and one thread: what makes a seed recipe take seconds here.
std::string small_run_overrides(const fs::path& dir) {
  if (!fs::exists(dir / "resnet18.safetensors"))
    REQUIRE(xp::testing::run_python_tool("torchvision_reference.py", dir.string() + " resnet18") ==
            0);
  return " --set model.arch=resnet18 --set model.weights=" +
         (dir / "resnet18.safetensors").string() +
         " --set data.size=32 --set data.batch_size=8 --set data.workers=2 --set threads=1";
}

fs::path the_run(const fs::path& results) {
  std::vector<fs::path> names;
  for (const auto& entry : fs::directory_iterator(results))
    if (entry.path().filename().string()[0] != '.') names.push_back(entry.path());  // not .cache
  REQUIRE(names.size() == 1);
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(names[0]))
    if (entry.path().filename() != "latest") runs.push_back(entry.path());
  REQUIRE(runs.size() == 1);
  return runs[0];
}

}  // namespace

TEST_CASE("recipes/dogscats.yaml runs on a generated dogs-vs-cats layout") {
  TempDir dir;
  xp::testing::write_image_folders(dir.path() / "dogscats", 2, 24, 8, 4);
  const std::string overrides = " --set data.path=" + (dir.path() / "dogscats").string() +
                                " --set data.test=test" + small_run_overrides(dir.path());
  const Outcome check = run_xp("check " + shipped("dogscats.yaml") + overrides);
  CAPTURE(check.output);
  REQUIRE(check.exit_code == 0);
  const Outcome run = run_xp("run " + shipped("dogscats.yaml") + overrides + " --out " +
                             (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = the_run(dir.path() / "results");
  CHECK(fs::exists(folder / "checkpoints" / "224_lastlayer.h5"));
  CHECK(fs::exists(folder / "checkpoints" / "224_all.h5"));
  const auto run_json = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  CHECK(run_json["precompute"].size() == 2);
  CHECK(run_json["lr_find"].size() == 1);
  const auto tta = nlohmann::json::parse(xp::testing::read_text(folder / "tta.json"));
  CHECK(tta["tta"]["accuracy"].get<double>() > 0.5);  // two learnable classes
  CHECK(fs::exists(folder / "submission.csv"));
}

TEST_CASE(
    "recipes/dogbreeds.yaml runs on a generated dog-breeds layout, 224 then 299 scaled down") {
  TempDir dir;
  xp::testing::write_csv_dataset(dir.path() / "dogbreeds", "single_label", 60, 3, 5);
  const std::string overrides = " --set data.path=" + (dir.path() / "dogbreeds").string() +
                                small_run_overrides(dir.path()) +
                                " --set data.resize_cache=48 --set stages[4].resize.size=40";
  const Outcome run =
      run_xp("run " + shipped("dogbreeds.yaml") + overrides + " --out " +
             (dir.path() / "results").string() + " --cache " + (dir.path() / "cache").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("resize   images now 40 px") != std::string::npos);
  const fs::path folder = the_run(dir.path() / "results");
  const auto tta = nlohmann::json::parse(xp::testing::read_text(folder / "tta.json"));
  CHECK(tta["tta"]["log_loss"].get<double>() > 0);
  CHECK(tta["test_images"] == 5);
  const std::string submission = xp::testing::read_text(folder / "submission.csv");
  CHECK(submission.rfind("id,class0,class1,class2\n", 0) == 0);
}

TEST_CASE(
    "recipes/planet.yaml runs on a generated planet layout: multi-label, 64 → 128 → 256 scaled "
    "down") {
  TempDir dir;
  xp::testing::write_csv_dataset(dir.path() / "planet", "multi_label", 40, 3, 4);
  const std::string overrides =
      " --set data.path=" + (dir.path() / "planet").string() +
      " --set data.labels=labels.csv --set data.train=train --set data.test=test" +
      small_run_overrides(dir.path()) +
      " --set data.resize_cache=48 --set stages[5].resize.size=36 --set stages[10].resize.size=40";
  const Outcome run =
      run_xp("run " + shipped("planet.yaml") + overrides + " --out " +
             (dir.path() / "results").string() + " --cache " + (dir.path() / "cache").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = the_run(dir.path() / "results");
  const auto tta = nlohmann::json::parse(xp::testing::read_text(folder / "tta.json"));
  CHECK(tta["tta"]["f2"].get<double>() > 0);
  CHECK(tta["tta"]["f2_threshold"].get<double>() >= 0.17);
  CHECK(fs::exists(folder / "checkpoints" / "256.h5"));
  const std::string submission = xp::testing::read_text(folder / "submission.csv");
  CHECK(submission.rfind("image_name,tags\n", 0) == 0);
}
