#include "core/report/run_index.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <sstream>

#include "core/cache/cache_layout.h"
#include "core/report/run_folder.h"
#include "core/report/run_status.h"
#include "core/util/atomic_file.h"
#include "core/util/csv_table.h"
#include "core/util/error.h"
#include "core/util/file_lock.h"
#include "core/util/strings.h"

namespace xp::report {

namespace fs = std::filesystem;

std::vector<fs::path> find_runs(const fs::path& root) {
  std::vector<fs::path> runs;
  std::error_code error;
  if (!fs::is_directory(root, error)) return runs;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error),
      end;
  for (; it != end; it.increment(error)) {
    if (error) break;
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    if (it->is_symlink() || path == cache::layout::default_root(path.parent_path()) ||
        name == files::kLatest || !it->is_directory()) {
      if (it->is_directory() && !it->is_symlink()) it.disable_recursion_pending();
      continue;
    }
    if (fs::is_regular_file(path / files::kRun, error)) {
      runs.push_back(path);
      it.disable_recursion_pending();  // checkpoints/ and the like
    }
  }
  // Run ids start with their UTC time: sort by it, then by path.
  std::sort(runs.begin(), runs.end(), [](const fs::path& a, const fs::path& b) {
    return std::make_pair(a.filename().string(), a.string()) <
           std::make_pair(b.filename().string(), b.string());
  });
  return runs;
}

EpochLog read_epoch_log(const fs::path& folder) {
  EpochLog log;
  std::error_code error;
  if (!fs::exists(folder / files::kMetrics, error)) return log;
  const CsvTable table = read_csv((folder / files::kMetrics).string());
  if (table.header.size() >= 9) log.metric_name = table.header[7];  // between val_loss and seconds
  const auto stage = table.column("stage"), type = table.column("stage_type"),
             epoch = table.column("epoch"), lr = table.column("lr"), trn = table.column("trn_loss"),
             val = table.column("val_loss"), seconds = table.column("seconds");
  const auto number = [](const std::string& text) {
    return text.empty() ? NAN : std::atof(text.c_str());
  };
  for (const auto& row : table.rows) {
    if (row.fields.size() < table.header.size()) continue;  // a row cut short by a crash
    log.rows.push_back({std::atoi(row.fields[stage].c_str()), row.fields[type],
                        std::atoi(row.fields[epoch].c_str()), number(row.fields[lr]),
                        number(row.fields[trn]), number(row.fields[val]), number(row.fields[7]),
                        number(row.fields[seconds])});
  }
  return log;
}

double seconds_between(const std::string& start, const std::string& end) {
  const auto parse = [](const std::string& text) -> double {
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    return in.fail() ? NAN : static_cast<double>(timegm(&tm));
  };
  return parse(end) - parse(start);
}

RunSummary summarize_run(const fs::path& folder) {
  const RunInfo run = read_run_json(folder);
  EpochLog epochs;
  try {
    epochs = read_epoch_log(folder);
  } catch (const Error&) {
    // A damaged metrics.csv leaves the metrics unknown; the state and times still show.
  }
  return summarize_run(folder, run, epochs);
}

RunSummary summarize_run(const fs::path& folder, const RunInfo& run, const EpochLog& epochs) {
  const std::optional<RunStatus> status = read_run_status(folder);
  RunSummary summary;
  summary.folder = folder;
  summary.name = folder.parent_path().filename().string();
  summary.started = run.started;
  summary.stages = static_cast<int>(run.stage_keys.size());
  summary.state = status ? state_name(status->state) : "UNKNOWN";
  if (status && status->state == RunState::kRunning && FileLock::try_lock(folder / files::kInUse))
    summary.state = "KILLED";
  if (status) {
    summary.error = status->error;
    summary.stages_done =
        status->state == RunState::kComplete ? summary.stages : status->stage.value_or(0);
    summary.seconds = seconds_between(summary.started, run.ended.value_or(status->heartbeat));
  }
  summary.metric_name = epochs.metric_name;
  if (!epochs.rows.empty()) {
    summary.trn_loss = epochs.rows.back().trn_loss;
    summary.val_loss = epochs.rows.back().val_loss;
    summary.metric = epochs.rows.back().metric;
  }
  if (const auto tta = read_tta_json(folder)) {
    for (const auto& [name, value] : tta->plain) summary.tta["plain." + name] = value;
    for (const auto& [name, value] : tta->tta) summary.tta["tta." + name] = value;
    if (tta->threshold) summary.tta["threshold"] = *tta->threshold;
  }
  return summary;
}

}  // namespace xp::report
