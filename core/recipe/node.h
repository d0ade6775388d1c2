// A read-only view of one value of a checked recipe, with its path, so that code which reads a
// recipe (stage parameter parsing) can report a semantic error at the value's source position.
// Types are already guaranteed by the schema check; the getters assert rather than re-validate.
#pragma once

#include <string>
#include <vector>

#include "core/recipe/document.h"

namespace xp::recipe {

class Node {
 public:
  Node(const Json& value, KeyPath path, const Document& doc)
      : value_(&value), path_(std::move(path)), doc_(&doc) {}

  bool has(const std::string& key) const { return value_->is_object() && value_->contains(key); }
  Node operator[](const std::string& key) const;

  double number() const;
  long long integer() const;
  std::string string() const;
  // A scalar or a list of numbers, as a list: lr: 0.01 → {0.01}; lr: [1e-4, 1e-2] → {1e-4, 1e-2}.
  std::vector<double> numbers() const;
  std::size_t size() const { return value_->size(); }

  const Json& json() const { return *value_; }
  const KeyPath& path() const { return path_; }
  const Document& document() const { return *doc_; }
  // A diagnostic pointing at this value (or at its key with at_key).
  Diagnostic error(std::string message, bool at_key = false) const {
    return doc_->diagnostic(path_, str_cat("'", path_.str(), "': ", message), at_key);
  }
  // The same, as a warning: shown by `xp check` and `xp run`, never fatal.
  Diagnostic warning(std::string message) const {
    Diagnostic diagnostic = error(std::move(message));
    diagnostic.warning = true;
    return diagnostic;
  }

 private:
  const Json* value_;
  KeyPath path_;
  const Document* doc_;
};

}  // namespace xp::recipe
