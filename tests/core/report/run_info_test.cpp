// run.json's typed record (report/run_info): what it writes follows schemas/run.schema.json and
// reads back as written; a folder from an older or a newer xp, or a damaged one, reads as far as it
// can, with each damaged field named.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/report/run_info.h"
#include "core/report/run_record.h"
#include "tests/schema_check.h"
#include "tests/test_support.h"

using namespace xp;
using report::RunInfo;

namespace {

// A run with every field and every kind of stage record set, as the engine records it.
RunInfo every_field() {
  RunInfo run;
  run.xp_version = "0.1.0";
  run.git_sha = "abc123";
  run.git_dirty = true;
  run.compiler = "GNU 12.2.0";
  run.build_type = "Release";
  run.libraries = {
      {"libtorch", "1.13.1"}, {"opencv", "4.6.0"}, {"hdf5", "1.10.8"}, {"blas", "openblas"}};
  run.host = {"box", "Xeon", 2, "avx2 avx512f"};
  run.device = "cuda:0";
  run.gpu = xp::report::GpuInfo{"NVIDIA H200", 139.8, "570.86.15", "12.8", "9.10.2"};
  run.threads = 2;
  run.distributed = xp::report::DistributedInfo{2, "gloo", "torchrun", {"node1", "node2"}};
  run.precision = "fp32";
  run.seed = 1ull << 40;  // wider than 32 bits
  run.recipe = "recipes/shoes.yaml";
  run.command_line = {"xp", "run", "recipes/shoes.yaml"};
  run.started = "2026-11-29T10:00:00Z";
  run.ended = "2026-11-29T10:02:05Z";
  run.resumed = {{"2026-11-29T10:01:00Z", {"xp", "run", "--resume", "results/shoes/x"}}};
  run.name = "shoes";
  run.plan = {{0, "lr_find", "start_lr=1e-05", 0},
              {1, "fit", "lr=0.01 sgdr", 3},
              {2, "tta", "1 plain + 4 augmented passes", 0}};
  run.stage_keys = {"0123456789abcdef", "fedcba9876543210", "00112233445566ff"};
  run.key_fields = {{"stages[1].fit.lr", "0.01"}, {"data.path", "/data/shoes"}};
  run.target = "single_label";
  run.classes = {"boot", "sandal"};
  run.data = report::DataCounts{80, 20, 5, 1};
  run.decode_check = report::DecodeCheckInfo{100, 6, 1, ""};
  run.resize_cache = report::ResizeCacheInfo{320, "/cache/resized", 90, 10, 0};
  run.weights = "/weights/resnet18.pt";
  run.lr_find = {{0, 12, 100, true, report::LrSuggestionsInfo{1e-3, 2e-3, 5e-2, 4e-3}},
                 {0, 3, 100, false, std::nullopt}};
  run.precompute = {{1, "train", "/cache/act/train.h5", false, 80, 512, 1.5},
                    {1, "valid", "/cache/act/valid.h5", true, 20, 512, 0.0}};
  run.timings = {{0, "lr_find", 2.5, false}, {1, "fit", 0.0, true}};
  report::StageCacheInfo hit, stored, broken;
  hit.stage = 1, hit.key = "fedcba9876543210", hit.hit = true, hit.from = "results/shoes/a",
  hit.seconds_saved = 61;
  stored.stage = 0, stored.key = "0123456789abcdef", stored.hit = false, stored.seconds = 2.5;
  broken.stage = 2, broken.error = "store: disk full";
  run.stage_cache = {hit, stored, broken};
  report::PredictionInfo tta;
  tta.stage = 2, tta.valid_images = 20, tta.n_aug = 4, tta.combine = "mean";
  tta.plain = {{"accuracy", 0.9}, {"log_loss", 0.3}};
  tta.tta = {{"accuracy", 0.95}, {"log_loss", 0.25}};
  tta.test_images = 5, tta.submission = "submission.csv", tta.seconds = 3;
  report::PredictionInfo predict;
  predict.stage = 3, predict.valid_images = 20, predict.scores = {{"f2", 0.8}},
  predict.threshold = 0.2, predict.seconds = 1;
  run.tta = {tta};
  run.predict = {predict};
  return run;
}

nlohmann::json plain_json(const nlohmann::ordered_json& json) {
  return nlohmann::json::parse(json.dump());
}

}  // namespace

TEST_CASE("run.json with every field follows the published schema and reads back as written") {
  const RunInfo run = every_field();
  const nlohmann::ordered_json written = report::to_json(run);
  CHECK(testing::schema_problems(plain_json(written), "run.schema.json") == "");
  CHECK(testing::schema_problems(plain_json(report::to_json(run.tta[0])), "run.schema.json",
                                 "prediction") == "");

  std::vector<std::string> problems;
  const RunInfo read = report::read_run_info(written, problems);
  CHECK(problems.empty());
  CHECK(report::to_json(read) == written);  // ordered: the same keys in the same order
  CHECK(read.seed == run.seed);
  REQUIRE(read.lr_find.size() == 2);
  CHECK(read.lr_find[0].suggestions->steep == 4e-3);
  CHECK_FALSE(read.lr_find[1].suggestions.has_value());
  CHECK(read.tta[0].tta == run.tta[0].tta);
  CHECK(read.key_fields == run.key_fields);
}

TEST_CASE("the largest seed a recipe can give (2^64 - 1) reads back") {
  RunInfo run = every_field();
  run.seed = 18446744073709551615ull;
  std::vector<std::string> problems;
  CHECK(report::read_run_info(report::to_json(run), problems).seed == run.seed);
  CHECK(problems.empty());
}

TEST_CASE("a run that has just started writes only the fields the schema requires and null ended") {
  RunInfo run = every_field();
  RunInfo started;
  started.xp_version = run.xp_version, started.git_sha = run.git_sha;
  started.compiler = run.compiler, started.build_type = run.build_type;
  started.libraries = run.libraries, started.host = run.host, started.device = "cpu";
  started.threads = 1, started.precision = "fp32", started.recipe = "r.yaml";
  started.started = run.started;
  const nlohmann::ordered_json written = report::to_json(started);
  CHECK(testing::schema_problems(plain_json(written), "run.schema.json") == "");
  CHECK(written.at("ended").is_null());
  for (const char* absent : {"resumed", "plan", "stage_keys", "lr_find", "tta", "name", "data"})
    CHECK_FALSE(written.contains(absent));
}

TEST_CASE("run.json from an older xp (fields missing) reads with defaults and no problems") {
  const auto old = nlohmann::ordered_json::parse(
      R"({"xp_version": "0.0.9", "threads": 2, "seed": 7, "started": "2026-01-01T00:00:00Z",
          "ended": null, "lr_find": [{"stage": 0, "batches": 5}]})");
  std::vector<std::string> problems;
  const RunInfo run = report::read_run_info(old, problems);
  CHECK(problems.empty());
  CHECK(run.threads == 2);
  CHECK(run.seed == 7);
  CHECK_FALSE(run.ended.has_value());
  CHECK(run.stage_keys.empty());
  REQUIRE(run.lr_find.size() == 1);
  CHECK(run.lr_find[0].batches == 5);
  CHECK(run.lr_find[0].scheduled == 0);
}

TEST_CASE("run.json from a newer xp keeps the fields this xp does not know when rewritten") {
  auto newer = report::to_json(every_field());
  newer["energy"] = {{"joules", 2e6}, {"meter", "rapl"}};
  std::vector<std::string> problems;
  const RunInfo run = report::read_run_info(newer, problems);
  CHECK(problems.empty());
  CHECK(report::to_json(run)["energy"] == newer["energy"]);
}

TEST_CASE("each damaged field of run.json is named with its path and the rest still reads") {
  auto damaged = report::to_json(every_field());
  damaged["threads"] = "two";
  damaged["seed"] = -1;
  damaged["lr_find"][1]["batches"] = 2.5;
  damaged["libraries"]["opencv"] = 4;
  damaged["resumed"] = "yesterday";
  damaged["timings"][0] = 3;
  std::vector<std::string> problems;
  const RunInfo run = report::read_run_info(damaged, problems);
  CHECK(problems == std::vector<std::string>{
                        "'libraries.opencv' should be a string, found 4",
                        "'threads' should be a whole number, found \"two\"",
                        "'seed' should be a whole number ≥ 0, found -1",
                        "'resumed' should be a list, found \"yesterday\"",
                        "'lr_find[1].batches' should be a whole number, found 2.5",
                        "'timings[0]' should be an object, found 3",
                    });
  CHECK(run.threads == 0);  // the default
  CHECK(run.libraries.size() == 3);
  CHECK(run.lr_find.size() == 2);
  CHECK(run.timings.size() == 1);
  CHECK(run.device == "cuda:0");  // the undamaged fields read
  REQUIRE(run.gpu.has_value());
  CHECK(run.gpu->cudnn == "9.10.2");
}

TEST_CASE("a stage's records captured from one run replay into another run's record") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "a");
  std::filesystem::create_directories(dir.path() / "b");
  report::Provenance provenance;
  report::RunRecord first(dir.path() / "a", provenance), second(dir.path() / "b", provenance);
  const RunInfo run = every_field();
  first.begin_capture();
  first.add(run.lr_find[0]);
  first.add(run.precompute[0]);
  first.add_tta(run.tta[0]);
  first.add_predict(run.predict[0]);
  first.add(run.timings[0]);  // not a stage's own record: the engine adds it for every stage
  const nlohmann::json captured = first.end_capture();
  CHECK(captured.size() == 4);
  second.replay(captured);
  const auto lists = [](const RunInfo& info) {
    const auto json = report::to_json(info);
    return nlohmann::ordered_json{json.at("lr_find"), json.at("precompute"), json.at("tta"),
                                  json.at("predict")};
  };
  CHECK(lists(second.run()) == lists(first.run()));
  CHECK(second.run().timings.empty());
  // What was replayed is on disk.
  const auto on_disk = nlohmann::ordered_json::parse(testing::read_text(dir.path() / "b/run.json"));
  CHECK(on_disk.at("tta") == report::to_json(first.run()).at("tta"));
}
