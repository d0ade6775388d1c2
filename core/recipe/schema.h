// Checks a recipe against schemas/recipe.schema.json (compiled into xp) and fills in its defaults.
//
// valijson checks types, ranges, enums and required keys; xp's own walk of the same schema reports
// unknown keys with "did you mean", because valijson's additionalProperties message names neither
// the key's position nor a suggestion. Defaults come only from the schema's "default" fields, so the
// schema is the one place where a default is written down (shared/STYLE.md R5).
#pragma once

#include <optional>
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
  // Validates `value`, found at `base` in doc, against this schema's root.
  void check_values(const Json& value, const KeyPath& base, const Document& doc,
                    std::vector<Diagnostic>& out) const;
  // The nearest path at or above `path` whose schema offers alternatives (oneOf/anyOf).
  std::optional<KeyPath> alternatives_owner(const KeyPath& path) const;
  // A value that fits none of its schema's alternatives: the problem inside the alternative of
  // its JSON type (lr: [0.1, "x"] → lr[1]), or else the forms it could take.
  void check_alternatives(const Json& value, const Json& schema, const KeyPath& path,
                          const Document& doc, std::vector<Diagnostic>& out) const;
  // The alternative (oneOf/anyOf branch) of the value's JSON type; nullptr when none.
  const Json* branch_for(const Json& schema, const Json& value) const;
  // What a schema accepts, in words: "a number > 0", "a list of strings".
  std::string describe_form(const Json& schema) const;
  void fill_defaults(Json& value, const Json& schema) const;
  // Whether `value` meets an "if" of the form {"required": [...], "properties": {k: {"const": v}}}.
  static bool matches_condition(const Json& value, const Json& condition);

  Json document_;
};

}  // namespace xp::recipe
