// End-to-end: progressive resizing, TTA and predictions — the last stages of the lesson's recipe —
// on generated folders with a test split, checked through the files a user would open.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::e2e;
using xp::testing::TempDir;

TEST_CASE(
    "fit, tta, resize, fit, predict: scores without and with TTA, predictions, a Kaggle "
    "submission") {
  TempDir dir;
  xp::testing::write_image_folders(dir.path() / "data", 3, 32, 8, 6);
  const fs::path recipe = dir.path() / "tiny.yaml";
  xp::testing::write_text(recipe,
                          "name: tiny\nseed: 3\nthreads: 1\n"
                          "data: {source: folders, path: data, test: test, size: 32,\n"
                          "       batch_size: 8, workers: 2, augment: side_on, max_zoom: 1.1}\n"
                          "model: {arch: resnet18, xtra_fc: [32]}\n"
                          "stages:\n"
                          "  - fit: {lr: 0.01, cycles: 3, cycle_len: 1}\n"
                          "  - tta: {}\n"
                          "  - resize: {size: 40, batch_size: 12}\n"
                          "  - fit: {lr: 0.01, cycles: 1}\n"
                          "  - predict: {}\n");
  const Outcome run =
      run_xp("run " + recipe.string() + " --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("resize   images now 40 px, batch size 12; head only trains") !=
        std::string::npos);
  const fs::path folder = only_run(dir.path() / "results");

  // tta.json: both passes scored on the 24 validation images; the plain pass is the fit's own
  // validation (the same images, transform and weights), so its log loss is the last val_loss.
  const auto tta = nlohmann::json::parse(xp::testing::read_text(folder / "tta.json"));
  CHECK(tta["n_aug"] == 4);
  CHECK(tta["valid_images"] == 24);
  for (const char* pass : {"plain", "tta"}) {
    CHECK(tta[pass]["accuracy"].get<double>() >= 0.0);
    CHECK(tta[pass]["log_loss"].get<double>() > 0.0);
  }
  const auto metrics = csv_rows(folder / "metrics.csv");
  REQUIRE(metrics.size() == 1 + 3 + 1);
  CHECK(tta["plain"]["log_loss"].get<double>() ==
        doctest::Approx(std::stod(metrics[3][6])).epsilon(1e-5));
  CHECK(tta["plain"]["accuracy"].get<double>() == doctest::Approx(std::stod(metrics[3][7])));
  CHECK(metrics[4][1] == "fit");  // the fit after resize

  // predictions.csv (written last by `predict`): one row per validation image, probabilities that
  // sum to one, whose log loss and accuracy are what run.json reports.
  const auto predictions = csv_rows(folder / "predictions.csv");
  REQUIRE(predictions.size() == 1 + 24);
  CHECK(predictions[0] ==
        std::vector<std::string>{"id", "actual", "predicted", "class0", "class1", "class2"});
  double log_loss = 0;
  int correct = 0;
  for (std::size_t row = 1; row < predictions.size(); ++row) {
    const auto& cells = predictions[row];
    double sum = 0;
    for (std::size_t column = 3; column < 6; ++column) sum += std::stod(cells[column]);
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-4));
    const int actual = cells[1].back() - '0';
    log_loss -= std::log(std::stod(cells[3 + static_cast<std::size_t>(actual)]));
    correct += cells[1] == cells[2];
  }
  const auto run_json = nlohmann::json::parse(xp::testing::read_text(folder / "run.json"));
  REQUIRE(run_json["predict"].size() == 1);
  CHECK(run_json["predict"][0]["scores"]["log_loss"].get<double>() ==
        doctest::Approx(log_loss / 24).epsilon(1e-4));
  CHECK(run_json["predict"][0]["scores"]["accuracy"].get<double>() ==
        doctest::Approx(correct / 24.0));
  CHECK(run_json["tta"].size() == 1);

  // confusion.csv: 3×3 counts of the 24 images, its diagonal the correct ones.
  const auto confusion = csv_rows(folder / "confusion.csv");
  REQUIRE(confusion.size() == 4);
  int total = 0, diagonal = 0;
  for (std::size_t row = 1; row < 4; ++row)
    for (std::size_t column = 1; column < 4; ++column) {
      total += std::stoi(confusion[row][column]);
      if (row == column) diagonal += std::stoi(confusion[row][column]);
    }
  CHECK(total == 24);
  CHECK(diagonal == correct);
  CHECK(fs::file_size(folder / "confusion.png") > 1000);
  CHECK(fs::file_size(folder / "top_losses.png") > 1000);

  // submission.csv: Kaggle's dog-breed format, one row per test image named without its extension.
  const auto submission = csv_rows(folder / "submission.csv");
  REQUIRE(submission.size() == 1 + 6);
  CHECK(submission[0] == std::vector<std::string>{"id", "class0", "class1", "class2"});
  CHECK(submission[1][0].find(".jpg") == std::string::npos);
}

TEST_CASE("TTA is deterministic, and its v2 weighting is an option") {
  TempDir dir;
  const auto recipe = write_recipe(dir.path(), "  - tta: {n_aug: 2, beta: 0.25}\n");
  const std::string augment = " --set data.augment=side_on --set stages[0].fit.cycles=1";
  const Outcome first = run_xp("run " + recipe + augment + " --out " + (dir.path() / "a").string());
  CAPTURE(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(first.output.find("tta      tta    accuracy ") != std::string::npos);
  const Outcome second =
      run_xp("run " + recipe + augment + " --out " + (dir.path() / "b").string());
  REQUIRE(second.exit_code == 0);
  const auto a =
      nlohmann::json::parse(xp::testing::read_text(only_run(dir.path() / "a") / "tta.json"));
  const auto b =
      nlohmann::json::parse(xp::testing::read_text(only_run(dir.path() / "b") / "tta.json"));
  CHECK(a["tta"] == b["tta"]);
  CHECK(a["combine"].get<std::string>().find("beta=0.25") != std::string::npos);
  CHECK(xp::testing::read_text(only_run(dir.path() / "a") / "predictions.csv") ==
        xp::testing::read_text(only_run(dir.path() / "b") / "predictions.csv"));

  // Without augmentation the augmented passes would equal the plain one: xp check says so.
  const Outcome plain = run_xp("check " + recipe);
  CHECK(plain.output.find("warning: 'stages[1].tta': tta with data.augment: none") !=
        std::string::npos);
}

TEST_CASE("resize beyond the resize cache's size is a recipe error") {
  TempDir dir;
  xp::testing::write_image_folders(dir.path() / "data", 3, 4, 2);
  const fs::path recipe = dir.path() / "tiny.yaml";
  xp::testing::write_text(
      recipe,
      "name: tiny\n"
      "data: {source: folders, path: data, size: 32, resize_cache: 48, max_zoom: 1.1}\n"
      "model: {arch: resnet18}\n"
      "stages:\n"
      "  - resize: {size: 40}\n"
      "  - resize: {size: 48}\n");
  const Outcome check = run_xp("check " + recipe.string());
  CAPTURE(check.output);
  CHECK(check.exit_code == 2);
  CHECK(check.output.find("tiny.yaml:6:20: error: 'stages[1].resize.size': size 48 needs images of "
                          "at least 52.8 px "
                          "(size x max_zoom) but data.resize_cache shrinks them to 48") !=
        std::string::npos);
  CHECK(check.output.find("stages[0]") == std::string::npos);  // 40 x 1.1 = 44 fits
}
