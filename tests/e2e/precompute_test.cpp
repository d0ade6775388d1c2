// End-to-end: precompute — the head trained on the frozen body's cached activations.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::e2e;
using xp::testing::TempDir;

namespace {

// The tiny IDX dataset with torchvision's resnet18 weights (written at test time), no augmentation.
std::string write_pretrained_recipe(const fs::path& dir, const std::string& stages,
                                    const std::string& data_extra = "") {
  xp::testing::write_tiny_idx_dataset(dir / "data", 64, 8);
  if (!fs::exists(dir / "resnet18.safetensors"))
    REQUIRE(xp::testing::run_python_tool("torchvision_reference.py", dir.string() + " resnet18") ==
            0);
  const fs::path recipe = dir / "tiny.yaml";
  xp::testing::write_text(recipe,
                          "name: tiny\nseed: 7\nthreads: 1\n"
                          "data: {source: idx, path: data, size: 32, batch_size: 16, workers: 2" +
                              data_extra +
                              ",\n"
                              "       classes: [top, middle-high, middle-low, bottom]}\n"
                              "model: {arch: resnet18, xtra_fc: [32], weights: " +
                              (dir / "resnet18.safetensors").string() +
                              "}\n"
                              "stages:\n" +
                              stages);
  return recipe.string();
}

std::vector<std::vector<double>> metric_rows(const fs::path& folder) {
  std::istringstream in(xp::testing::read_text(folder / "metrics.csv"));
  std::vector<std::vector<double>> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<double> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');)
      cells.push_back(std::atof(cell.c_str()));
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST_CASE("precompute trains the head exactly as the frozen body would, and reuses its cache") {
  TempDir dir;
  const std::string stages =
      "  - lr_find: {precompute: true}\n  - fit: {lr: 0.02, cycles: 2, precompute: true}\n";
  const auto recipe = write_pretrained_recipe(dir.path(), stages);
  // --no-cache: the stage cache would skip the second run's stages; this tests the activations' own cache.
  const std::string cache = " --no-cache --cache " + (dir.path() / "cache").string();
  const Outcome first =
      run_xp("run " + recipe + " --out " + (dir.path() / "first").string() + cache);
  CAPTURE(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(first.output.find("precompute  train: 256 activations computed into") != std::string::npos);
  CHECK(first.output.find("precompute  valid: 32 activations computed into") != std::string::npos);
  CHECK(count(first.output, "activations computed") ==
        2);  // the fit reuses what lr_find computed, in memory
  const fs::path first_run = only_run(dir.path() / "first");
  CHECK(fs::exists(first_run / "lr_find.csv"));
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "cache" / "activations"))
    files += entry.path().extension() == ".h5";
  CHECK(files == 2);

  // A second run reads the cache, and trains exactly as the first.
  const Outcome second =
      run_xp("run " + recipe + " --out " + (dir.path() / "second").string() + cache);
  CAPTURE(second.output);
  REQUIRE(second.exit_code == 0);
  CHECK(count(second.output, "activations reused from") == 2);
  CHECK(metrics_without_time(only_run(dir.path() / "second")) == metrics_without_time(first_run));
  const auto run_json =
      nlohmann::json::parse(xp::testing::read_text(only_run(dir.path() / "second") / "run.json"));
  CHECK(run_json["precompute"].size() == 2);
  CHECK(run_json["precompute"][0]["reused"] == true);

  // Without precompute, the same fit runs the frozen body on the images (no augmentation, so the
  // same pixels, and the same batch order): the numbers agree up to float rounding.
  const auto plain = write_pretrained_recipe(dir.path(), "  - fit: {lr: 0.02, cycles: 2}\n");
  const Outcome body = run_xp("run " + plain + " --out " + (dir.path() / "body").string() + cache);
  CAPTURE(body.output);
  REQUIRE(body.exit_code == 0);
  const auto with_cache = metric_rows(first_run);
  const auto through_body = metric_rows(only_run(dir.path() / "body"));
  REQUIRE(with_cache.size() == 2);
  REQUIRE(through_body.size() == 2);
  for (std::size_t row = 0; row < 2; ++row)
    for (std::size_t column = 3; column <= 7;
         ++column) {  // lr, trn_loss, trn_loss_mean, val_loss, accuracy
      CAPTURE(row);
      CAPTURE(column);
      CHECK(with_cache[row][column] == doctest::Approx(through_body[row][column]).epsilon(1e-4));
    }
}

TEST_CASE(
    "precompute never reuses stale activations: a changed split, size or body recomputes them") {
  TempDir dir;
  // Stage 0 caches; stages 1-4 train the body, so stage 5's activations must be new.
  const std::string stages =
      "  - fit: {lr: 0.02, cycles: 1, precompute: true}\n  - unfreeze: {}\n"
      "  - fit: {lr: 0.01, cycles: 1}\n  - freeze: {}\n  - fit: {lr: 0.02, cycles: 1, precompute: "
      "true}\n";
  const auto recipe = write_pretrained_recipe(dir.path(), stages);
  const std::string common = " --no-cache --cache " + (dir.path() / "cache").string() + " --out " +
                             (dir.path() / "results").string();
  const Outcome first = run_xp("run " + recipe + common);
  CAPTURE(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(count(first.output, "train: 256 activations computed") == 2);

  // A smaller training split: new training activations; the validation ones are reused.
  const Outcome fewer = run_xp("run " + recipe + common + " --set data.train_limit=48");
  CAPTURE(fewer.output);
  REQUIRE(fewer.exit_code == 0);
  CHECK(fewer.output.find("train: 48 activations computed") != std::string::npos);
  CHECK(fewer.output.find("valid: 32 activations reused") != std::string::npos);

  // A new size: everything recomputed.
  const Outcome larger = run_xp("run " + recipe + common + " --set data.size=40");
  CAPTURE(larger.output);
  REQUIRE(larger.exit_code == 0);
  CHECK(count(larger.output, "activations reused") == 0);

  // A damaged cache file is reported and rebuilt, never trusted.
  for (const auto& entry : fs::directory_iterator(dir.path() / "cache" / "activations"))
    fs::resize_file(entry.path(), fs::file_size(entry.path()) / 2);
  const Outcome damaged = run_xp("run " + recipe + common);
  CAPTURE(damaged.output);
  REQUIRE(damaged.exit_code == 0);
  CHECK(damaged.output.find("; recomputing") != std::string::npos);
  CHECK(count(damaged.output, "activations reused") == 0);
}

TEST_CASE(
    "precompute on a body that is not frozen is a recipe error, with augmentation a warning") {
  TempDir dir;
  const auto recipe =
      write_recipe(dir.path(), "  - fit: {lr: 0.01, cycles: 1, precompute: true}\n");  // no weights
  const Outcome unfrozen = run_xp("check " + recipe);
  CAPTURE(unfrozen.output);
  CHECK(unfrozen.exit_code == 2);
  CHECK(unfrozen.output.find("tiny.yaml:9:44: error: 'stages[1].fit.precompute'") !=
        std::string::npos);
  CHECK(unfrozen.output.find("every layer group is trainable") != std::string::npos);

  const auto augmented = write_pretrained_recipe(
      dir.path(), "  - fit: {lr: 0.01, cycles: 1, precompute: true}\n", ", augment: side_on");
  const Outcome warned = run_xp("check " + augmented);
  CAPTURE(warned.output);
  CHECK(warned.exit_code == 0);
  CHECK(warned.output.find("warning: 'stages[0].fit.precompute': data.augment has no effect while "
                           "precompute is on") != std::string::npos);
}

TEST_CASE(
    "precompute: two processes racing on one activation file compute it once and train alike") {
  TempDir dir;
  const auto recipe =
      write_pretrained_recipe(dir.path(), "  - fit: {lr: 0.02, cycles: 1, precompute: true}\n");
  // --no-cache: only the activation files are shared, so both runs reach them at the same moment.
  const std::string cache = " --no-cache --cache " + (dir.path() / "cache").string();
  const auto outcomes = run_twice_at_once(recipe + cache, dir.path() / "a", dir.path() / "b");
  const Outcome& first = outcomes.first;
  const Outcome& second = outcomes.second;
  // Each split's file was computed by one process; the other waited for its lock and read it.
  CHECK(count(first.output + second.output, "activations computed into") == 2);
  CHECK(count(first.output + second.output, "activations reused from") == 2);
  CHECK(metric_rows(only_run(dir.path() / "a")).size() == 1);
  CHECK(xp::e2e::metrics_without_time(only_run(dir.path() / "a")) ==
        xp::e2e::metrics_without_time(only_run(dir.path() / "b")));
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() / "cache" / "activations"))
    files += entry.path().extension() == ".h5";
  CHECK(files == 2);
}
