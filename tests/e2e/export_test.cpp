// End-to-end: `xp export` — a run's network in PyTorch's formats, rebuilt in Python with
// torchvision by README.md's code (tests/tools/export_predict.py), gives xp predict's
// probabilities on the same images.
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

}  // namespace

TEST_CASE("xp export: torchvision rebuilds the network from .pth and .safetensors files") {
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

  for (const char* format : {"pth", "safetensors"}) {
    CAPTURE(format);
    const fs::path file = dir.path() / (std::string("model.") + format);
    const Outcome exported = run_xp("export " + folder.string() + " --out " + file.string());
    CAPTURE(exported.output);
    REQUIRE(exported.exit_code == 0);
    CHECK(exported.output.find("(resnet18, 3 outputs, 40 px)") != std::string::npos);
    const fs::path torch_csv = dir.path() / (std::string("torch-") + format + ".csv");
    REQUIRE(xp::testing::run_python_tool("export_predict.py",
                                         file.string() + images + " > " + torch_csv.string()) == 0);
    const auto got = torch_probabilities(torch_csv);
    REQUIRE(got.size() == expected.size());
    for (const auto& [path, probs] : expected) {
      CAPTURE(path);
      REQUIRE(got.count(path) == 1);
      for (std::size_t c = 0; c < classes.size(); ++c)
        CHECK(std::abs(got.at(path).at(c) - probs[c]) < 1e-5);
    }
  }

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
