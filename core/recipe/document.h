// A recipe as written: the YAML file plus --set overrides, converted to a JSON tree that remembers
// where each value came from. This is the only place in xp that parses YAML (DESIGN.md dependency
// rules): everything after it works on JSON values with source locations.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/recipe/diagnostics.h"
#include "core/recipe/key_path.h"
#include "core/recipe/source.h"

namespace xp::recipe {

using Json = nlohmann::ordered_json;  // keeps the recipe's key order in recipe.yaml

// Source positions of one value: its key (for "unknown key") and the value itself.
struct ValueLoc {
  SourceLoc key;
  SourceLoc value;
  int value_span = 1;
};

class Document {
 public:
  // Parses `path` and applies each "KEY=VALUE" override in order. Collects every syntax error of
  // the file and of the overrides and throws one RecipeError listing them all.
  static Document load(const std::filesystem::path& path,
                       const std::vector<std::string>& overrides);
  // Same, from text (tests; `name` is used in diagnostics).
  static Document parse(const std::string& name, const std::string& text,
                        const std::vector<std::string>& overrides);

  const Json& root() const { return root_; }
  Json& root() { return root_; }
  const Sources& sources() const { return sources_; }
  const std::string& path() const { return path_; }

  // The best known location for `path`: the value itself, or its nearest existing ancestor.
  SourceLoc locate(const KeyPath& path, bool key = false, int* span = nullptr) const;
  Diagnostic diagnostic(const KeyPath& path, std::string message, bool at_key = false) const;

  // The tree as YAML text, in the recipe's key order (for recipe.yaml in the result folder).
  std::string to_yaml() const;

 private:
  std::string path_;
  Sources sources_;
  Json root_;
  std::map<std::string, ValueLoc> locations_;  // by JSON pointer
  friend class DocumentBuilder;
};

}  // namespace xp::recipe
