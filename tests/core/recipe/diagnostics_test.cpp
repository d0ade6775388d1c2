#include <doctest/doctest.h>

#include "core/recipe/diagnostics.h"

using namespace xp::recipe;

TEST_CASE("a diagnostic renders like a compiler error with the line and a caret") {
  Sources sources;
  const int file = sources.add("recipes/x.yaml", "name: x\nstages:\n  - fit: {lr: 0.01, cycle_lenn: 1}\n");
  const Diagnostic diagnostic{{file, 3, 21}, "unknown key 'cycle_lenn' (did you mean 'cycle_len'?)", 10};
  CHECK(render(diagnostic, sources) ==
        "recipes/x.yaml:3:21: error: unknown key 'cycle_lenn' (did you mean 'cycle_len'?)\n"
        "   3 |   - fit: {lr: 0.01, cycle_lenn: 1}\n"
        "     |                     ^~~~~~~~~~");
}

TEST_CASE("RecipeError lists every diagnostic and counts them") {
  Sources sources;
  const int file = sources.add("r.yaml", "a: 1\nb: 2\n");
  const RecipeError error({{{file, 1, 4}, "first"}, {{file, 2, 4}, "second"}}, sources);
  const std::string text = error.what();
  CHECK(text.find("r.yaml:1:4: error: first") != std::string::npos);
  CHECK(text.find("r.yaml:2:4: error: second") != std::string::npos);
  CHECK(text.find("2 errors in recipe") != std::string::npos);
}
