// xp's whole-split scores and TTA combination against tests/tools/scores_reference.py: scikit-learn's
// log_loss and fbeta_score(average='samples'), planet's f2 threshold search and fastai's TTA
// averaging, written out in NumPy from their definitions, on seeded random predictions.
#include <doctest/doctest.h>

#include <torch/torch.h>

#include <map>
#include <sstream>

#include "core/train/scores.h"
#include "core/train/tta.h"
#include "tests/test_support.h"

using namespace xp;

namespace {

std::map<std::string, std::vector<double>> read_reference(const std::filesystem::path& path) {
  std::map<std::string, std::vector<double>> out;
  std::istringstream lines(testing::read_text(path));
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    std::istringstream values(line.substr(colon + 1));
    auto& numbers = out[line.substr(0, colon)];
    for (double value; values >> value;) numbers.push_back(value);
  }
  return out;
}

torch::Tensor matrix(const std::vector<double>& values, std::int64_t columns) {
  return torch::tensor(values, torch::kFloat64).reshape({-1, columns});
}

}  // namespace

TEST_CASE("scores and TTA equal scikit-learn's and fastai's definitions computed with NumPy") {
  testing::TempDir dir;
  const auto out = dir.path() / "scores.txt";
  REQUIRE(testing::run_python_tool("scores_reference.py", out.string()) == 0);
  auto reference = read_reference(out);
  constexpr std::int64_t kClasses = 5;
  const torch::Tensor single = matrix(reference["single_probs"], kClasses);
  const torch::Tensor single_labels = torch::tensor(reference["single_labels"]).to(torch::kInt64);
  const torch::Tensor multi = matrix(reference["multi_probs"], kClasses);
  const torch::Tensor multi_labels =
      matrix(reference["multi_labels"], kClasses).to(torch::kFloat32);

  CHECK(train::accuracy(single, single_labels) == doctest::Approx(reference["accuracy"][0]));
  CHECK(train::log_loss(single, single_labels) ==
        doctest::Approx(reference["log_loss"][0]).epsilon(1e-6));
  CHECK(train::fbeta_samples(multi, multi_labels, 0.2, 2.0) ==
        doctest::Approx(reference["f2_at_0.2"][0]).epsilon(1e-9));
  CHECK(train::fbeta_samples(multi, multi_labels, 0.5, 2.0) ==
        doctest::Approx(reference["f2_at_0.5"][0]).epsilon(1e-9));
  const train::F2Score f2 = train::planet_f2(multi, multi_labels);
  CHECK(f2.score == doctest::Approx(reference["planet_f2"][0]).epsilon(1e-9));
  CHECK(f2.threshold == doctest::Approx(reference["planet_f2"][1]));

  std::vector<torch::Tensor> augmented;
  for (int pass = 0; pass < 6; ++pass)
    augmented.push_back(matrix(reference["aug" + std::to_string(pass)], kClasses));
  const std::vector<torch::Tensor> four(augmented.begin(), augmented.begin() + 4);
  const auto close = [](const torch::Tensor& got, const std::vector<double>& want) {
    return torch::allclose(got.to(torch::kFloat64), matrix(want, kClasses), 1e-5, 1e-7);
  };
  CHECK(close(train::combine_tta(single, four, {4, std::nullopt}), reference["tta_v07_n4"]));
  CHECK(close(train::combine_tta(single, augmented, {6, std::nullopt}), reference["tta_v07_n6"]));
  CHECK(close(train::combine_tta(single, four, {4, 0.25}), reference["tta_v2_beta025"]));
}
