#include "core/report/html.h"

#include <cmath>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "—";
  return str_printf("%.4g", value);
}

std::string table_row(const std::vector<std::string>& cells, bool header) {
  const char* tag = header ? "th" : "td";
  std::string row = "<tr>";
  for (const auto& cell : cells) row += str_cat("<", tag, ">", html_escape(cell), "</", tag, ">");
  return row + "</tr>\n";
}

}  // namespace xp::report
