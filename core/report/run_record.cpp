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
  run_["xp_version"] = build.version;
  run_["git_sha"] = build.git_sha;
  run_["git_dirty"] = build.git_dirty;
  run_["compiler"] = build.compiler;
  run_["build_type"] = build.build_type;
  run_["libraries"] = library_versions();
  run_["host"] = {{"hostname", hostname()},
                  {"cpu", cpu_model()},
                  {"hardware_threads", std::thread::hardware_concurrency()},
                  {"cpu_features", describe(cpu_features())}};
  run_["device"] = provenance.device;
  run_["threads"] = provenance.threads;
  run_["precision"] = provenance.precision;
  run_["seed"] = provenance.seed;
  run_["recipe"] = provenance.recipe_path;
  run_["command_line"] = provenance.command_line;
  run_["started"] = utc_now_iso8601();
  run_["ended"] = nullptr;
  write_run();
  write_status(RunState::kRunning);
}

RunRecord RunRecord::reopen(const std::filesystem::path& folder,
                            const std::vector<std::string>& command_line) {
  RunRecord record;
  record.folder_ = folder;
  const std::string where = str_cat("cannot resume '", folder.string(), "': its ", files::kRun);
  try {
    record.run_ = nlohmann::ordered_json::parse(read_file(folder / files::kRun));
  } catch (const nlohmann::json::exception& error) {
    throw CacheError(str_cat(where, " is not valid JSON (", error.what(), ")"));
  }
  if (!record.run_.is_object()) throw CacheError(str_cat(where, " is not a JSON object"));
  // The fields a resumed run reads or extends, with the JSON type xp writes them with.
  using Json = nlohmann::ordered_json;
  const struct {
    const char* key;
    bool (Json::*is)() const noexcept;
    const char* wanted;
  } kExpected[] = {{"threads", &Json::is_number_unsigned, "a whole number"},
                   {"seed", &Json::is_number_unsigned, "a whole number"},
                   {"resumed", &Json::is_array, "a list"},
                   {"stage_keys", &Json::is_array, "a list"},
                   {"key_fields", &Json::is_object, "an object"}};
  for (const auto& field : kExpected) {
    if (!record.run_.contains(field.key) || (record.run_.at(field.key).*field.is)()) continue;
    throw CacheError(str_cat(where, " field '", field.key, "' is not what xp writes (",
                             field.wanted, "; found ",
                             clipped(record.run_.at(field.key).dump(), 40), ")"));
  }
  record.run_["ended"] = nullptr;
  record.append("resumed", {{"at", utc_now_iso8601()}, {"command_line", command_line}});
  record.write_status(RunState::kRunning);
  return record;
}

void RunRecord::mark_failed(const std::filesystem::path& folder, const std::string& error) {
  RunRecord record;
  record.folder_ = folder;
  record.write_status(RunState::kFailed, error);
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
    nlohmann::ordered_json value = nlohmann::ordered_json::parse(json_text(op.at("value"), -1));
    if (op.at("op") == "set")
      set(key, std::move(value));
    else
      append(key, std::move(value));
  }
}

void RunRecord::set(const std::string& key, nlohmann::ordered_json value) {
  if (capturing_)
    captured_.push_back(
        {{"op", "set"}, {"key", key}, {"value", nlohmann::json::parse(json_text(value, -1))}});
  run_[key] = std::move(value);
  write_run();
}

void RunRecord::append(const std::string& key, nlohmann::ordered_json value) {
  if (capturing_)
    captured_.push_back(
        {{"op", "append"}, {"key", key}, {"value", nlohmann::json::parse(json_text(value, -1))}});
  if (!run_.contains(key)) run_[key] = nlohmann::ordered_json::array();
  run_[key].push_back(std::move(value));
  write_run();
}

void RunRecord::stage(int index, const std::string& type, std::int64_t epoch) {
  stage_index_ = index;
  stage_type_ = type;
  epoch_ = epoch;
  write_status(RunState::kRunning);
}

void RunRecord::complete() {
  run_["ended"] = utc_now_iso8601();
  write_run();
  write_status(RunState::kComplete);
}

void RunRecord::fail(const std::string& error) {
  // status.json first: if run.json cannot be written either (a full disk), the state and the first
  // error are what a reader of the folder must still find.
  write_status(RunState::kFailed, error);
  run_["ended"] = utc_now_iso8601();
  write_run();
}

void RunRecord::interrupted() {
  run_["ended"] = utc_now_iso8601();
  write_run();
  write_status(RunState::kInterrupted, "interrupted by the user (Ctrl-C)");
}

void RunRecord::write_run() { write_file_atomic(folder_ / files::kRun, json_text(run_)); }

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
