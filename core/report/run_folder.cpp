#include "core/report/run_folder.h"

#include <unistd.h>

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>

#include "core/report/event_file.h"
#include "core/util/error.h"

namespace xp::report {

bool is_run_bookkeeping(const std::string& relative) {
  for (const char* name :
       {files::kRecipe, files::kRun, files::kStatus, files::kLog, files::kMetrics, files::kModel,
        files::kLrSchedule, files::kLrSchedulePlot, files::kTrainingLoss, files::kTrainingLossPlot,
        files::kResume, files::kReport, files::kInUse})
    if (relative == name) return true;
  // TensorBoard's logs (the run's, and lr_find's in their folders): the run's, not a stage's output.
  return is_event_file_name(std::filesystem::path(relative).filename().string());
}

std::filesystem::path lr_find_events_folder(const std::filesystem::path& run_folder,
                                            int stage_index) {
  return run_folder / str_cat("lr_find-stage", stage_index);
}

std::string snapshot_name(int stage_index, int cycle) {
  return str_cat("stage", stage_index, "-cycle", cycle);
}

std::filesystem::path data_report_folder(const std::filesystem::path& out,
                                         const std::string& name) {
  return out / (name + "-data");
}

std::filesystem::path lr_find_plot(const std::filesystem::path& run_folder, int stage_index) {
  const std::filesystem::path first = run_folder / files::kLrFindPlot;
  std::error_code error;
  if (!std::filesystem::exists(first, error)) return first;
  return run_folder / str_cat("lr_find-stage", stage_index, ".png");
}

std::filesystem::path checkpoint_path(const std::filesystem::path& run_folder,
                                      const std::string& name) {
  return run_folder / files::kCheckpoints / (name + ".h5");
}

std::string make_run_id() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::random_device entropy;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06x", entropy() & 0xffffffu);
  return str_cat(stamp, "-", suffix);
}

std::filesystem::path create_run_folder(const std::filesystem::path& results_root,
                                        const std::string& name) {
  const std::filesystem::path parent = results_root / name;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error)
    throw Error(str_cat("cannot create results folder '", parent.string(), "': ", error.message()));
  for (int attempt = 0; attempt < 16; ++attempt) {
    const std::filesystem::path folder = parent / make_run_id();
    if (::mkdir(folder.c_str(), 0755) == 0) return folder;
    if (errno != EEXIST)
      throw Error(
          str_cat("cannot create run folder '", folder.string(), "': ", std::strerror(errno)));
  }
  throw Error(str_cat("cannot find a free run folder name under '", parent.string(), "'"));
}

void update_latest_link(const std::filesystem::path& run_folder) {
  const auto parent = run_folder.parent_path();
  const auto temporary = parent / str_cat(".latest-", ::getpid());
  std::error_code error;
  std::filesystem::remove(temporary, error);
  std::filesystem::create_directory_symlink(run_folder.filename(), temporary, error);
  if (!error)
    std::filesystem::rename(temporary, parent / files::kLatest,
                            error);  // rename(2) replaces atomically
  if (error)
    throw Error(str_cat("cannot point '", (parent / files::kLatest).string(), "' at ",
                        run_folder.string(), ": ", error.message()));
}

}  // namespace xp::report
