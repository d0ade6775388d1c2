// The one module that names files on disk for a run (shared/STYLE.md R17): the result folder
// results/<name>/<UTC time>-<random id>/ and the files inside it.
#pragma once

#include <filesystem>
#include <string>

namespace xp::report {

namespace files {
inline constexpr const char* kRecipe = "recipe.yaml";
inline constexpr const char* kRun = "run.json";
inline constexpr const char* kStatus = "status.json";
inline constexpr const char* kLog = "log.txt";
inline constexpr const char* kMetrics = "metrics.csv";
inline constexpr const char* kModel = "model.h5";
inline constexpr const char* kSkipped = "skipped.csv";
inline constexpr const char* kLrFind = "lr_find.csv";
inline constexpr const char* kLrSchedule = "lr_schedule.csv";
inline constexpr const char* kLrSchedulePlot = "lr_schedule.png";
inline constexpr const char* kLrFindPlot = "lr_find.png";
inline constexpr const char* kTrainingLoss = "training_loss.csv";
inline constexpr const char* kTrainingLossPlot = "training_loss.png";
inline constexpr const char* kTta = "tta.json";
inline constexpr const char* kPredictions = "predictions.csv";
inline constexpr const char* kSubmission = "submission.csv";
inline constexpr const char* kConfusion = "confusion.csv";
inline constexpr const char* kConfusionPlot = "confusion.png";
inline constexpr const char* kTopLosses = "top_losses.png";
inline constexpr const char* kResume = "resume.h5";  // the learner's state at the last resume point
inline constexpr const char* kReport = "report.html";
inline constexpr const char* kInUse = ".lock";  // flock-ed by the process running the folder
inline constexpr const char* kCheckpoints = "checkpoints";  // folder: the `save` stage's weights
// results/<name>/latest: a link to the name's last completed run (update_latest_link)
inline constexpr const char* kLatest = "latest";
// `xp data`'s report folder
inline constexpr const char* kDataSummary = "data.json";
inline constexpr const char* kImageSizes = "sizes.csv";
inline constexpr const char* kImageSizesPlot = "sizes.png";
inline constexpr const char* kAugmentPreview = "augment_preview.png";
}  // namespace files

// Files the engine itself keeps for the whole run (not one stage's output): the stage cache never
// stores or replays them. `relative` is a path inside the run folder.
bool is_run_bookkeeping(const std::string& relative);

// checkpoints/<name>.h5 in a run folder: what the `save` stage writes and `load` reads.
std::filesystem::path checkpoint_path(const std::filesystem::path& run_folder,
                                      const std::string& name);

// The checkpoint name of fit's snapshot at the end of cycle `cycle` (snapshots: true):
// "stage<N>-cycle<K>", saved as checkpoints/stage<N>-cycle<K>.h5.
std::string snapshot_name(int stage_index, int cycle);

// `xp data`'s report folder for a recipe named `name`: <out>/<name>-data/.
std::filesystem::path data_report_folder(const std::filesystem::path& out, const std::string& name);

// lr_find.png for a run's first lr_find stage; a later one's is lr_find-stage<N>.png, N its
// index, so that each stays.
std::filesystem::path lr_find_plot(const std::filesystem::path& run_folder, int stage_index);

// The TensorBoard run of the lr_find stage `stage_index`: <run folder>/lr_find-stage<N>/, a folder
// of its own so that the curve has its own step axis (lr_find's iterations).
std::filesystem::path lr_find_events_folder(const std::filesystem::path& run_folder,
                                            int stage_index);

// "20261128T154233Z-3fa9c1": sortable by time, unique through the random suffix even when runs
// start in the same second (runners.md: second-resolution names collide).
std::string make_run_id();

// Creates results_root/name/<run id>/ atomically (mkdir fails rather than reuse a folder) and
// returns it. Retries with a new id on the rare collision.
std::filesystem::path create_run_folder(const std::filesystem::path& results_root,
                                        const std::string& name);

// Points <results_root>/<name>/latest at `run_folder` (a relative symlink, replaced atomically):
// what another recipe names to start from the last completed run, e.g.
// model.weights: results/fashion-pretrain/latest/model.h5.
void update_latest_link(const std::filesystem::path& run_folder);

}  // namespace xp::report
