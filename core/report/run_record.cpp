#include "core/report/run_record.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>
#include <utility>

#include "core/report/run_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/build_info.h"
#include "core/util/cpu_features.h"
#include "core/util/error.h"
#include "core/util/json_text.h"
#include "core/util/strings.h"

namespace xp::report {

namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string hostname() {
  char buffer[256] = {0};
  return gethostname(buffer, sizeof buffer - 1) == 0 ? buffer : "unknown";
}

}  // namespace

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return stamp;
}

RunRecord::RunRecord(std::filesystem::path folder, const Provenance& provenance)
    : folder_(std::move(folder)) {
  const BuildInfo& build = build_info();
  run_.xp_version = build.version;
  run_.git_sha = build.git_sha;
  run_.git_dirty = build.git_dirty;
  run_.compiler = build.compiler;
  run_.build_type = build.build_type;
  run_.libraries = library_versions();
  run_.host = {hostname(), cpu_model(),
               static_cast<std::int64_t>(std::thread::hardware_concurrency()),
               describe(cpu_features())};
  run_.device = provenance.device;
  run_.threads = provenance.threads;
  run_.precision = provenance.precision;
  run_.optimizer_step = provenance.optimizer_step;
  run_.seed = provenance.seed;
  run_.recipe = provenance.recipe_path;
  run_.command_line = provenance.command_line;
  run_.started = utc_now_iso8601();
  write_run();
  write_status(RunState::kRunning);
}

RunRecord RunRecord::reopen(const std::filesystem::path& folder,
                            const std::vector<std::string>& command_line) {
  RunRecord record;
  record.folder_ = folder;
  const std::string where = str_cat("cannot resume '", folder.string(), "': its ", files::kRun);
  nlohmann::ordered_json json;
  try {
    json = nlohmann::ordered_json::parse(read_file(folder / files::kRun));
  } catch (const nlohmann::json::exception& error) {
    throw CacheError(str_cat(where, " is not valid JSON (", error.what(), ")"));
  }
  if (!json.is_object()) throw CacheError(str_cat(where, " is not a JSON object"));
  // Rewriting a record read with guesses would make them look like what the run recorded.
  std::vector<std::string> problems;
  record.run_ = read_run_info(json, problems);
  if (!problems.empty())
    throw CacheError(str_cat(
        where, " is not what xp writes: ", problems.front(),
        problems.size() > 1 ? str_cat(" (and ", problems.size() - 1, " more)") : std::string()));
  record.run_.ended.reset();
  record.run_.resumed.push_back({utc_now_iso8601(), command_line});
  record.write_run();
  record.write_status(RunState::kRunning);
  return record;
}

void RunRecord::mark_failed(const std::filesystem::path& folder, const std::string& error) {
  RunRecord record;
  record.folder_ = folder;
  record.write_status(RunState::kFailed, error);
}

void RunRecord::update(const std::function<void(RunInfo&)>& edit) {
  edit(run_);
  write_run();
}

template <typename Info>
void RunRecord::add_captured(const char* key, std::vector<Info>& list, Info info) {
  if (capturing_)
    captured_.push_back({{"op", "append"},
                         {"key", key},
                         {"value", nlohmann::json::parse(json_text(to_json(info), -1))}});
  list.push_back(std::move(info));
  write_run();
}

void RunRecord::add(LrFindInfo lr_find) {
  add_captured(stage_lists::kLrFind, run_.lr_find, std::move(lr_find));
}
void RunRecord::add(PrecomputeInfo precompute) {
  add_captured(stage_lists::kPrecompute, run_.precompute, std::move(precompute));
}
void RunRecord::add_tta(PredictionInfo tta) {
  write_file_atomic(folder_ / files::kTta, json_text(to_json(tta)));
  add_captured(stage_lists::kTta, run_.tta, std::move(tta));
}
void RunRecord::add_predict(PredictionInfo predict) {
  add_captured(stage_lists::kPredict, run_.predict, std::move(predict));
}

void RunRecord::add(TimingInfo timing) {
  run_.timings.push_back(std::move(timing));
  write_run();
}

void RunRecord::add(StageCacheInfo stage_cache) {
  run_.stage_cache.push_back(std::move(stage_cache));
  write_run();
}

void RunRecord::begin_capture() {
  capturing_ = true;
  captured_ = nlohmann::json::array();
}

nlohmann::json RunRecord::end_capture() {
  capturing_ = false;
  return std::exchange(captured_, nlohmann::json::array());
}

void RunRecord::replay(const nlohmann::json& captured) {
  for (const auto& op : captured) {
    const std::string key = op.at("key");
    const auto value = nlohmann::ordered_json::parse(json_text(op.at("value"), -1));
    // The entry passed its checksum: what it holds is what an xp wrote, read as forgivingly as
    // run.json is.
    std::vector<std::string> problems;
    if (key == stage_lists::kLrFind)
      add(read_lr_find_info(value, problems));
    else if (key == stage_lists::kPrecompute)
      add(read_precompute_info(value, problems));
    else if (key == stage_lists::kTta)
      add_tta(read_prediction_info(value, problems));
    else if (key == stage_lists::kPredict)
      add_predict(read_prediction_info(value, problems));
    else  // a record of a newer xp: kept as it was
      run_.unknown[key].push_back(value), write_run();
  }
}

void RunRecord::stage(int index, const std::string& type, std::int64_t epoch) {
  stage_index_ = index;
  stage_type_ = type;
  epoch_ = epoch;
  write_status(RunState::kRunning);
}

void RunRecord::complete() {
  run_.ended = utc_now_iso8601();
  write_run();
  write_status(RunState::kComplete);
}

void RunRecord::fail(const std::string& error) {
  // status.json first: if run.json cannot be written either (a full disk), the state and the first
  // error are what a reader of the folder must still find.
  write_status(RunState::kFailed, error);
  run_.ended = utc_now_iso8601();
  write_run();
}

void RunRecord::interrupted() {
  run_.ended = utc_now_iso8601();
  write_run();
  write_status(RunState::kInterrupted, "interrupted by the user (Ctrl-C)");
}

void RunRecord::write_run() { write_file_atomic(folder_ / files::kRun, json_text(to_json(run_))); }

void RunRecord::write_status(RunState state, const std::string& error) {
  RunStatus status;
  status.state = state;
  if (stage_index_ >= 0) status.stage = stage_index_;
  if (!stage_type_.empty()) status.stage_type = stage_type_;
  if (epoch_ >= 0) status.epoch = epoch_;
  status.heartbeat = utc_now_iso8601();
  status.pid = getpid();
  status.error = error;
  write_file_atomic(folder_ / files::kStatus, json_text(to_json(status)));
}

}  // namespace xp::report
