#include <doctest/doctest.h>

#include "core/recipe/diagnostics.h"

using namespace xp::recipe;

TEST_CASE("a diagnostic renders like a compiler error with the line and a caret") {
  Sources sources;
  const int file =
      sources.add("recipes/x.yaml", "name: x\nstages:\n  - fit: {lr: 0.01, cycle_lenn: 1}\n");
  const Diagnostic diagnostic{
      {file, 3, 21}, "unknown key 'cycle_lenn' (did you mean 'cycle_len'?)", 10};
  CHECK(render(diagnostic, sources) ==
        "recipes/x.yaml:3:21: error: unknown key 'cycle_lenn' (did you mean 'cycle_len'?)\n"
        "   3 |   - fit: {lr: 0.01, cycle_lenn: 1}\n"
        "     |                     ^~~~~~~~~~");
}

TEST_CASE("a long line is shown as a window around the column, with the caret still under it") {
  Sources sources;
  const std::string long_line = "seed: " + std::string(20000, '[') + "x" + std::string(20000, ']');
  const int file = sources.add("deep.yaml", "name: x\n" + long_line + "\n");
  const std::string text = render({{file, 2, 20007}, "here", 1}, sources);
  CHECK(text.size() < 400);
  const auto shown = text.find("   2 | …");
  REQUIRE(shown != std::string::npos);
  const std::string source_row = text.substr(shown, text.find('\n', shown) - shown);
  const std::string caret_row = text.substr(text.rfind('\n') + 1);
  CHECK(source_row.find("…", 10) != std::string::npos);  // cut at both ends
  // The caret's column, counting "…" as one column, lands on the 'x'.
  const std::size_t caret = caret_row.find('^');
  const std::string before_caret = source_row.substr(0, caret + 3);  // "…" is 3 bytes, 1 column
  CHECK(before_caret.back() == 'x');
  // A short line is untouched.
  CHECK(render({{file, 1, 7}, "short", 1}, sources).find("   1 | name: x\n     |       ^") !=
        std::string::npos);
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
