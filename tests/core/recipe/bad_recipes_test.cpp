// Data-driven recipe error tests (shared/STYLE.md R24): every file in tests/recipes/bad/ declares
// the errors it must produce in comments:
//   # expect: LINE:COL: message substring       (one line per expected diagnostic, in order)
//   # set: KEY=VALUE                             (optional overrides to apply)
// `@DATA@` in a file is replaced by a generated tiny dataset folder. Every file in
// tests/recipes/good/ must load and plan without error.
#include <doctest/doctest.h>

#include <map>

#include <regex>

#include "core/pipeline/plan.h"
#include "core/pipeline/registry.h"
#include "core/recipe/recipe.h"
#include "tests/test_support.h"

using namespace xp;
namespace fs = std::filesystem;

namespace {

struct Expectation {
  int line;
  int column;
  std::string message;
};

std::string substitute(std::string text, const std::string& data) {
  for (auto at = text.find("@DATA@"); at != std::string::npos; at = text.find("@DATA@", at))
    text.replace(at, 6, data);
  return text;
}

pipeline::Plan plan_from(const std::string& name, const std::string& text,
                         const std::vector<std::string>& sets) {
  pipeline::StageRegistry registry;
  pipeline::register_builtin_stages(registry);
  return pipeline::make_plan(recipe::parse_recipe(name, text, sets), registry);
}

std::vector<fs::path> yaml_files(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("every recipe in tests/recipes/bad fails with its expected diagnostics") {
  testing::TempDir dir;
  testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const auto files = yaml_files(fs::path(XP_SOURCE_DIR) / "tests/recipes/bad");
  REQUIRE(files.size() >= 10);
  const std::regex expect_re(R"(#\s*expect:\s*(\d+):(\d+):\s*(.*))");
  const std::regex set_re(R"(#\s*set:\s*(\S+))");
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    const std::string text = substitute(testing::read_text(file), dir.path().string());
    std::vector<Expectation> expected;
    std::vector<std::string> sets;
    std::smatch match;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (std::regex_search(line, match, expect_re))
        expected.push_back({std::stoi(match[1]), std::stoi(match[2]), match[3]});
      else if (std::regex_search(line, match, set_re))
        sets.push_back(match[1]);
    }
    REQUIRE_FALSE(expected.empty());
    try {
      plan_from(file.filename().string(), text, sets);
      FAIL("no error for ", file.filename().string());
    } catch (const recipe::RecipeError& error) {
      const auto& diagnostics = error.diagnostics();
      const std::string rendered = error.what();
      CAPTURE(rendered);
      REQUIRE(diagnostics.size() == expected.size());
      for (std::size_t idx = 0; idx < expected.size(); ++idx) {
        CHECK(diagnostics[idx].loc.line == expected[idx].line);
        CHECK(diagnostics[idx].loc.column == expected[idx].column);
        CHECK(diagnostics[idx].message.find(expected[idx].message) != std::string::npos);
      }
    }
  }
}

TEST_CASE("every recipe in tests/recipes/good and recipes/ loads and plans") {
  testing::TempDir dir;
  testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  std::vector<fs::path> files = yaml_files(fs::path(XP_SOURCE_DIR) / "tests/recipes/good");
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    const std::string text = substitute(testing::read_text(file), dir.path().string());
    CHECK_NOTHROW(plan_from(file.filename().string(), text, {}));
  }
  // The shipped recipes, with their data pointed at tiny datasets in their layouts (the seed
  // recipes run end to end in tests/e2e/seed_recipes_test.cpp).
  testing::TempDir data;
  testing::write_tiny_idx_dataset(data.path() / "idx", 2, 1, 4, 28, "t10k");
  testing::write_image_folders(data.path() / "folders", 2, 2, 1, 1);
  testing::write_csv_dataset(data.path() / "csv", "single_label", 10, 3, 2);
  testing::write_csv_dataset(data.path() / "multi", "multi_label", 10, 3, 2);
  // Planning checks that the weights file exists; reading it is the run's job.
  const std::string weights = "model.weights=" + (data.path() / "resnet34.pth").string();
  testing::write_text(data.path() / "resnet34.pth", "");
  const std::map<std::string, std::vector<std::string>> overrides = {
      {"quickstart.yaml", {"data.path=" + (data.path() / "idx").string()}},
      {"fashion-pretrain.yaml", {"data.path=" + (data.path() / "idx").string()}},
      {"fashion-transfer.yaml", {"data.path=" + (data.path() / "idx").string(), weights}},
      {"fashion-scratch.yaml", {"data.path=" + (data.path() / "idx").string()}},
      {"dogscats.yaml",
       {"data.path=" + (data.path() / "folders").string(), "data.test=test", weights}},
      {"dogbreeds.yaml", {"data.path=" + (data.path() / "csv").string(), weights}},
      {"planet.yaml",
       {"data.path=" + (data.path() / "multi").string(), "data.labels=labels.csv",
        "data.train=train", "data.test=test", weights}}};
  for (const auto& file : yaml_files(fs::path(XP_SOURCE_DIR) / "recipes")) {
    CAPTURE(file.filename().string());
    const auto found = overrides.find(file.filename().string());
    REQUIRE_MESSAGE(found != overrides.end(), "a new shipped recipe: give it a tiny dataset here");
    const auto recipe_file = recipe::Document::load(file, found->second);
    CHECK_NOTHROW(plan_from(file.string(), recipe_file.to_yaml(), {}));
  }
}

TEST_CASE(
    "cycle_mult without cycle_len is fastai 0.7's: a constant LR for sum_geom(1, mult, cycles) "
    "epochs, with a warning") {
  testing::TempDir dir;
  testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const std::string text =
      "name: x\ndata: {source: idx, path: \"" + dir.path().string() +
      "\"}\nmodel: {arch: resnet18}\nstages:\n  - fit: {lr: 0.01, cycles: 3, cycle_mult: 2}\n";
  const pipeline::Plan plan = plan_from("m.yaml", text, {});
  CHECK(plan.stages.at(0).stage->epochs() == 7);  // 1 + 2 + 4, as fastai's fit(lr, 3, cycle_mult=2)
  CHECK(plan.stages.at(0).stage->describe().find("constant") != std::string::npos);
  const auto warnings = plan.rendered_warnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("without cycle_len there is no SGDR: as in fastai 0.7, cycle_mult only "
                         "sets the length, 7 epochs "
                         "at a constant LR") != std::string::npos);
}
