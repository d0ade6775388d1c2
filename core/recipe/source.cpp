#include "core/recipe/source.h"

namespace xp::recipe {

int Sources::add(std::string name, std::string text) {
  names_.push_back(std::move(name));
  texts_.push_back(std::move(text));
  return static_cast<int>(names_.size()) - 1;
}

std::string Sources::where(const SourceLoc& loc) const {
  if (loc.source < 0) return "recipe";
  std::string out = name(loc.source);
  if (loc.line > 0) out += ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column);
  return out;
}

std::string Sources::line_text(int source, int line) const {
  if (source < 0 || static_cast<std::size_t>(source) >= texts_.size() || line < 1) return "";
  const std::string& text = texts_[static_cast<std::size_t>(source)];
  std::size_t begin = 0;
  for (int current = 1; current < line; ++current) {
    begin = text.find('\n', begin);
    if (begin == std::string::npos) return "";
    ++begin;
  }
  const std::size_t end = text.find('\n', begin);
  std::string out = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

}  // namespace xp::recipe
