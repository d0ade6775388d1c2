// A path to one value of a recipe, as users write it in --set and as errors print it:
//   stages[1].fit.lr   ==  { "stages", 1, "fit", "lr" }   ==  JSON pointer "/stages/1/fit/lr"
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace xp::recipe {

struct PathElement {
  std::string key;        // set for a mapping key
  std::size_t index = 0;  // used when is_index
  bool is_index = false;
};

class KeyPath {
 public:
  KeyPath() = default;
  // Parses "a.b[2].c"; returns nullopt and sets *error (with a column) when malformed.
  static std::optional<KeyPath> parse(const std::string& text, std::string* error);
  // Builds from a JSON pointer such as "/stages/1/fit" (numeric tokens become indices).
  static KeyPath from_pointer(const std::string& pointer);

  KeyPath child(const std::string& key) const;
  KeyPath child(std::size_t index) const;
  const std::vector<PathElement>& elements() const { return elements_; }
  bool empty() const { return elements_.empty(); }
  bool starts_with(const KeyPath& prefix) const;

  std::string str() const;      // "stages[1].fit.lr"; "<root>" when empty
  std::string pointer() const;  // "/stages/1/fit/lr"; "" when empty

 private:
  std::vector<PathElement> elements_;
};

}  // namespace xp::recipe
