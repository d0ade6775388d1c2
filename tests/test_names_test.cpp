// ctest runs each doctest TEST_CASE by name; CMake splits a name at ';', and the pieces match no
// test, so such a test would "pass" without running. Keep the names free of it.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

#include "tests/test_support.h"

TEST_CASE("no test name contains a semicolon (ctest would skip the test silently)") {
  const std::regex test_case(R"re(TEST_CASE\("([^"]*)")re");
  int names = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(XP_SOURCE_DIR) + "/tests")) {
    if (entry.path().extension() != ".cpp") continue;
    const std::string text = xp::testing::read_text(entry.path());
    for (std::sregex_iterator it(text.begin(), text.end(), test_case), end; it != end; ++it) {
      const std::string name = (*it)[1].str();
      ++names;
      CHECK_MESSAGE(name.find(';') == std::string::npos, entry.path().filename().string(), ": ",
                    name);
    }
  }
  CHECK(names > 50);
}
