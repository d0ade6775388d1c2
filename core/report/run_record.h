// run.json (provenance: what ran, where, with what) and status.json (RUNNING, COMPLETE, FAILED or
// INTERRUPTED, the current stage and epoch, a heartbeat). Both are rewritten atomically, so a run
// killed at any moment leaves valid JSON behind.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/report/run_status.h"

namespace xp::report {

struct Provenance {
  std::string recipe_path;
  std::vector<std::string> command_line;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string device = "cpu";
  std::string precision = "fp32";
};

// "2026-11-28T15:42:33Z"
std::string utc_now_iso8601();

class RunRecord {
 public:
  RunRecord(std::filesystem::path folder, const Provenance& provenance);
  // A stopped run's record, continued (xp run --resume): its run.json as it was, with this
  // resumption appended to "resumed" (time and command line), status RUNNING again.
  // Throws CacheError naming run.json when it is not the JSON object xp writes.
  static RunRecord reopen(const std::filesystem::path& folder,
                          const std::vector<std::string>& command_line);
  // status.json of a run whose record cannot be opened (resuming it failed before reopen): FAILED with
  // `error`; run.json is left as it is.
  static void mark_failed(const std::filesystem::path& folder, const std::string& error);

  void set(const std::string& key, nlohmann::ordered_json value);      // extra run.json fields
  void append(const std::string& key, nlohmann::ordered_json value);   // to a run.json list
  void stage(int index, const std::string& type, std::int64_t epoch);  // heartbeat
  void complete();
  void fail(const std::string& error);
  void interrupted();
  const nlohmann::ordered_json& run() const { return run_; }

  // Records every set() and append() from now on (one stage's contribution to run.json), so that a
  // cached stage can put the same fields into a later run's record with replay().
  void begin_capture();
  nlohmann::json end_capture();
  void replay(const nlohmann::json& captured);

 private:
  RunRecord() = default;
  void write_run();
  void write_status(RunState state, const std::string& error = "");

  std::filesystem::path folder_;
  nlohmann::ordered_json run_;
  int stage_index_ = -1;
  std::string stage_type_;
  std::int64_t epoch_ = -1;
  bool capturing_ = false;
  nlohmann::json captured_ = nlohmann::json::array();
};

}  // namespace xp::report
