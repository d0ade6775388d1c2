// End-to-end: `xp predict RUN_FOLDER PATH…` — a finished run used as fastai's load_learner +
// predict on images it has not seen in that form: the run's own validation predictions and TTA
// scores come back, from a copy of the run folder whose data has moved, and files that cannot be
// read are listed and skipped.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <sstream>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::e2e;
using xp::testing::TempDir;

using Probabilities = std::map<std::string, std::vector<double>>;  // file name → per class

TEST_CASE("xp predict gives a run's own predictions and TTA scores, from a copied run folder") {
  TempDir dir;
  xp::testing::write_image_folders(dir.path() / "data", 3, 32, 8, 0);
  const fs::path recipe = dir.path() / "tiny.yaml";
  xp::testing::write_text(recipe,
                          "name: tiny\nseed: 3\nthreads: 1\n"
                          "data: {source: folders, path: data, size: 32,\n"
                          "       batch_size: 8, workers: 2, augment: side_on, max_zoom: 1.1}\n"
                          "model: {arch: resnet18, xtra_fc: [32]}\n"
                          "stages:\n"
                          "  - fit: {lr: 0.003, cycles: 3, cycle_len: 1}\n"
                          "  - resize: {size: 40, batch_size: 12}\n"
                          "  - tta: {n_aug: 2}\n"
                          "  - predict: {}\n");
  const Outcome run =
      run_xp("run " + recipe.string() + " --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "results");
  const std::vector<std::string> classes = {"class0", "class1", "class2"};

  // The run's own plain predictions of its validation images (predictions.csv, written last).
  Probabilities expected;
  const auto rows = csv_rows(folder / "predictions.csv");
  REQUIRE(rows.size() == 1 + 24);
  std::string list;
  for (std::size_t row = 1; row < rows.size(); ++row) {
    expected[rows[row][0]] = {std::stod(rows[row][3]), std::stod(rows[row][4]),
                              std::stod(rows[row][5])};
    list += rows[row][0] + "\n";
  }

  // A copy of the run folder, the data moved away: nothing of the run's paths is needed.
  const fs::path copy = dir.path() / "elsewhere" / "run";
  fs::create_directories(copy.parent_path());
  fs::copy(folder, copy, fs::copy_options::recursive);
  fs::rename(dir.path() / "data", dir.path() / "moved");
  const fs::path images = dir.path() / "moved";
  xp::testing::write_text(images / "valid.txt", list);  // paths relative to the list's folder

  const fs::path plain_csv = dir.path() / "plain.csv";
  const Outcome plain = run_xp("predict " + copy.string() + " " + (images / "valid").string() +
                               " --top 3 --threads 1 --out " + plain_csv.string());
  CAPTURE(plain.output);
  REQUIRE(plain.exit_code == 0);
  CHECK(plain.output.find("predict  24 images in ") != std::string::npos);
  CHECK(plain.output.find("batch 12, cpu, 40 px") != std::string::npos);  // after the resize
  const Probabilities got = predicted_probabilities(plain_csv, classes, (images / "").string());
  REQUIRE(got.size() == expected.size());
  for (const auto& [id, probs] : expected) {
    CAPTURE(id);
    REQUIRE(got.count(id) == 1);
    for (std::size_t c = 0; c < 3; ++c)
      CHECK(got.at(id)[c] == doctest::Approx(probs[c]).epsilon(1e-5));
  }
  // The CSV's layout: the most probable class first.
  const auto plain_rows = csv_rows(plain_csv);
  CHECK(plain_rows[0] == std::vector<std::string>{"path", "class_1", "probability_1", "class_2",
                                                  "probability_2", "class_3", "probability_3"});
  CHECK(std::stod(plain_rows[1][2]) >= std::stod(plain_rows[1][4]));

  // --tta on the same images in the run's order (the draws are keyed by the image's position):
  // the accuracy and log loss tta.json reports.
  const fs::path tta_csv = dir.path() / "tta.csv";
  const Outcome tta = run_xp("predict " + copy.string() + " " + (images / "valid.txt").string() +
                             " --tta --top 3 --threads 1 --out " + tta_csv.string());
  CAPTURE(tta.output);
  REQUIRE(tta.exit_code == 0);
  CHECK(tta.output.find("24 images x 3 passes") != std::string::npos);
  const Probabilities augmented = predicted_probabilities(tta_csv, classes, (images / "").string());
  double log_loss = 0;
  int correct = 0;
  for (const auto& [id, probs] : augmented) {
    const std::size_t actual = static_cast<std::size_t>(id.at(id.find("class") + 5) - '0');
    log_loss -= std::log(probs[actual]);
    correct += std::max_element(probs.begin(), probs.end()) - probs.begin() ==
               static_cast<std::ptrdiff_t>(actual);
  }
  const auto tta_json = nlohmann::json::parse(xp::testing::read_text(folder / "tta.json"));
  CHECK(tta_json["tta"]["log_loss"].get<double>() == doctest::Approx(log_loss / 24).epsilon(1e-4));
  CHECK(tta_json["tta"]["accuracy"].get<double>() == doctest::Approx(correct / 24.0));
}

TEST_CASE("xp predict lists and skips files it cannot read, and refuses what is not a run") {
  TempDir dir;
  const std::string recipe = write_recipe(dir.path());
  const Outcome run = run_xp("run " + recipe + " --set stages[0].fit.cycles=1 --out " +
                             (dir.path() / "results").string());
  REQUIRE(run.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "results");

  const fs::path images = dir.path() / "images";
  xp::testing::write_image_folders(images, 2, 2, 0, 0);  // train/class0, train/class1: 4 images
  xp::testing::write_text(images / "broken.jpg", "not a jpeg");
  xp::testing::write_text(dir.path() / "list.txt",
                          "# new photos\nimages/train/class0/0.jpg\n"
                          "gone.jpg\n\n");
  const fs::path csv = dir.path() / "out.csv";
  const Outcome outcome = run_xp("predict " + folder.string() + " " + images.string() + " " +
                                 (dir.path() / "list.txt").string() + " --out " + csv.string());
  CAPTURE(outcome.output);
  REQUIRE(outcome.exit_code == 0);
  CHECK(outcome.output.find("skipped 2 file(s) that cannot be read") != std::string::npos);
  CHECK(outcome.output.find("broken.jpg") != std::string::npos);
  CHECK(outcome.output.find((dir.path() / "gone.jpg").string()) != std::string::npos);
  const auto rows = csv_rows(csv);
  CHECK(rows.size() == 1 + 5);  // the 4 images of the folder and the list's one readable file
  CHECK(rows[0] == std::vector<std::string>{"path", "class_1", "probability_1"});

  // Without --out the CSV goes to stdout.
  const Outcome to_stdout = run_xp("predict " + folder.string() + " " +
                                   (images / "train" / "class1").string() + " --top 2");
  CHECK(to_stdout.exit_code == 0);
  CHECK(to_stdout.output.find("path,class_1,probability_1,class_2,probability_2\n") !=
        std::string::npos);

  // Nothing readable: the run fails (exit 1) and says why.
  const Outcome all_bad =
      run_xp("predict " + folder.string() + " " + (images / "broken.jpg").string());
  CHECK(all_bad.exit_code == 1);
  CHECK(all_bad.output.find("none of the 1 files could be read") != std::string::npos);

  // Command-line mistakes: exit 2, naming what is wrong.
  const Outcome missing =
      run_xp("predict " + folder.string() + " " + (dir.path() / "nothing").string());
  CHECK(missing.exit_code == 2);
  CHECK(missing.output.find("nothing' does not exist") != std::string::npos);
  const Outcome not_a_run = run_xp("predict " + images.string() + " " + images.string());
  CHECK(not_a_run.exit_code == 2);
  CHECK(not_a_run.output.find("is not a run folder") != std::string::npos);
  fs::remove(folder / "model.h5");
  const Outcome unfinished = run_xp("predict " + folder.string() + " " + images.string());
  CHECK(unfinished.exit_code == 2);
  CHECK(unfinished.output.find("has no model.h5") != std::string::npos);
  const Outcome no_checkpoint =
      run_xp("predict " + folder.string() + " " + images.string() + " --checkpoint nope");
  CHECK(no_checkpoint.exit_code == 2);
  CHECK(no_checkpoint.output.find("has no checkpoint 'nope'") != std::string::npos);
}
