// Compiler-style recipe diagnostics (shared/STYLE.md R12):
//
//   recipes/x.yaml:14:16: error: unknown key 'cycle_lenn' (did you mean 'cycle_len'?)
//      14 |   - fit: {lr: 0.01, cycle_lenn: 1}
//         |                     ^~~~~~~~~~
//
// A RecipeError carries every diagnostic found, so a user fixes all of them in one pass.
#pragma once

#include <string>
#include <vector>

#include "core/recipe/source.h"
#include "core/util/error.h"

namespace xp::recipe {

struct Diagnostic {
  SourceLoc loc;
  std::string message;
  int span = 1;          // characters to underline from loc.column
  bool warning = false;  // rendered as "warning:"; never stops a run
};

// Renders one diagnostic; `sources` supplies the file name and the line text.
std::string render(const Diagnostic& diagnostic, const Sources& sources);

// Thrown when a recipe or an override is wrong; the runner exits with code 2.
class RecipeError : public Error {
 public:
  RecipeError(std::vector<Diagnostic> diagnostics, const Sources& sources);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace xp::recipe
