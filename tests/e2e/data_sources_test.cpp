// End-to-end: each data source on generated data — image folders (with a test split, skipped bad
// images, a class name that is not UTF-8) and the csv layouts (single-label, multi-label,
// regression) — and the recipe errors a data layout can give.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include <sstream>
#include <string>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using xp::testing::TempDir;

using namespace xp::e2e;

namespace {

// The header of metrics.csv.
std::string metrics_header(const fs::path& folder) {
  std::istringstream in(xp::testing::read_text(folder / "metrics.csv"));
  std::string header;
  std::getline(in, header);
  return header;
}

// A csv-layout recipe over `data` (written by write_csv_dataset) with extra data keys.
fs::path write_csv_recipe(const fs::path& dir, const std::string& data_keys, int epochs = 4) {
  const fs::path recipe = dir / "tiny.yaml";
  xp::testing::write_text(
      recipe,
      "name: tiny\n"
      "seed: 3\n"
      "threads: 1\n"
      "data: {source: csv, path: data, labels: labels.csv, suffix: .jpg, size: 32,\n"
      "       batch_size: 8, workers: 2, " +
          data_keys +
          "}\n"
          "model: {arch: resnet18, xtra_fc: [32]}\n"
          "stages:\n"
          "  - fit: {lr: 0.01, cycles: " +
          std::to_string(epochs) + ", cycle_len: 1}\n");
  return recipe;
}

}  // namespace

TEST_CASE("a folders dataset runs end to end, with a test split and skipped bad images") {
  TempDir dir;
  xp::testing::write_image_folders(dir.path() / "data", 3, 32, 8, 6);
  xp::testing::write_text(dir.path() / "data" / "train" / "class0" / "empty.jpg", "");
  // Two that pass the signature check: one above the pixel budget, one that cannot be decoded.
  xp::testing::write_text(dir.path() / "data" / "train" / "class1" / "bomb.png",
                          xp::testing::png_claiming(30000, 30000));
  xp::testing::write_cut_jpeg(dir.path() / "data" / "valid" / "class2" / "cut.jpg", 400);
  const fs::path recipe = dir.path() / "tiny.yaml";
  xp::testing::write_text(
      recipe,
      "name: tiny\n"
      "seed: 3\n"
      "threads: 1\n"
      "data: {source: folders, path: data, test: test, on_bad_image: skip, size: 32,\n"
      "       batch_size: 8, workers: 2, augment: side_on, max_zoom: 1.1}\n"
      "model: {arch: resnet18, xtra_fc: [32]}\n"
      "stages:\n"
      "  - fit: {lr: 0.01, cycles: 4, cycle_len: 1}\n");
  const Outcome run =
      run_xp("run " + recipe.string() + " --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("warning: skipped 3 bad image files") != std::string::npos);
  CHECK(
      run.output.find("decode check  127 images: 127 decoded, 0 verdicts reused, 1 undecodable") !=
      std::string::npos);
  CHECK(run.output.find("data    96 train, 24 valid images, 3 classes") != std::string::npos);
  CHECK(run.output.find("augment=side_on max_zoom=1.1") != std::string::npos);
  const fs::path folder = only_run(dir.path() / "results");
  const std::string skipped = xp::testing::read_text(folder / "skipped.csv");
  CHECK(skipped.find("train,") != std::string::npos);
  CHECK(skipped.find("empty.jpg,is empty (0 bytes)") != std::string::npos);
  CHECK(skipped.find(
            "bomb.png,\"is 30000x30000 = 900000000 pixels, more than data.max_image_pixels") !=
        std::string::npos);
  CHECK(skipped.find("valid,") != std::string::npos);
  CHECK(skipped.find("cut.jpg,cannot be decoded") != std::string::npos);
  const auto run_json = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  CHECK(run_json["classes"] == nlohmann::json({"class0", "class1", "class2"}));
  CHECK(run_json["data"]["test_images"] == 6);
  CHECK(last_accuracy(folder) > 0.5);  // the bars are learnable; chance is 1/3

  const Outcome features = run_xp("features " + recipe.string() + " --split test --out " +
                                  (dir.path() / "t.h5").string());
  CAPTURE(features.output);
  CHECK(features.exit_code == 0);
  CHECK(features.output.find("features 6 test images") != std::string::npos);
  CHECK(xp::testing::run_python_tool("check_h5_keys.py",
                                     (dir.path() / "t.h5").string() + " features labels") == 0);
}

TEST_CASE("a class folder whose name is not UTF-8 trains, and run.json and status.json record it") {
  TempDir dir;
  xp::testing::write_image_folders(dir.path() / "data", 2, 8, 2);
  for (const char* split : {"train", "valid"})  // a Latin-1 name, as old archives have them
    fs::rename(dir.path() / "data" / split / "class1", dir.path() / "data" / split / "caf\xe9");
  const fs::path recipe = dir.path() / "tiny.yaml";
  xp::testing::write_text(
      recipe,
      "name: tiny\n"
      "threads: 1\n"
      "data: {source: folders, path: data, size: 32, batch_size: 8, workers: 1}\n"
      "model: {arch: resnet18, xtra_fc: []}\n"
      "stages:\n"
      "  - fit: {lr: 0.01}\n");
  const Outcome run =
      run_xp("run " + recipe.string() + " --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "results");
  CHECK(nlohmann::json::parse(xp::testing::read_text(folder / "status.json"))["state"] ==
        "COMPLETE");
  // Before, writing run.json threw on the name, and so did writing FAILED: the folder said RUNNING.
  const auto run_json = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  CHECK(run_json["classes"] == nlohmann::json({"caf\xef\xbf\xbd", "class0"}));
}

TEST_CASE(
    "a csv dataset (dog breeds layout) runs end to end: fastai's validation split, a test folder") {
  TempDir dir;
  xp::testing::write_csv_dataset(dir.path() / "data", "single_label", 120, 3, 5);
  const fs::path recipe =
      write_csv_recipe(dir.path(), "test: test, augment: side_on, resize_cache: 40");
  const fs::path results = dir.path() / "results";
  const Outcome data = run_xp("data " + recipe.string() + " --out " + results.string() +
                              " --cache " + (results / ".cache").string());
  CAPTURE(data.output);
  REQUIRE(data.exit_code == 0);
  CHECK(data.output.find("target   single_label") != std::string::npos);
  CHECK(data.output.find("valid    24 images: class0 ") != std::string::npos);  // int(0.2 · 120)
  CHECK(data.output.find("test     5 unlabelled images") != std::string::npos);
  CHECK(data.output.find("written, 0 reused") != std::string::npos);
  CHECK(data.output.find("pixels   mean ") != std::string::npos);
  // The data report: every image's size, the histograms, the augmentation preview, a summary.
  const fs::path report = results / "tiny-data";
  const auto summary = nlohmann::json::parse(xp::testing::read_text(report / "data.json"));
  CHECK(summary["splits"]["train"]["images"] == 96);
  CHECK(summary["channel_mean"].size() == 3);
  const std::string sizes = xp::testing::read_text(report / "sizes.csv");
  CHECK(std::count(sizes.begin(), sizes.end(), '\n') == 1 + 120 + 5);
  CHECK(fs::file_size(report / "sizes.png") > 1000);
  CHECK(fs::file_size(report / "augment_preview.png") > 1000);

  const Outcome run = run_xp("run " + recipe.string() + " --out " + results.string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("data    96 train, 24 valid images, 3 classes (single_label)") !=
        std::string::npos);
  CHECK(run.output.find(" 0 written, ") !=
        std::string::npos);  // the copies `xp data` wrote are reused
  const fs::path folder = only_run(results);
  const auto run_json = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  CHECK(run_json["target"] == "single_label");
  CHECK(run_json["resize_cache"]["reused"].get<int>() > 0);
  CHECK(run_json["classes"] == nlohmann::json({"class0", "class1", "class2"}));
  CHECK(last_accuracy(folder) > 0.5);  // chance is 1/3
}

TEST_CASE(
    "a multi-label csv dataset (planet layout) trains a sigmoid head and reports accuracy_thresh") {
  TempDir dir;
  xp::testing::write_csv_dataset(dir.path() / "data", "multi_label", 140, 3);
  const fs::path recipe = write_csv_recipe(dir.path(), "augment: top_down, max_zoom: 1.05", 6);
  const Outcome data = run_xp("data " + recipe.string());
  CAPTURE(data.output);
  REQUIRE(data.exit_code == 0);
  CHECK(data.output.find("target   multi_label") != std::string::npos);
  const Outcome run =
      run_xp("run " + recipe.string() + " --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("3 classes (multi_label)") != std::string::npos);
  const fs::path folder = only_run(dir.path() / "results");
  CHECK(metrics_header(folder) ==
        "stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss,accuracy_thresh,seconds");
  // Each label is present in 4 of 7 images: always answering "present" scores 4/7 = 0.571, which a
  // softmax head or misread targets would not beat. A random-init body on 112 images with a restart
  // every epoch ends anywhere in 0.69–0.93 (seeds 1–5, one CPU), so the last epoch must beat the
  // constant answer and the best epoch must be clearly above it (0.81–0.93 seen).
  double best = 0;
  for (std::size_t row = 0; row < 6; ++row) best = std::max(best, accuracy_of_row(folder, row));
  CHECK(best >= 0.75);
  CHECK(last_accuracy(folder) > 4.0 / 7.0);

  // xp predict on a multi-label run: the tags over the threshold (0.5: the run found no F2
  // threshold, and says so), then each class's probability.
  const fs::path csv = dir.path() / "tags.csv";
  const Outcome predicted =
      run_xp("predict " + folder.string() + " " + (dir.path() / "data" / "train").string() +
             " --out " + csv.string());
  CAPTURE(predicted.output);
  REQUIRE(predicted.exit_code == 0);
  CHECK(predicted.output.find("tags use 0.5") != std::string::npos);
  const auto rows = csv_rows(csv);
  REQUIRE(rows.size() == 1 + 140);
  REQUIRE(rows[0].size() == 2 + 3);
  CHECK(rows[0][1] == "tags");
  for (std::size_t row = 1; row < rows.size(); ++row) {
    std::string tags;
    for (std::size_t c = 2; c < rows[row].size(); ++c)
      if (std::stod(rows[row][c]) > 0.5) tags += (tags.empty() ? "" : " ") + rows[0][c];
    CHECK(rows[row][1] == tags);
  }
}

TEST_CASE("a regression csv dataset trains an L1 head and reports mse") {
  TempDir dir;
  xp::testing::write_csv_dataset(dir.path() / "data", "regression", 120);
  const fs::path recipe = write_csv_recipe(dir.path(), "target: regression", 8);
  const Outcome run =
      run_xp("run " + recipe.string() + " --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("1 value (regression)") != std::string::npos);
  const fs::path folder = only_run(dir.path() / "results");
  CHECK(metrics_header(folder) ==
        "stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss,mse,seconds");
  // Values are uniform on [0, 1]: always answering the mean scores an mse of 1/12 = 0.083. The
  // best epoch is well below it (0.024 with LibTorch 2.9.1, below 0.04 with 1.13); the last one
  // may rise again on 24 validation images (0.10 after 0.027 with 2.9.1): not what is tested.
  double best = INFINITY;
  for (std::size_t row = 0; row < 8; ++row) best = std::min(best, accuracy_of_row(folder, row));
  CHECK(best < 0.04);

  // xp predict on a regression run: the value, one column per target column.
  const Outcome predicted =
      run_xp("predict " + folder.string() + " " + (dir.path() / "data" / "train").string());
  CAPTURE(predicted.output);
  REQUIRE(predicted.exit_code == 0);
  const auto run_json = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  CHECK(predicted.output.find("path," + run_json["classes"][0].get<std::string>() + "\n") !=
        std::string::npos);
}

TEST_CASE(
    "csv recipe errors: a missing labels file, csv keys under another source, a bad CSV row") {
  TempDir dir;
  xp::testing::write_csv_dataset(dir.path() / "data", "single_label", 10, 2);
  const fs::path recipe = dir.path() / "tiny.yaml";
  xp::testing::write_text(recipe,
                          "name: tiny\ndata: {source: csv, path: data, labels: label.csv}\n"
                          "model: {arch: resnet18}\nstages:\n  - fit: {lr: 0.01}\n");
  Outcome check = run_xp("check " + recipe.string());
  CAPTURE(check.output);
  CHECK(check.exit_code == 2);
  CHECK(check.output.find("tiny.yaml:2:41: error: 'data.labels': expected the labels CSV '") !=
        std::string::npos);

  xp::testing::write_text(recipe,
                          "name: tiny\ndata: {source: folders, path: data, suffix: .jpg}\n"
                          "model: {arch: resnet18}\nstages:\n  - fit: {lr: 0.01}\n");
  check = run_xp("check " + recipe.string());
  CAPTURE(check.output);
  CHECK(check.exit_code == 2);
  CHECK(check.output.find("'data.suffix' applies to source csv only, not folders") !=
        std::string::npos);

  xp::testing::write_text(dir.path() / "data" / "labels.csv",
                          "id,tags\nimg0,class0\nimg0,class1\n");
  const fs::path good = write_csv_recipe(dir.path(), "workers: 1");
  const Outcome run = run_xp("data " + good.string());
  CAPTURE(run.output);
  CHECK(run.exit_code != 0);
  CHECK(run.output.find("labels.csv:3': id 'img0' repeats line 2") != std::string::npos);
}

TEST_CASE("a folders recipe with a missing split folder is a recipe error naming it") {
  TempDir dir;
  xp::testing::write_image_folders(dir.path() / "data", 2, 2, 1);
  const fs::path recipe = dir.path() / "tiny.yaml";
  xp::testing::write_text(recipe,
                          "name: tiny\ndata: {source: folders, path: data, valid: validation}\n"
                          "model: {arch: resnet18}\nstages:\n  - fit: {lr: 0.01}\n");
  const Outcome check = run_xp("check " + recipe.string());
  CAPTURE(check.output);
  CHECK(check.exit_code == 2);
  CHECK(check.output.find("tiny.yaml:2:44: error: 'data.valid': expected the folder") !=
        std::string::npos);
  CHECK(check.output.find("validation' (<path>/<split>/<class>/<image>), which does not exist") !=
        std::string::npos);
}
