// Checks a recipe against schemas/recipe.schema.json (compiled into xp) and fills in its defaults.
//
// valijson checks types, ranges, enums and required keys; xp's own walk of the same schema reports
// unknown keys with "did you mean", because valijson's additionalProperties message names neither
// the key's position nor a suggestion. Defaults come only from the schema's "default" fields, so the
// schema is the one place where a default is written down (shared/STYLE.md R5).
#pragma once

#include <string>
#include <vector>

#include "core/recipe/document.h"

namespace xp::recipe {

class Schema {
 public:
  // The schema compiled into the binary (schemas/recipe.schema.json at build time).
  static const Schema& builtin();
  explicit Schema(Json document);

  // Every problem found, in document order; empty when the recipe is valid.
  std::vector<Diagnostic> check(const Document& doc) const;
  // Inserts "default" values for absent keys of present objects (recursively, stages included).
  void apply_defaults(Json& root) const;

  // Names of the stage types the schema knows (keys of definitions.stage.properties).
  std::vector<std::string> stage_types() const;
  const Json& document() const { return document_; }

 private:
  const Json& resolve(const Json& schema) const;        // follows "$ref"
  const Json* subschema_at(const KeyPath& path) const;  // nullptr when the path leaves the schema
  void check_unknown_keys(const Json& value, const Json& schema, const KeyPath& path,
                          const Document& doc, std::vector<Diagnostic>& out) const;
  void fill_defaults(Json& value, const Json& schema) const;
  // Whether `value` meets an "if" of the form {"required": [...], "properties": {k: {"const": v}}}.
  static bool matches_condition(const Json& value, const Json& condition);

  Json document_;
};

}  // namespace xp::recipe
