#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/write_failure.h"
#include "tests/test_support.h"

using namespace xp;
namespace fs = std::filesystem;

TEST_CASE(
    "write_file_atomic writes a new file and replaces a regular one, leaving no temporary file") {
  testing::TempDir dir;
  const fs::path path = dir.path() / "out.txt";
  write_file_atomic(path, "first");
  write_file_atomic(path, "second");
  CHECK(read_file(path) == "second");
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("an output path that exists and is not a regular file is refused, and left as it was") {
  testing::TempDir dir;
  testing::write_text(dir.path() / "target.txt", "kept");
  fs::create_symlink(dir.path() / "target.txt", dir.path() / "link");
  fs::create_directory(dir.path() / "folder");
  REQUIRE(::mkfifo((dir.path() / "pipe").c_str(), 0644) == 0);
  const struct {
    const char* name;
    const char* kind;
  } cases[] = {{"link", "a symbolic link"}, {"folder", "a folder"}, {"pipe", "a pipe or socket"}};
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const fs::path path = dir.path() / c.name;
    const auto type = fs::symlink_status(path).type();
    CHECK_THROWS_WITH_AS(write_file_atomic(path, "replaced"), doctest::Contains(c.kind), Error);
    // write_via_temp (the HDF5 writers) refuses before calling the writer.
    bool wrote = false;
    CHECK_THROWS_WITH_AS(write_via_temp(path, [&](const std::string&) { wrote = true; }),
                         doctest::Contains("exists and is not a regular file"), Error);
    CHECK_FALSE(wrote);
    CHECK(fs::symlink_status(path).type() == type);
  }
  CHECK(read_file(dir.path() / "target.txt") == "kept");
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 4);
}

TEST_CASE("disk_problem_note names a full disk or a quota, and stays silent otherwise") {
  xp::testing::TempDir dir;
  const auto file = dir.path() / "model.h5";
  const std::string full = xp::disk_problem_note(file, ENOSPC);
  CHECK(full.rfind(" (no space left on device: ", 0) == 0);
  CHECK(full.find(dir.path().string()) != std::string::npos);
  CHECK(xp::disk_problem_note(file, EDQUOT).find("quota") != std::string::npos);
  CHECK(xp::disk_problem_note(file, 0).empty());  // this test's folder has room
  CHECK(xp::disk_problem_note(file, EACCES).empty());
}
