// Fuzzes recipe parsing: YAML (anchors and aliases, deep nesting, huge scalars) into xp's document
// with its limits (size, values after alias expansion, scalar length), then the schema check of
// that document (its messages walk the recipe and the schema side by side). The first line of the
// input, when it starts with "--set ", is also applied as an override. Any outcome but a
// RecipeError or a document with its diagnostics is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/recipe/diagnostics.h"
#include "core/recipe/document.h"
#include "core/recipe/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  if (text.rfind("--set ", 0) == 0) {
    const auto end = text.find('\n');
    overrides.push_back(text.substr(6, end == std::string::npos ? std::string::npos : end - 6));
    text = end == std::string::npos ? std::string() : text.substr(end + 1);
  }
  try {
    const xp::recipe::Document document = xp::recipe::Document::parse("fuzz.yaml", text, overrides);
    (void)document.to_yaml();
    (void)xp::recipe::Schema::builtin().check(document);
  } catch (const xp::recipe::RecipeError&) {
  }
  return 0;
}
