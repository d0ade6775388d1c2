// run.json, typed: what ran, where, with what, and what each stage recorded
// (schemas/run.schema.json). One struct per record with its one encoding (to_json) and decoding
// (read_*), the way LevelDB's VersionEdit owns its format: RunRecord writes a RunInfo, the stages
// hand it typed records, and report.html, xp ls and xp run --resume read it back — nobody else
// spells run.json's keys.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xp::report {

using NamedStrings = std::vector<std::pair<std::string, std::string>>;  // in the file's order
using Scores = std::vector<std::pair<std::string, double>>;  // "accuracy" → 0.93, in order

// The run.json lists a stage adds its own records to: what the stage cache captures of a stage and
// replays into a later run's record, by these names (RunRecord).
namespace stage_lists {
inline constexpr char kLrFind[] = "lr_find";
inline constexpr char kPrecompute[] = "precompute";
inline constexpr char kTta[] = "tta";
inline constexpr char kPredict[] = "predict";
}  // namespace stage_lists

struct HostInfo {
  std::string hostname;
  std::string cpu;
  std::int64_t hardware_threads = 0;
  std::string cpu_features;
};

// The GPU a run uses and the CUDA stack under it (runs on a GPU only).
struct GpuInfo {
  std::string name;       // "NVIDIA H200"
  double memory_gib = 0;  // total memory
  std::string driver;     // the NVIDIA driver's version ("570.86.15")
  std::string cuda;       // the CUDA runtime LibTorch was built with ("12.8")
  std::string cudnn;      // the cuDNN LibTorch runs with ("9.10.2")
};

// A data-parallel run (issue #17): its ranks and where they ran.
struct DistributedInfo {
  int world_size = 1;
  std::string backend;             // "gloo"
  std::string launcher;            // "torchrun" | "slurm" | "xp" (xp run --nproc)
  std::vector<std::string> hosts;  // each rank's host name, in rank order
};

// One `xp run --resume` of the run.
struct Resumption {
  std::string at;  // UTC, ISO 8601
  std::vector<std::string> command_line;
};

// One stage of the recipe, as report.html's plan table lists it.
struct PlannedStageInfo {
  int stage = 0;
  std::string type;
  std::string description;
  std::int64_t epochs = 0;
};

struct DataCounts {
  std::int64_t train_images = 0;
  std::int64_t valid_images = 0;
  std::int64_t test_images = 0;
  std::int64_t skipped_images = 0;
};

// data.check_images: how many images were decoded, how many verdicts came from the cache.
struct DecodeCheckInfo {
  std::int64_t decoded = 0;
  std::int64_t reused = 0;
  std::int64_t undecodable = 0;
  std::string cache_problem;  // why verdicts could not be cached; empty when they were
};

// data.resize_cache: the folder of shrunk copies the run read its images from.
struct ResizeCacheInfo {
  int shorter_side = 0;
  std::string folder;
  std::int64_t written = 0;
  std::int64_t reused = 0;
  std::int64_t already_small = 0;
};

struct LrSuggestionsInfo {
  double valley = 0, slide = 0, minimum = 0, steep = 0;
};

struct LrFindInfo {
  int stage = 0;
  std::int64_t batches = 0;    // run
  std::int64_t scheduled = 0;  // planned
  bool diverged = false;
  std::optional<LrSuggestionsInfo> suggestions;  // none when too few batches ran
};

// One split's activations of the frozen body, computed or reused.
struct PrecomputeInfo {
  int stage = 0;
  std::string split;
  std::string file;
  bool reused = false;
  std::int64_t rows = 0;
  std::int64_t features = 0;
  double seconds = 0;
};

struct TimingInfo {
  int stage = 0;
  std::string type;
  double seconds = 0;
  bool cached = false;  // replayed from the stage cache
};

// What the stage cache did for a stage: a hit replayed, a miss stored, or why it was given up.
struct StageCacheInfo {
  int stage = 0;
  std::string key;                      // the stage key's hash (none with an error)
  std::optional<bool> hit;              // none with an error
  std::string from;                     // a hit: the run folder that stored it
  std::optional<double> seconds_saved;  // a hit
  std::optional<double> seconds;        // a miss: what the stage took
  std::string error;                    // "lookup: …" or "store: …"
};

// A predict or tta stage's record; a tta stage also writes it as tta.json.
struct PredictionInfo {
  int stage = 0;
  std::int64_t valid_images = 0;
  std::optional<int> n_aug;                 // tta: augmented passes
  std::string combine;                      // tta: how the passes were combined
  Scores plain;                             // tta: the scores without augmentation
  Scores tta;                               // tta: with it
  Scores scores;                            // predict
  std::optional<double> threshold;          // multi-label: the F2 threshold
  std::optional<std::int64_t> test_images;  // when test predictions were written
  std::string submission;                   // their file
  double seconds = 0;
};

struct RunInfo {
  // Where and with what it ran (written when the run starts).
  std::string xp_version;
  std::string git_sha;
  bool git_dirty = false;
  std::string compiler;
  std::string build_type;
  NamedStrings libraries;  // "libtorch" → "1.13.1", …
  HostInfo host;
  std::string device;                          // "cpu", "cuda:0"
  std::optional<GpuInfo> gpu;                  // when device is a GPU
  int threads = 0;                             // per rank
  std::optional<DistributedInfo> distributed;  // a data-parallel run
  std::string precision;
  // How the optimizers step (train/compute_options.h step_implementation); none in run folders
  // older than the choice, which stepped as "foreach" on a GPU and "for-loop" on the CPU do.
  std::optional<std::string> optimizer_step;
  std::uint64_t seed = 0;
  std::string recipe;  // as given on the command line
  std::vector<std::string> command_line;
  std::string started;               // UTC, ISO 8601
  std::optional<std::string> ended;  // none while running or when killed
  std::vector<Resumption> resumed;

  // What the run is (written before the first stage).
  std::optional<std::string> name;
  std::vector<PlannedStageInfo> plan;
  std::vector<std::string> stage_keys;  // each stage's stage cache key
  NamedStrings key_fields;  // what the last key covers: "stages[1].fit.lr" → "0.01", …
  std::optional<std::string> target;  // "single_label" | "multi_label" | "regression"
  std::vector<std::string> classes;
  std::optional<DataCounts> data;
  std::optional<DecodeCheckInfo> decode_check;
  std::optional<ResizeCacheInfo> resize_cache;
  std::optional<std::string> weights;  // the model.weights file the body came from

  // What the stages recorded, in the order they ran.
  std::vector<LrFindInfo> lr_find;
  std::vector<PrecomputeInfo> precompute;
  std::vector<TimingInfo> timings;
  std::vector<StageCacheInfo> stage_cache;
  std::vector<PredictionInfo> tta;
  std::vector<PredictionInfo> predict;

  // Fields this xp does not know (a newer xp wrote them), kept so that rewriting the file (xp run
  // --resume) loses nothing.
  nlohmann::ordered_json unknown = nlohmann::ordered_json::object();
};

nlohmann::ordered_json to_json(const RunInfo& run);
nlohmann::ordered_json to_json(const Resumption& resumption);
nlohmann::ordered_json to_json(const LrFindInfo& lr_find);
nlohmann::ordered_json to_json(const PrecomputeInfo& precompute);
nlohmann::ordered_json to_json(const TimingInfo& timing);
nlohmann::ordered_json to_json(const StageCacheInfo& stage_cache);
nlohmann::ordered_json to_json(const PredictionInfo& prediction);

// Decoding, forgiving as JsonFields is: missing fields keep their defaults, and each field of
// another type than xp writes is listed in `problems` ("'threads' should be a whole number, found
// \"x\""). A reader that may guess (xp ls, report.html) ignores them; xp run --resume refuses.
RunInfo read_run_info(const nlohmann::ordered_json& json, std::vector<std::string>& problems);
LrFindInfo read_lr_find_info(const nlohmann::ordered_json& json,
                             std::vector<std::string>& problems);
PrecomputeInfo read_precompute_info(const nlohmann::ordered_json& json,
                                    std::vector<std::string>& problems);
PredictionInfo read_prediction_info(const nlohmann::ordered_json& json,
                                    std::vector<std::string>& problems);

// A run folder's run.json, for readers that may guess (xp ls, xp diff, report.html). Throws
// xp::Error naming the folder when it has none or it is not a JSON object (not a run folder).
RunInfo read_run_json(const std::filesystem::path& run_folder);
// A run folder's tta.json (the last tta stage's record); nullopt when there is none or it is not
// a JSON object.
std::optional<PredictionInfo> read_tta_json(const std::filesystem::path& run_folder);

}  // namespace xp::report
