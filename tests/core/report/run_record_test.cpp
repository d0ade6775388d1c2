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
  record.update([&](report::RunInfo& run) { run.classes = {latin1, "tea"}; });
  record.fail("cannot decode 'data/train/" + latin1 + "/1.jpg'");
  const auto status = nlohmann::json::parse(testing::read_text(dir.path() / "status.json"));
  CHECK(status["state"] == "FAILED");
  CHECK(status["error"] ==
        "cannot decode 'data/train/caf\xef\xbf\xbd/1.jpg'");  // the byte as U+FFFD
  const auto run = nlohmann::json::parse(testing::read_text(dir.path() / "run.json"));
  CHECK(run["classes"] == nlohmann::json({"caf\xef\xbf\xbd", "tea"}));
  CHECK(run["ended"].is_string());
}

TEST_CASE(
    "status.json reads back as the RunStatus written, and what xp did not write reads as none") {
  testing::TempDir dir;
  report::Provenance provenance;
  report::RunRecord record(dir.path(), provenance);
  auto status = report::read_run_status(dir.path());
  REQUIRE(status.has_value());
  CHECK(status->state == report::RunState::kRunning);
  CHECK_FALSE(status->stage.has_value());
  CHECK_FALSE(status->epoch.has_value());
  record.stage(2, "fit", 3);
  record.fail("stage [2] fit (r.yaml:9:5): boom");
  status = report::read_run_status(dir.path());
  REQUIRE(status.has_value());
  CHECK(status->state == report::RunState::kFailed);
  CHECK(status->stage == 2);
  CHECK(status->stage_type == std::string("fit"));
  CHECK(status->epoch == 3);
  CHECK(status->error == "stage [2] fit (r.yaml:9:5): boom");
  CHECK(status->pid > 0);
  CHECK(nlohmann::json::parse(testing::read_text(dir.path() / "status.json")) ==
        nlohmann::json::parse(report::to_json(*status).dump()));

  for (const char* text : {"", "{", "[]", R"({"state": "DONE"})", R"({"stage": 1})"}) {
    CAPTURE(text);
    testing::write_text(dir.path() / "status.json", text);
    CHECK_FALSE(report::read_run_status(dir.path()).has_value());
  }
  // A field of another type is left unset; the state still reads.
  testing::write_text(dir.path() / "status.json", R"({"state": "RUNNING", "stage": "two"})");
  status = report::read_run_status(dir.path());
  REQUIRE(status.has_value());
  CHECK(status->state == report::RunState::kRunning);
  CHECK_FALSE(status->stage.has_value());
  std::filesystem::remove(dir.path() / "status.json");
  CHECK_FALSE(report::read_run_status(dir.path()).has_value());
}
