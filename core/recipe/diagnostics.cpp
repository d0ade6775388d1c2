#include "core/recipe/diagnostics.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace xp::recipe {

namespace {

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
    out << "recipe: error: " << diagnostic.message;
    return out.str();
  }
  out << sources.name(loc.source);
  if (loc.line > 0) out << ":" << loc.line << ":" << loc.column;
  out << ": error: " << diagnostic.message;
  const std::string line = sources.line_text(loc.source, loc.line);
  if (loc.line > 0 && !line.empty()) {
    const std::string number = std::to_string(loc.line);
    const std::string gutter(std::max<std::size_t>(number.size(), 4), ' ');
    out << "\n" << std::setw(static_cast<int>(gutter.size())) << number << " | " << line;
    out << "\n" << gutter << " | " << std::string(static_cast<std::size_t>(std::max(loc.column - 1, 0)), ' ')
        << "^" << std::string(static_cast<std::size_t>(std::max(diagnostic.span - 1, 0)), '~');
  }
  return out.str();
}

RecipeError::RecipeError(std::vector<Diagnostic> diagnostics, const Sources& sources)
    : Error(render_all(diagnostics, sources)), diagnostics_(std::move(diagnostics)) {}

}  // namespace xp::recipe
