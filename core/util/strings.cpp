#include "core/util/strings.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <numeric>

namespace xp {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One-row dynamic programme: row[j] = distance between a[0..i) and b[0..j).
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t a_idx = 1; a_idx <= a.size(); ++a_idx) {
    std::size_t diagonal = row[0];
    row[0] = a_idx;
    for (std::size_t b_idx = 1; b_idx <= b.size(); ++b_idx) {
      const std::size_t above = row[b_idx];
      const std::size_t substitute = diagonal + (a[a_idx - 1] == b[b_idx - 1] ? 0 : 1);
      row[b_idx] = std::min({above + 1, row[b_idx - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates,
                          std::size_t max_distance) {
  std::string best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t idx = 0; idx < items.size(); ++idx) {
    if (idx > 0) out += separator;
    out += items[idx];
  }
  return out;
}

std::string str_printf(const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  va_list measuring;
  va_copy(measuring, arguments);
  const int length = std::vsnprintf(nullptr, 0, format, measuring);
  va_end(measuring);
  std::string text(static_cast<std::size_t>(std::max(length, 0)), '\0');
  std::vsnprintf(text.data(), text.size() + 1, format, arguments);
  va_end(arguments);
  return text;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string clipped(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  return std::string(text.substr(0, max_chars)) + "… (" + std::to_string(text.size()) +
         " characters)";
}

}  // namespace xp
