#include "core/recipe/node.h"

namespace xp::recipe {

Node Node::operator[](const std::string& key) const {
  XP_ASSERT(has(key), "recipe key '", path_.child(key).str(), "' read before the schema filled it");
  return Node((*value_)[key], path_.child(key), *doc_);
}

double Node::number() const {
  XP_ASSERT(value_->is_number(), "'", path_.str(), "' is not a number after the schema check");
  return value_->get<double>();
}

long long Node::integer() const {
  XP_ASSERT(value_->is_number_integer(), "'", path_.str(),
            "' is not an integer after the schema check");
  return value_->get<long long>();
}

std::string Node::string() const {
  XP_ASSERT(value_->is_string(), "'", path_.str(), "' is not a string after the schema check");
  return value_->get<std::string>();
}

std::vector<double> Node::numbers() const {
  if (value_->is_number()) return {value_->get<double>()};
  std::vector<double> out;
  for (const auto& item : *value_) {
    XP_ASSERT(item.is_number(), "'", path_.str(), "' holds a non-number after the schema check");
    out.push_back(item.get<double>());
  }
  return out;
}

}  // namespace xp::recipe
