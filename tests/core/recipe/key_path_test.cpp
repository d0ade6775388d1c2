#include <doctest/doctest.h>

#include "core/recipe/key_path.h"

using xp::recipe::KeyPath;

TEST_CASE("KeyPath parses dotted keys with list indices") {
  std::string error;
  const auto path = KeyPath::parse("stages[1].fit.lr", &error);
  REQUIRE(path);
  REQUIRE(path->elements().size() == 4);
  CHECK(path->elements()[0].key == "stages");
  CHECK(path->elements()[1].is_index);
  CHECK(path->elements()[1].index == 1);
  CHECK(path->str() == "stages[1].fit.lr");
  CHECK(path->pointer() == "/stages/1/fit/lr");
}

TEST_CASE("KeyPath round-trips through JSON pointers") {
  const struct {
    const char* text;
    const char* pointer;
  } cases[] = {
      {"name", "/name"},
      {"data.batch_size", "/data/batch_size"},
      {"stages[0].fit.lr[2]", "/stages/0/fit/lr/2"},
  };
  for (const auto& c : cases) {
    std::string error;
    const auto path = KeyPath::parse(c.text, &error);
    REQUIRE(path);
    CHECK(path->pointer() == c.pointer);
    CHECK(KeyPath::from_pointer(c.pointer).str() == c.text);
  }
}

TEST_CASE("KeyPath rejects malformed keys with a column") {
  const struct {
    const char* text;
    const char* error;
  } errors[] = {
      {"", "empty key"},
      {"stages[x]", "column 8: expected a list index like [0]"},
      {"a..b", "column 3: expected a key name, found '.'"},
      {"a.", "key ends with '.'"},
      {"a b", "column 2: expected '.' or '[', found ' '"},
      // 20 digits once threw std::stoul's raw out_of_range ("stoul").
      {"stages[99999999999999999999].fit.lr", "list index 99999999999999999999 is too large"},
  };
  for (const auto& e : errors) {
    std::string error;
    CHECK_FALSE(KeyPath::parse(e.text, &error));
    CHECK(error.find(e.error) != std::string::npos);
  }
}
