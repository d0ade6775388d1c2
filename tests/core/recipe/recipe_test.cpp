#include <doctest/doctest.h>

#include "core/recipe/recipe.h"
#include "tests/test_support.h"

using namespace xp::recipe;
using xp::testing::TempDir;

namespace {

std::string recipe_text(const std::string& data_path) {
  return "name: tiny\n"
         "data:\n"
         "  source: idx\n"
         "  path: " +
         data_path +
         "\n"
         "  size: 32\n"
         "model:\n"
         "  arch: resnet18\n"
         "stages:\n"
         "  - fit: {lr: 0.01, cycles: 2, cycle_len: 1}\n"
         "  - fit:\n"
         "      lr: [0.001, 0.003, 0.01]\n";
}

}  // namespace

TEST_CASE("a valid recipe resolves with the schema's defaults") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const Recipe recipe = parse_recipe("tiny.yaml", recipe_text(dir.path().string()), {});
  CHECK(recipe.run.name == "tiny");
  CHECK(recipe.run.seed == 42);
  CHECK(recipe.data.size == 32);
  CHECK(recipe.data.batch_size == 64);
  CHECK(recipe.data.train == "train");
  CHECK(recipe.data.valid == "valid");
  CHECK(recipe.model.dropout == std::vector<double>{0.25, 0.5});
  REQUIRE(recipe.stages.size() == 2);
  CHECK(recipe.stages[1].type == "fit");
  CHECK(recipe.stages[1].path.str() == "stages[1].fit");
  const Node second = recipe.node(recipe.stages[1].path);
  CHECK(second["lr"].numbers() == std::vector<double>{0.001, 0.003, 0.01});
  CHECK(second["cycles"].integer() == 1);
  CHECK(second["momentum"].number() == doctest::Approx(0.9));
}

TEST_CASE("--set overrides scalars, list items and adds keys") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const Recipe recipe =
      parse_recipe("tiny.yaml", recipe_text(dir.path().string()),
                   {"stages[0].fit.lr=0.02", "stages[1].fit.lr[0]=5e-4", "data.batch_size=16",
                    "stages[1].fit.cycle_len=2", "model.dropout=0.5"});
  CHECK(recipe.node(recipe.stages[0].path)["lr"].numbers() == std::vector<double>{0.02});
  CHECK(recipe.node(recipe.stages[1].path)["lr"].numbers() ==
        std::vector<double>{5e-4, 0.003, 0.01});
  CHECK(recipe.node(recipe.stages[1].path)["cycle_len"].integer() == 2);
  CHECK(recipe.data.batch_size == 16);
  CHECK(recipe.model.dropout == std::vector<double>{0.5, 0.5});  // fastai broadcasts a scalar ps
}

TEST_CASE("a bad override is reported against the override's text") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const auto text = recipe_text(dir.path().string());
  const auto message = [&](const std::string& override_text) {
    try {
      parse_recipe("tiny.yaml", text, {override_text});
    } catch (const RecipeError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  CHECK(message("stages[0].fit.lr=-1")
            .find("--set stages[0].fit.lr=-1:1:18: error: 'stages[0].fit.lr'") !=
        std::string::npos);
  CHECK(message("stages[5].fit.lr=1").find("'stages' has 2 items; index 5 is out of range") !=
        std::string::npos);
  CHECK(message("stages[0].fit.cycle_lenn=1")
            .find("unknown key 'cycle_lenn' (did you mean 'cycle_len'?)") != std::string::npos);
  CHECK(message("data.batch_size").find("override must look like KEY=VALUE") != std::string::npos);
  CHECK(message("data.batch_size=[1,").find("cannot parse the value") != std::string::npos);
}

TEST_CASE("the resolved recipe is emitted as YAML that loads back to the same values") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const Recipe recipe =
      parse_recipe("tiny.yaml", recipe_text(dir.path().string()), {"stages[0].fit.lr=0.02"});
  const std::string yaml = recipe.doc.to_yaml();
  const Recipe again = parse_recipe("again.yaml", yaml, {});
  CHECK(again.doc.root() == recipe.doc.root());
  CHECK(yaml.find("batch_size: 64") != std::string::npos);  // defaults are written out
}

TEST_CASE(
    "strings that plain YAML would misread or refuse are written quoted (found by "
    "fuzz_recipe_document)") {
  // Each once made to_yaml throw (YAML::Load of "@DATA@" or "`x`") or would have read back changed.
  for (const std::string value :
       {"@DATA@", "`x`", "a # not a comment", "[a]", "a: b", "%x", "1e-3", "null", "yes", " x"}) {
    CAPTURE(value);
    xp::recipe::Document doc = xp::recipe::Document::parse("s.yaml", "name: x\n", {});
    doc.root()["name"] = value;
    const std::string yaml = doc.to_yaml();
    CHECK(xp::recipe::Document::parse("again.yaml", yaml, {}).root()["name"] == value);
  }
}

TEST_CASE("quoted numbers stay strings, plain YAML 1.2 numbers are numbers") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  std::string text = recipe_text(dir.path().string());
  text.replace(text.find("lr: 0.01"), 8, "lr: '0.01'");
  CHECK_THROWS_WITH_AS(parse_recipe("tiny.yaml", text, {}),
                       doctest::Contains("found a string '0.01'"), RecipeError);
  CHECK_NOTHROW(
      parse_recipe("tiny.yaml", recipe_text(dir.path().string()), {"stages[0].fit.lr=1e-2"}));
}

TEST_CASE(
    "the default dropout follows the head as fastai's: 0.25 per hidden block, 0.5 for the last") {
  xp::testing::TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 1, 1);
  const auto dropout_with = [&](const std::string& xtra_fc) {
    return parse_recipe("tiny.yaml", recipe_text(dir.path().string()), {"model.xtra_fc=" + xtra_fc})
        .model.dropout;
  };
  CHECK(dropout_with("[]") == std::vector<double>{0.5});
  CHECK(dropout_with("[512, 256]") == std::vector<double>{0.25, 0.25, 0.5});
  // The resolved recipe shows the value, so that it runs again as it is.
  const Recipe recipe =
      parse_recipe("tiny.yaml", recipe_text(dir.path().string()), {"model.xtra_fc=[]"});
  CHECK(parse_recipe("again.yaml", recipe.doc.to_yaml(), {}).model.dropout ==
        std::vector<double>{0.5});
}

TEST_CASE("a recipe path that is a folder is a recipe error naming it") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(Document::load(dir.path(), {}), doctest::Contains("is a folder"),
                       RecipeError);
}

TEST_CASE("model.weights that is a folder says so (it once read 'does not exist')") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  std::filesystem::create_directory(dir.path() / "resnet18.pth");
  const std::string weights = "model.weights=" + (dir.path() / "resnet18.pth").string();
  CHECK_THROWS_WITH_AS(parse_recipe("tiny.yaml", recipe_text(dir.path().string()), {weights}),
                       doctest::Contains("resnet18.pth' is a folder; name the weights file"),
                       RecipeError);
}

// The schema is where a default is written down: a recipe gets every default from it. The option
// structs repeat them for code that builds options directly (tests, benchmarks); this keeps the
// two from drifting apart.
TEST_CASE("options built in code start from the schema's defaults") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const Recipe idx = parse_recipe("idx.yaml",
                                  "name: n\n"
                                  "data: {source: idx, path: '" +
                                      dir.path().string() +
                                      "'}\n"
                                      "model: {arch: resnet18}\n"
                                      "stages: [unfreeze]\n",
                                  {});
  const RunSettings run;
  CHECK(idx.run.seed == run.seed);
  CHECK(idx.run.threads == run.threads);
  CHECK(xp::train::to_string(idx.run.device) == xp::train::to_string(run.device));
  CHECK(idx.run.compute.precision == run.compute.precision);
  CHECK(idx.run.compute.channels_last == run.compute.channels_last);

  const xp::data::DataOptions data;
  CHECK(idx.data.train == data.train);
  CHECK(idx.data.valid == data.valid);
  CHECK(idx.data.target == data.target);
  CHECK(idx.data.on_bad_image == data.on_bad_image);
  CHECK(idx.data.max_image_pixels == data.max_image_pixels);
  CHECK(idx.data.size == data.size);
  CHECK(idx.data.augment.preset == data.augment.preset);
  CHECK(idx.data.augment.max_zoom == data.augment.max_zoom);
  CHECK(idx.data.batch_size == data.batch_size);
  CHECK(idx.data.workers == data.workers);
  CHECK(idx.data.reduced_decode == data.reduced_decode);

  const xp::models::ModelOptions model;
  CHECK(idx.model.xtra_fc == model.xtra_fc);
  CHECK(idx.model.dropout == model.dropout);  // fastai's rule for the default xtra_fc
  CHECK(idx.model.train_bn == model.train_bn);

  // The csv source's defaults come from the schema's csv branch; other sources get none of them.
  CHECK_FALSE(idx.doc.root()["data"].contains("valid_pct"));
  xp::testing::write_text(dir.path() / "labels.csv", "id,label\na,x\nb,y\n");
  std::filesystem::create_directories(dir.path() / "images");
  const Recipe csv = parse_recipe("csv.yaml",
                                  "name: n\n"
                                  "data: {source: csv, path: '" +
                                      dir.path().string() +
                                      "', labels: labels.csv, train: images}\n"
                                      "model: {arch: resnet18}\n"
                                      "stages: [unfreeze]\n",
                                  {});
  const xp::data::CsvOptions options;
  CHECK(csv.data.csv.label_separator == options.label_separator);
  CHECK(csv.data.csv.suffix == options.suffix);
  CHECK(csv.data.csv.valid_pct == options.valid_pct);
  CHECK(csv.data.csv.cv_idx == options.cv_idx);
  CHECK(csv.data.csv.valid_seed == options.valid_seed);
  CHECK(csv.doc.root()["data"]["valid_pct"] == 0.2);  // the resolved recipe shows them
}
