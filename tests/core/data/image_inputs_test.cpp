#include "core/data/image_inputs.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "core/util/error.h"
#include "tests/test_support.h"

using xp::data::list_image_inputs;

TEST_CASE("image inputs: files as given, folders recursively in path order, lists of paths") {
  xp::testing::TempDir dir;
  const auto root = dir.path();
  for (const char* folder : {"photos/b", "photos/a/deep", "lists"})
    std::filesystem::create_directories(root / folder);
  for (const char* name : {"b/2.jpg", "b/1.PNG", "a/deep/3.jpeg", "a/notes.txt"})
    xp::testing::write_text(root / "photos" / name, "x");
  xp::testing::write_text(root / "one.webp", "x");
  xp::testing::write_text(root / "lists" / "paths.txt",
                          "# taken today\n\nsub/x.jpg\r\n" + (root / "abs.png").string() + "\n");

  const auto files = list_image_inputs({(root / "one.webp").string(), (root / "photos").string(),
                                        (root / "lists" / "paths.txt").string()});
  const std::vector<std::string> expected = {
      (root / "one.webp").string(),
      (root / "photos" / "a" / "deep" / "3.jpeg").string(),
      (root / "photos" / "b" / "1.PNG").string(),
      (root / "photos" / "b" / "2.jpg").string(),
      (root / "lists" / "sub" / "x.jpg").string(),  // relative to the list's folder
      (root / "abs.png").string(),  // listed paths are kept whether they exist or not
  };
  CHECK(files == expected);
}

TEST_CASE("image inputs: a missing argument or a folder without images is refused by name") {
  xp::testing::TempDir dir;
  CHECK_THROWS_WITH_AS(list_image_inputs({(dir.path() / "none").string()}),
                       doctest::Contains("none' does not exist"), xp::UserError);
  std::filesystem::create_directories(dir.path() / "docs");
  xp::testing::write_text(dir.path() / "docs" / "readme.md", "x");
  CHECK_THROWS_WITH_AS(list_image_inputs({(dir.path() / "docs").string()}),
                       doctest::Contains("holds no image files"), xp::UserError);
}
