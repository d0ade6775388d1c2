#include "core/recipe/key_path.h"

#include <cctype>

#include "core/util/error.h"

namespace xp::recipe {

namespace {

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

}  // namespace

std::optional<KeyPath> KeyPath::parse(const std::string& text, std::string* error) {
  KeyPath path;
  std::size_t pos = 0;
  auto fail = [&](const std::string& what) -> std::optional<KeyPath> {
    if (error) *error = str_cat("column ", pos + 1, ": ", what);
    return std::nullopt;
  };
  if (text.empty()) return fail("empty key");
  bool expect_key = true;
  while (pos < text.size()) {
    if (expect_key) {
      const std::size_t start = pos;
      while (pos < text.size() && is_key_char(text[pos])) ++pos;
      if (pos == start) return fail(str_cat("expected a key name, found '", text[pos], "'"));
      path.elements_.push_back({text.substr(start, pos - start), 0, false});
      expect_key = false;
    } else if (text[pos] == '.') {
      ++pos;
      expect_key = true;
    } else if (text[pos] == '[') {
      const std::size_t start = ++pos;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) ++pos;
      if (pos == start || pos >= text.size() || text[pos] != ']')
        return fail("expected a list index like [0]");
      if (pos - start > 6)
        return fail(str_cat("list index ", text.substr(start, pos - start), " is too large"));
      path.elements_.push_back({"", std::stoul(text.substr(start, pos - start)), true});
      ++pos;
    } else {
      return fail(str_cat("expected '.' or '[', found '", text[pos], "'"));
    }
  }
  if (expect_key) return fail("key ends with '.'");
  return path;
}

KeyPath KeyPath::from_pointer(const std::string& pointer) {
  KeyPath path;
  std::size_t pos = 0;
  while (pos < pointer.size() && pointer[pos] == '/') {
    const std::size_t next = pointer.find('/', pos + 1);
    std::string token =
        pointer.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    // Undo JSON-pointer escaping (~1 is '/', ~0 is '~').
    for (std::size_t at = token.find("~1"); at != std::string::npos; at = token.find("~1", at))
      token.replace(at, 2, "/");
    for (std::size_t at = token.find("~0"); at != std::string::npos; at = token.find("~0", at))
      token.replace(at, 2, "~");
    const bool numeric =
        !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    if (numeric)
      path.elements_.push_back({"", std::stoul(token), true});
    else
      path.elements_.push_back({token, 0, false});
    if (next == std::string::npos) break;
    pos = next;
  }
  return path;
}

KeyPath KeyPath::child(const std::string& key) const {
  KeyPath out = *this;
  out.elements_.push_back({key, 0, false});
  return out;
}

KeyPath KeyPath::child(std::size_t index) const {
  KeyPath out = *this;
  out.elements_.push_back({"", index, true});
  return out;
}

bool KeyPath::starts_with(const KeyPath& prefix) const {
  if (prefix.elements_.size() > elements_.size()) return false;
  for (std::size_t idx = 0; idx < prefix.elements_.size(); ++idx) {
    const auto& a = elements_[idx];
    const auto& b = prefix.elements_[idx];
    if (a.is_index != b.is_index || a.key != b.key || a.index != b.index) return false;
  }
  return true;
}

std::string KeyPath::str() const {
  if (elements_.empty()) return "<root>";
  std::string out;
  for (const auto& element : elements_) {
    if (element.is_index) {
      out += str_cat("[", element.index, "]");
    } else {
      if (!out.empty()) out += ".";
      out += element.key;
    }
  }
  return out;
}

std::string KeyPath::pointer() const {
  std::string out;
  for (const auto& element : elements_) {
    out += "/";
    if (element.is_index) {
      out += std::to_string(element.index);
    } else {
      for (char c : element.key) {
        if (c == '~')
          out += "~0";
        else if (c == '/')
          out += "~1";
        else
          out += c;
      }
    }
  }
  return out;
}

}  // namespace xp::recipe
