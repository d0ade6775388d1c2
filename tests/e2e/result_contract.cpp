#include "tests/e2e/result_contract.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/schema_check.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;

namespace xp::e2e {

namespace {

// One doctest failure naming `file` when it is not JSON or does not follow its schema.
void check_file(const fs::path& file, const std::string& schema_file,
                const std::string& definition = "") {
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(xp::testing::read_text(file));
  } catch (const std::exception& error) {
    FAIL_CHECK(file.string(), " is not JSON: ", error.what());
    return;
  }
  const std::string problems = xp::testing::schema_problems(value, schema_file, definition);
  if (!problems.empty())
    FAIL_CHECK(file.string(), " does not follow its published schema:", problems);
}

// Registered for every TempDir of the e2e suite.
const bool kRegistered = [] {
  xp::testing::TempDir::check_before_removal(check_result_contract);
  return true;
}();

}  // namespace

void check_result_contract(const fs::path& root) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_symlink() || !it->is_regular_file() || it->path().filename() != "run.json") continue;
    const fs::path folder = it->path().parent_path();
    check_file(folder / "run.json", "run.schema.json");
    if (fs::exists(folder / "status.json"))
      check_file(folder / "status.json", "status.schema.json");
    // tta.json is the run schema's record of a tta stage.
    if (fs::exists(folder / "tta.json"))
      check_file(folder / "tta.json", "run.schema.json", "prediction");
  }
}

}  // namespace xp::e2e
