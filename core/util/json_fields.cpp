#include "core/util/json_fields.h"

#include <limits>

#include "core/util/error.h"
#include "core/util/json_text.h"
#include "core/util/strings.h"

namespace xp {

JsonFields::JsonFields(const nlohmann::ordered_json& object, std::string path,
                       std::vector<std::string>& problems)
    : object_(object), path_(std::move(path)), problems_(problems) {}

const nlohmann::ordered_json* JsonFields::find(const char* key) const {
  if (!object_.is_object()) return nullptr;
  const auto found = object_.find(key);
  return found == object_.end() ? nullptr : &*found;
}

std::string JsonFields::child(const char* key) const {
  return path_.empty() ? key : str_cat(path_, ".", key);
}

std::string JsonFields::shown(const nlohmann::ordered_json& value) {
  std::string text = json_text(value, -1);
  text.pop_back();  // json_text's newline
  return clipped(text, 40);
}

void JsonFields::wrong_type(const char* key, const char* expected) {
  problems_.push_back(
      str_cat("'", child(key), "' should be ", expected, ", found ", shown(*find(key))));
}

bool JsonFields::take(const nlohmann::ordered_json& value, std::string& out) {
  if (!value.is_string()) return false;
  out = value.get<std::string>();
  return true;
}

bool JsonFields::take(const nlohmann::ordered_json& value, bool& out) {
  if (!value.is_boolean()) return false;
  out = value.get<bool>();
  return true;
}

bool JsonFields::take(const nlohmann::ordered_json& value, int& out) {
  std::int64_t wide = 0;
  if (!take(value, wide) || wide < std::numeric_limits<int>::min() ||
      wide > std::numeric_limits<int>::max())
    return false;
  out = static_cast<int>(wide);
  return true;
}

bool JsonFields::take(const nlohmann::ordered_json& value, std::int64_t& out) {
  if (value.is_number_unsigned()) {
    if (value.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max()) return false;
  } else if (!value.is_number_integer()) {
    return false;
  }
  out = value.get<std::int64_t>();
  return true;
}

bool JsonFields::take(const nlohmann::ordered_json& value, std::uint64_t& out) {
  if (!value.is_number_unsigned()) return false;
  out = value.get<std::uint64_t>();
  return true;
}

bool JsonFields::take(const nlohmann::ordered_json& value, double& out) {
  if (!value.is_number()) return false;
  out = value.get<double>();
  return true;
}

template <typename T>
void JsonFields::read_scalar(const char* key, T& out) {
  const nlohmann::ordered_json* value = find(key);
  if (value != nullptr && !take(*value, out)) wrong_type(key, expected(out));
}

void JsonFields::read(const char* key, std::string& out) { read_scalar(key, out); }
void JsonFields::read(const char* key, bool& out) { read_scalar(key, out); }
void JsonFields::read(const char* key, int& out) { read_scalar(key, out); }
void JsonFields::read(const char* key, std::int64_t& out) { read_scalar(key, out); }
void JsonFields::read(const char* key, std::uint64_t& out) { read_scalar(key, out); }
void JsonFields::read(const char* key, double& out) { read_scalar(key, out); }

void JsonFields::read(const char* key, std::vector<std::string>& out) {
  const nlohmann::ordered_json* value = find(key);
  if (value == nullptr) return;
  if (!value->is_array()) return wrong_type(key, "a list of strings");
  std::vector<std::string> items;
  for (const auto& item : *value) {
    if (!item.is_string()) return wrong_type(key, "a list of strings");
    items.push_back(item.get<std::string>());
  }
  out = std::move(items);
}

template <typename T>
void JsonFields::read_pairs(const char* key, std::vector<std::pair<std::string, T>>& out) {
  const nlohmann::ordered_json* value = find(key);
  if (value == nullptr) return;
  if (!value->is_object()) return wrong_type(key, "an object");
  std::vector<std::pair<std::string, T>> pairs;
  for (const auto& [name, item] : value->items()) {
    T parsed{};
    if (take(item, parsed))
      pairs.emplace_back(name, std::move(parsed));
    else
      problems_.push_back(str_cat("'", child(key), ".", name, "' should be ", expected(parsed),
                                  ", found ", shown(item)));
  }
  out = std::move(pairs);
}

void JsonFields::read(const char* key, std::vector<std::pair<std::string, std::string>>& out) {
  read_pairs(key, out);
}

void JsonFields::read(const char* key, std::vector<std::pair<std::string, double>>& out) {
  read_pairs(key, out);
}

}  // namespace xp
