// Where a recipe value came from: a file position, or a position inside a --set override.
#pragma once

#include <string>
#include <vector>

namespace xp::recipe {

// 1-based line and column; line == 0 means "no position known" (e.g. a value filled by a default).
struct SourceLoc {
  int source = -1;  // index into Sources, -1 when unknown
  int line = 0;
  int column = 0;
};

// The texts a recipe was assembled from (the YAML file, then each --set), kept so that diagnostics
// can print the offending line with a caret.
class Sources {
 public:
  int add(std::string name, std::string text);
  const std::string& name(int source) const { return names_.at(static_cast<std::size_t>(source)); }
  // "recipe.yaml:22:5" (or "recipe.yaml" without a line); "recipe" when the place is unknown.
  std::string where(const SourceLoc& loc) const;
  // The 1-based `line` of `source` without its newline; "" if out of range.
  std::string line_text(int source, int line) const;

 private:
  std::vector<std::string> names_;
  std::vector<std::string> texts_;
};

}  // namespace xp::recipe
