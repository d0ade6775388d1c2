#include "tests/e2e/result_contract.h"

#include <doctest/doctest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "tests/test_support.h"

namespace fs = std::filesystem;

namespace xp::e2e {

namespace {

nlohmann::json read_json(const fs::path& path) {
  return nlohmann::json::parse(xp::testing::read_text(path));
}

// A parsed schema; its document stays alive with it (valijson keeps references into it).
struct LoadedSchema {
  nlohmann::json document;
  valijson::Schema schema;
};

std::unique_ptr<LoadedSchema> load_schema(nlohmann::json document) {
  auto loaded = std::make_unique<LoadedSchema>();
  loaded->document = std::move(document);
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  parser.populateSchema(valijson::adapters::NlohmannJsonAdapter(loaded->document), loaded->schema);
  return loaded;
}

const fs::path kSchemas = fs::path(XP_SOURCE_DIR) / "schemas";

const LoadedSchema& run_schema() {
  static const auto schema = load_schema(read_json(kSchemas / "run.schema.json"));
  return *schema;
}

const LoadedSchema& status_schema() {
  static const auto schema = load_schema(read_json(kSchemas / "status.schema.json"));
  return *schema;
}

// tta.json is the run schema's "prediction" definition.
const LoadedSchema& tta_schema() {
  static const auto schema =
      load_schema({{"definitions", read_json(kSchemas / "run.schema.json")["definitions"]},
                   {"$ref", "#/definitions/prediction"}});
  return *schema;
}

void check_file(const fs::path& file, const LoadedSchema& schema) {
  nlohmann::json value;
  try {
    value = read_json(file);
  } catch (const std::exception& error) {
    FAIL_CHECK(file.string(), " is not JSON: ", error.what());
    return;
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  if (validator.validate(schema.schema, valijson::adapters::NlohmannJsonAdapter(value), &results))
    return;
  std::string problems;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const auto& part : error.context) where += part;
    problems += "\n  " + where + ": " + error.description;
  }
  FAIL_CHECK(file.string(), " does not follow its published schema:", problems);
}

// Registered for every TempDir of the e2e suite.
const bool kRegistered = [] {
  xp::testing::TempDir::check_before_removal(check_result_contract);
  return true;
}();

}  // namespace

void check_result_contract(const fs::path& root) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_symlink() || !it->is_regular_file() || it->path().filename() != "run.json") continue;
    const fs::path folder = it->path().parent_path();
    check_file(folder / "run.json", run_schema());
    if (fs::exists(folder / "status.json")) check_file(folder / "status.json", status_schema());
    if (fs::exists(folder / "tta.json")) check_file(folder / "tta.json", tta_schema());
  }
}

}  // namespace xp::e2e
