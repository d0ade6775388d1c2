// What `xp ls` and `xp diff` read from result folders: every run folder below a directory, and
// each one's state, stages, final metrics and duration, from its status.json, run.json and
// metrics.csv. A folder whose status says RUNNING while no process holds it (its .lock is free)
// is reported as KILLED: the process died without a word (SIGKILL, power loss).
#pragma once

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/report/run_info.h"

namespace xp::report {

struct RunSummary {
  std::filesystem::path folder;
  std::string name;         // the recipe's name (run.json "recipe" stem, else the parent folder)
  std::string state;        // COMPLETE, FAILED, INTERRUPTED, RUNNING, KILLED, or UNKNOWN
  std::string error;        // status.json's error
  int stages_done = 0;      // stages started (status.json's stage + 1 when not complete)
  int stages = 0;           // stages in the recipe (run.json "stage_keys")
  std::string started;      // ISO time
  double seconds = NAN;     // ended (or last heartbeat) − started
  std::string metric_name;  // metrics.csv's metric column
  double metric = NAN;      // last metrics.csv row
  double val_loss = NAN;
  double trn_loss = NAN;
  std::map<std::string, double> tta;  // tta.json's scores: "tta.accuracy", "plain.accuracy", …
};

// metrics.csv, one row per epoch (a row cut short by a crash is left out).
struct EpochRow {
  int stage = 0;
  std::string type;
  int epoch = 0;
  double lr = NAN, trn_loss = NAN, val_loss = NAN, metric = NAN, seconds = NAN;
};
struct EpochLog {
  std::string
      metric_name;  // the metric column's name: accuracy, accuracy_thresh, mse ("" without metrics.csv)
  std::vector<EpochRow> rows;
};
// A run folder's metrics.csv; empty when it has none. Throws DataError naming the file and line
// when it is not valid CSV.
EpochLog read_epoch_log(const std::filesystem::path& folder);

// Every run folder (holding run.json) below `root`, `latest` links and caches left out, oldest first.
std::vector<std::filesystem::path> find_runs(const std::filesystem::path& root);

// Throws xp::Error naming the folder when it is not a run folder.
RunSummary summarize_run(const std::filesystem::path& folder);
// The same from the folder's run.json and metrics.csv already read (report.html reads both itself).
RunSummary summarize_run(const std::filesystem::path& folder, const RunInfo& run,
                         const EpochLog& epochs);

// Seconds between two ISO-8601 UTC times "2026-11-28T15:42:33Z" (NaN when either is malformed).
double seconds_between(const std::string& start, const std::string& end);

}  // namespace xp::report
