#include "tests/schema_check.h"

#include <map>
#include <memory>
#include <mutex>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "tests/test_support.h"

namespace xp::testing {

namespace {

// A parsed schema; its document stays alive with it (valijson keeps references into it).
struct LoadedSchema {
  nlohmann::json document;
  valijson::Schema schema;
};

const LoadedSchema& loaded_schema(const std::string& schema_file, const std::string& definition) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<LoadedSchema>> loaded;
  const std::lock_guard<std::mutex> lock(mutex);
  auto& slot = loaded[schema_file + "#" + definition];
  if (slot) return *slot;
  const auto file = nlohmann::json::parse(
      read_text(std::filesystem::path(XP_SOURCE_DIR) / "schemas" / schema_file));
  slot = std::make_unique<LoadedSchema>();
  // A definition is checked as a schema of its own that refers to it, keeping its siblings.
  slot->document = definition.empty() ? file
                                      : nlohmann::json{{"definitions", file["definitions"]},
                                                       {"$ref", "#/definitions/" + definition}};
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  parser.populateSchema(valijson::adapters::NlohmannJsonAdapter(slot->document), slot->schema);
  return *slot;
}

}  // namespace

std::string schema_problems(const nlohmann::json& value, const std::string& schema_file,
                            const std::string& definition) {
  valijson::Validator validator;
  valijson::ValidationResults results;
  if (validator.validate(loaded_schema(schema_file, definition).schema,
                         valijson::adapters::NlohmannJsonAdapter(value), &results))
    return "";
  std::string problems;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const auto& part : error.context) where += part;
    problems += "\n  " + where + ": " + error.description;
  }
  return problems;
}

}  // namespace xp::testing
