// The schema and the stage registry describe the same stages (shared/STYLE.md R9).
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include "core/pipeline/plan.h"
#include "core/pipeline/registry.h"
#include "core/recipe/recipe.h"
#include "core/recipe/schema.h"
#include "tests/test_support.h"

using namespace xp;

TEST_CASE("the schema names exactly the registered stage types") {
  pipeline::StageRegistry registry;
  pipeline::register_builtin_stages(registry);
  auto schema_types = recipe::Schema::builtin().stage_types();
  auto registered = registry.names();
  std::sort(schema_types.begin(), schema_types.end());
  std::sort(registered.begin(), registered.end());
  CHECK(schema_types == registered);
}

TEST_CASE("every stage's example validates and plans") {
  testing::TempDir dir;
  testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  pipeline::StageRegistry registry;
  pipeline::register_builtin_stages(registry);
  for (const auto& descriptor : registry.all()) {
    CAPTURE(descriptor.name);
    const std::string text = "name: example\ndata: {source: idx, path: " + dir.path().string() +
                             "}\nmodel: {arch: resnet18}\nstages:\n" +
                             // a load needs the save it loads
                             (descriptor.name == "load" ? "  - save: \"224\"\n" : "") + "  - " +
                             std::string(descriptor.example) + "\n";
    CHECK_NOTHROW(pipeline::make_plan(recipe::parse_recipe("example.yaml", text, {}), registry));
  }
}

TEST_CASE("the compiled-in schema is the file in schemas/") {
  const auto on_disk = recipe::Json::parse(
      testing::read_text(std::string(XP_SOURCE_DIR) + "/schemas/recipe.schema.json"));
  CHECK(on_disk == recipe::Schema::builtin().document());
}
