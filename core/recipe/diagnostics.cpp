#include "core/recipe/diagnostics.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <tuple>

namespace xp::recipe {

namespace {

constexpr int kMaxShownColumns = 120;  // of a source line under a diagnostic

std::string render_all(const std::vector<Diagnostic>& diagnostics, const Sources& sources) {
  std::string out;
  for (const auto& diagnostic : diagnostics) {
    if (!out.empty()) out += "\n";
    out += render(diagnostic, sources);
  }
  const std::size_t count = diagnostics.size();
  out += str_cat("\n", count, count == 1 ? " error" : " errors", " in recipe");
  return out;
}

}  // namespace

std::string render(const Diagnostic& diagnostic, const Sources& sources) {
  const SourceLoc& loc = diagnostic.loc;
  std::ostringstream out;
  if (loc.source < 0) {
    out << "recipe: " << (diagnostic.warning ? "warning: " : "error: ") << diagnostic.message;
    return out.str();
  }
  out << sources.where(loc) << (diagnostic.warning ? ": warning: " : ": error: ")
      << diagnostic.message;
  std::string line = sources.line_text(loc.source, loc.line);
  if (loc.line > 0 && !line.empty()) {
    // A long line is shown as a window around the column, so a 40,000-character line is not echoed.
    int caret = std::max(loc.column - 1, 0);
    int span = std::max(diagnostic.span, 1);
    if (line.size() > static_cast<std::size_t>(kMaxShownColumns)) {
      const int start = std::max(0, std::min(caret - kMaxShownColumns / 2,
                                             static_cast<int>(line.size()) - kMaxShownColumns));
      const bool cut_end = static_cast<std::size_t>(start + kMaxShownColumns) < line.size();
      line = (start > 0 ? "…" : "") +
             line.substr(static_cast<std::size_t>(start), kMaxShownColumns) + (cut_end ? "…" : "");
      caret = caret - start + (start > 0 ? 1 : 0);  // "…" takes one column
      span = std::min(span, kMaxShownColumns - (caret - (start > 0 ? 1 : 0)));
    }
    const std::string number = std::to_string(loc.line);
    const std::string gutter(std::max<std::size_t>(number.size(), 4), ' ');
    out << "\n" << std::setw(static_cast<int>(gutter.size())) << number << " | " << line;
    out << "\n"
        << gutter << " | " << std::string(static_cast<std::size_t>(caret), ' ') << "^"
        << std::string(static_cast<std::size_t>(std::max(span - 1, 0)), '~');
  }
  return out.str();
}

static std::vector<Diagnostic> sorted_by_location(std::vector<Diagnostic> diagnostics) {
  // Source order: the file first, then each --set in the order given; stable for equal positions.
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.loc.source, a.loc.line, a.loc.column) <
                            std::tie(b.loc.source, b.loc.line, b.loc.column);
                   });
  return diagnostics;
}

RecipeError::RecipeError(std::vector<Diagnostic> diagnostics, const Sources& sources)
    : Error(render_all(sorted_by_location(diagnostics), sources)),
      diagnostics_(sorted_by_location(std::move(diagnostics))) {}

}  // namespace xp::recipe
