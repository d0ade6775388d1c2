#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/report/run_record.h"
#include "tests/test_support.h"

using namespace xp;

TEST_CASE(
    "run.json and status.json are written when strings hold invalid UTF-8, and FAILED keeps its "
    "reason") {
  testing::TempDir dir;
  report::Provenance provenance;
  report::RunRecord record(dir.path(), provenance);
  const std::string latin1 = "caf\xe9";  // a Latin-1 folder name: not UTF-8
  record.set("classes", {latin1, "tea"});
  record.fail("cannot decode 'data/train/" + latin1 + "/1.jpg'");
  const auto status = nlohmann::json::parse(testing::read_text(dir.path() / "status.json"));
  CHECK(status["state"] == "FAILED");
  CHECK(status["error"] ==
        "cannot decode 'data/train/caf\xef\xbf\xbd/1.jpg'");  // the byte as U+FFFD
  const auto run = nlohmann::json::parse(testing::read_text(dir.path() / "run.json"));
  CHECK(run["classes"] == nlohmann::json({"caf\xef\xbf\xbd", "tea"}));
  CHECK(run["ended"].is_string());
}
