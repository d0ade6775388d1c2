// End-to-end: `xp export` — a run's network in PyTorch's formats, rebuilt in Python with
// torchvision by README.md's code (tests/tools/export_predict.py), or loaded by torch.jit.load
// (TorchScript), gives xp predict's probabilities on the same images.
#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include <map>

#include "tests/e2e/xp_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::e2e;
using xp::testing::TempDir;

namespace {

// export_predict.py's rows (path,p0,p1,…): path → the probabilities in class order.
std::map<std::string, std::vector<double>> torch_probabilities(const fs::path& csv) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& row : csv_rows(csv))
    for (std::size_t column = 1; column < row.size(); ++column)
      out[row[0]].push_back(std::stod(row[column]));
  return out;
}

// Exports `folder` as `format` and runs the file in PyTorch (export_predict.py) on `images`: the
// probabilities must be xp predict's, `expected`.
void check_export_predicts(const fs::path& folder, const std::string& format,
                           const std::string& images,
                           const std::map<std::string, std::vector<double>>& expected,
                           const std::string& summary) {
  CAPTURE(format);
  const fs::path file = folder.parent_path() / (std::string("model.") + format);
  const Outcome exported = run_xp("export " + folder.string() + " --out " + file.string());
  CAPTURE(exported.output);
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.output.find(summary) != std::string::npos);
  const fs::path torch_csv = folder.parent_path() / ("torch-" + format + ".csv");
  REQUIRE(xp::testing::run_python_tool("export_predict.py",
                                       file.string() + images + " > " + torch_csv.string()) == 0);
  const auto got = torch_probabilities(torch_csv);
  REQUIRE(got.size() == expected.size());
  for (const auto& [path, probs] : expected) {
    CAPTURE(path);
    REQUIRE(got.count(path) == 1);
    REQUIRE(got.at(path).size() == probs.size());
    for (std::size_t c = 0; c < probs.size(); ++c)
      CHECK(std::abs(got.at(path)[c] - probs[c]) < 1e-5);
  }
}

}  // namespace

TEST_CASE(
    "xp export: torchvision rebuilds the network from .pth and .safetensors files, and PyTorch "
    "runs "
    "the .torchscript file as it is") {
  TempDir dir;
  xp::testing::write_image_folders(dir.path() / "data", 3, 32, 8, 0);
  const fs::path recipe = dir.path() / "tiny.yaml";
  xp::testing::write_text(recipe,
                          "name: tiny\nseed: 3\nthreads: 1\n"
                          "data: {source: folders, path: data, size: 40, batch_size: 8}\n"
                          "model: {arch: resnet18, xtra_fc: [32]}\n"
                          "stages:\n"
                          "  - fit: {lr: 0.003, cycles: 3, cycle_len: 1}\n");
  const Outcome run =
      run_xp("run " + recipe.string() + " --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "results");

  // Validation images already at the input size (40 px PNGs): no resize, so the Python side
  // needs no copy of xp's resampling to see the same pixels.
  std::string images;
  for (const char* name : {"class0/0", "class1/1", "class2/2", "class2/5"}) {
    const cv::Mat jpeg =
        xp::testing::imread(dir.path() / "data" / "valid" / (std::string(name) + ".jpg"));
    cv::Mat square;
    cv::resize(jpeg, square, cv::Size(40, 40), 0, 0, cv::INTER_AREA);
    const fs::path png = dir.path() / (std::string(name).replace(6, 1, "-") + ".png");
    xp::testing::imwrite(png, square);
    images += " " + png.string();
  }
  const std::vector<std::string> classes = {"class0", "class1", "class2"};
  const fs::path xp_csv = dir.path() / "xp.csv";
  const Outcome predicted = run_xp("predict " + folder.string() + images +
                                   " --top 3 --threads 1 --out " + xp_csv.string());
  CAPTURE(predicted.output);
  REQUIRE(predicted.exit_code == 0);
  const auto expected = predicted_probabilities(xp_csv, classes);
  REQUIRE(expected.size() == 4);

  for (const char* format : {"pth", "safetensors", "torchscript"})
    check_export_predicts(folder, format, images, expected, "(resnet18, 3 outputs, 40 px)");

  // What is not an export: a name without a known extension, a folder that is no run.
  const Outcome no_format =
      run_xp("export " + folder.string() + " --out " + (dir.path() / "model.bin").string());
  CHECK(no_format.exit_code == 2);
  CHECK(no_format.output.find("cannot tell the format") != std::string::npos);
  const Outcome not_a_run =
      run_xp("export " + dir.path().string() + " --out " + (dir.path() / "m.pth").string());
  CHECK(not_a_run.exit_code == 2);
  CHECK(not_a_run.output.find("is not a run folder") != std::string::npos);
}

TEST_CASE("xp export: a TorchScript body exports as TorchScript only, and runs as xp predicts") {
  TempDir dir;
  const std::string recipe = write_recipe(dir.path());
  REQUIRE(xp::testing::run_python_tool("torchvision_reference.py",
                                       "--torchscript " + dir.path().string() + " resnet18") == 0);
  const Outcome run =
      run_xp("run " + recipe + " --set model.arch=torchscript --set model.weights=" +
             (dir.path() / "resnet18-body.pt").string() +
             " --set stages[0].fit.cycles=1 --no-cache --out " + (dir.path() / "results").string());
  CAPTURE(run.output);
  REQUIRE(run.exit_code == 0);
  const fs::path folder = only_run(dir.path() / "results");

  // Two images at the run's input size (32 px): no resampling on either side.
  std::string images;
  for (int idx = 0; idx < 2; ++idx) {
    cv::Mat pixels(32, 32, CV_8UC3);
    cv::randu(pixels, 0, 255);
    const fs::path png = dir.path() / ("random-" + std::to_string(idx) + ".png");
    xp::testing::imwrite(png, pixels);
    images += " " + png.string();
  }
  const std::vector<std::string> classes = {"top", "middle-high", "middle-low", "bottom"};
  const fs::path xp_csv = dir.path() / "xp.csv";
  const Outcome predicted = run_xp("predict " + folder.string() + images +
                                   " --top 4 --threads 1 --out " + xp_csv.string());
  CAPTURE(predicted.output);
  REQUIRE(predicted.exit_code == 0);
  check_export_predicts(folder, "torchscript", images, predicted_probabilities(xp_csv, classes),
                        "(torchscript, 4 outputs, 32 px)");

  // Its tensors have the script's names, not torchvision's: no .pth to rebuild it from.
  const Outcome pth =
      run_xp("export " + folder.string() + " --out " + (dir.path() / "m.pth").string());
  CHECK(pth.exit_code != 0);
  CHECK(pth.output.find("export it with --format torchscript") != std::string::npos);
}
