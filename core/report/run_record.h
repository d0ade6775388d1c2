// The one writer of a run's run.json (a RunInfo: provenance, then what each stage recorded),
// tta.json and status.json (RUNNING, COMPLETE, FAILED or INTERRUPTED, the current stage and epoch,
// a heartbeat). Each is rewritten atomically at every change, so a run killed at any moment leaves
// valid JSON behind.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/report/run_info.h"
#include "core/report/run_status.h"

namespace xp::report {

struct Provenance {
  std::string recipe_path;
  std::vector<std::string> command_line;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string device = "cpu";
  std::string precision = "fp32";
  // "fused" | "foreach" | "for-loop" (train/compute_options.h step_implementation)
  std::string optimizer_step;
};

// "2026-11-28T15:42:33Z"
std::string utc_now_iso8601();

class RunRecord {
 public:
  RunRecord(std::filesystem::path folder, const Provenance& provenance);
  // A stopped run's record, continued (xp run --resume): its run.json as it was, with this
  // resumption appended to "resumed" (time and command line), status RUNNING again.
  // Throws CacheError naming run.json and the first damaged field when it is not what xp writes.
  static RunRecord reopen(const std::filesystem::path& folder,
                          const std::vector<std::string>& command_line);
  // status.json of a run whose record cannot be opened (resuming it failed before reopen): FAILED with
  // `error`; run.json is left as it is.
  static void mark_failed(const std::filesystem::path& folder, const std::string& error);

  // What the run is, before its first stage (name, plan, keys, data, weights): `edit` changes the
  // record, which is then written.
  void update(const std::function<void(RunInfo&)>& edit);
  // What a stage recorded, appended to its list.
  void add(LrFindInfo lr_find);
  void add(PrecomputeInfo precompute);
  void add(TimingInfo timing);
  void add(StageCacheInfo stage_cache);
  void add_tta(PredictionInfo tta);  // also the run's tta.json (the last tta stage's record)
  void add_predict(PredictionInfo predict);

  void stage(int index, const std::string& type, std::int64_t epoch);  // heartbeat
  void complete();
  void fail(const std::string& error);
  void interrupted();
  const RunInfo& run() const { return run_; }

  // Records every record a stage adds from now on (its contribution to run.json: lr_find,
  // precompute, tta and predict records), so that a cached stage can put the same records into a
  // later run's record with replay(). The captured form is JSON: it is stored in the stage cache.
  void begin_capture();
  nlohmann::json end_capture();
  void replay(const nlohmann::json& captured);

 private:
  RunRecord() = default;
  template <typename Info>
  void add_captured(const char* key, std::vector<Info>& list, Info info);
  void write_run();
  void write_status(RunState state, const std::string& error = "");

  std::filesystem::path folder_;
  RunInfo run_;
  int stage_index_ = -1;
  std::string stage_type_;
  std::int64_t epoch_ = -1;
  bool capturing_ = false;
  nlohmann::json captured_ = nlohmann::json::array();
};

}  // namespace xp::report
