#include "core/pipeline/stage_cache.h"

#include <limits>

#include "core/models/weights/h5.h"
#include "core/report/run_folder.h"
#include "core/report/run_record.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace fs = std::filesystem;

namespace {

nlohmann::json outputs_json(const StageOutputs& outputs) {
  nlohmann::json lr = nlohmann::json::array();
  for (const auto& [iteration, groups] : outputs.lr_rows) lr.push_back({iteration, groups});
  return {{"lines", outputs.lines},
          {"metric_rows", outputs.metric_rows},
          {"last_metric",
           outputs.last_metric ? nlohmann::json(*outputs.last_metric) : nlohmann::json(nullptr)},
          {"lr_rows", lr},
          {"loss_rows", outputs.loss_rows},
          {"lr_find_rows", outputs.lr_find_rows},
          {"record_ops", outputs.record_ops},
          {"files", outputs.files},
          {"seconds", outputs.seconds}};
}

StageOutputs outputs_of(const nlohmann::json& json) {
  StageOutputs outputs;
  outputs.lines = json.at("lines").get<std::vector<std::string>>();
  outputs.metric_rows = json.at("metric_rows").get<std::vector<std::string>>();
  if (!json.at("last_metric").is_null()) outputs.last_metric = json.at("last_metric").get<double>();
  for (const auto& row : json.at("lr_rows"))
    outputs.lr_rows.emplace_back(row.at(0).get<std::int64_t>(),
                                 row.at(1).get<std::vector<double>>());
  // Absent from entries stored before the training curve was kept: the replayed curve lacks them.
  outputs.loss_rows = json.value("loss_rows", std::vector<std::array<double, 3>>{});
  outputs.lr_find_rows = json.value("lr_find_rows", std::vector<std::array<double, 4>>{});
  outputs.record_ops = json.at("record_ops");
  outputs.files = json.at("files").get<std::vector<std::string>>();
  outputs.seconds = json.at("seconds").get<double>();
  return outputs;
}

// A hard link shares the bytes (checkpoints are large); across file systems, a copy.
void link_or_copy(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  std::error_code error;
  fs::remove(to, error);
  fs::create_hard_link(from, to, error);
  if (error) fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

}  // namespace

FolderSnapshot snapshot_folder(const fs::path& folder) {
  FolderSnapshot snapshot;
  std::error_code error;
  for (const auto& item : fs::recursive_directory_iterator(folder, error)) {
    if (!item.is_regular_file(error)) continue;
    const auto modified = fs::last_write_time(item.path(), error);
    snapshot[fs::relative(item.path(), folder).string()] = {
        item.file_size(error),
        std::chrono::duration_cast<std::chrono::nanoseconds>(modified.time_since_epoch()).count()};
  }
  return snapshot;
}

std::vector<std::string> written_files(const FolderSnapshot& before, const FolderSnapshot& after) {
  std::vector<std::string> files;
  for (const auto& [path, identity] : after) {
    if (report::is_run_bookkeeping(path) || path.find(".tmp") != std::string::npos) continue;
    const auto old = before.find(path);
    if (old == before.end() || old->second != identity) files.push_back(path);
  }
  return files;
}

namespace {

// Hard-links the previous stage's weights.h5 to `target` when it holds the weights of `digest`.
bool share_previous_weights(const cache::StageStore& store, const std::string& previous_hash,
                            const std::string& digest, const fs::path& target) {
  if (previous_hash.empty()) return false;
  const auto previous = store.read_entry(previous_hash);
  if (!previous || previous->value("weights_digest", "") != digest) return false;
  std::error_code error;
  fs::create_hard_link(store.entry_folder(previous_hash) / cache::stage_files::kWeights, target,
                       error);
  return !error;
}

}  // namespace

void publish_stage(const cache::StageStore& store, const StageKey& key, const StageRun& run,
                   const StageOutputs& outputs, const train::LearnerState& state,
                   const std::string& previous_hash) {
  nlohmann::json entry = {{"stage", run.index},    {"type", run.type},
                          {"run", run.run_folder}, {"created", report::utc_now_iso8601()},
                          {"fields", key.fields},  {"outputs", outputs_json(outputs)}};
  const std::string digest = weights_digest(state.weights);
  entry["weights_digest"] = digest;
  store.publish(key.hash, entry, [&](const fs::path& folder) {
    train::LearnerState without_weights = state;
    without_weights.weights.clear();
    write_learner_file(folder / cache::stage_files::kState, {without_weights, std::nullopt, {}});
    const fs::path weights = folder / cache::stage_files::kWeights;
    if (!share_previous_weights(store, previous_hash, digest, weights))
      models::write_h5(weights, {state.weights});
    for (const auto& file : outputs.files)
      link_or_copy(fs::path(run.run_folder) / file, folder / cache::stage_files::kFiles / file);
  });
}

std::optional<CachedStage> find_cached_stage(const cache::StageStore& store,
                                             const std::string& hash,
                                             const std::function<void(const std::string&)>& warn) {
  std::string problem;
  std::optional<nlohmann::json> entry = store.read_entry(hash, &problem);
  if (entry) {
    try {
      CachedStage cached;
      cached.folder = store.entry_folder(hash);
      cached.outputs = outputs_of(entry->at("outputs"));
      for (const auto& file : cached.outputs.files)
        if (!fs::is_regular_file(cached.folder / cache::stage_files::kFiles / file))
          throw CacheError(str_cat("its file '", file, "' is missing"));
      cached.state = read_learner_file(cached.folder / cache::stage_files::kState);
      const fs::path weights = cached.folder / cache::stage_files::kWeights;
      try {
        cached.state.state.weights = models::read_h5(weights.string()).tensors;
      } catch (const Error& error) {
        throw CacheError(str_cat("'", weights.string(), "' cannot be read: ", error.what()));
      }
      if (weights_digest(cached.state.state.weights) != entry->value("weights_digest", ""))
        throw CacheError(str_cat("'", weights.string(),
                                 "': its tensors do not match their checksum (damaged file)"));
      cached.entry = std::move(*entry);
      std::error_code
          ignored;  // a use: `xp cache gc` removes the least recently used entries first
      fs::last_write_time(cached.folder, fs::file_time_type::clock::now(), ignored);
      return cached;
    } catch (const std::exception& error) {
      problem = str_cat(store.entry_folder(hash).string(), ": ", error.what());
    }
  }
  if (problem.empty()) return std::nullopt;
  warn(
      str_cat("warning: stage cache entry damaged (", problem, "); removed, the stage runs again"));
  store.remove(hash);
  return std::nullopt;
}

void restore_stage_files(const CachedStage& cached, const fs::path& run_folder) {
  for (const auto& file : cached.outputs.files)
    link_or_copy(cached.folder / cache::stage_files::kFiles / file, run_folder / file);
}

std::vector<CacheStatus> cache_status(const cache::StageStore& store,
                                      const std::vector<StageKey>& keys) {
  std::vector<CacheStatus> statuses;
  std::optional<std::vector<nlohmann::json>> entries;  // read once, at the first miss
  bool missed = false;
  for (std::size_t idx = 0; idx < keys.size(); ++idx) {
    CacheStatus status;
    if (auto entry = store.read_entry(keys[idx].hash);
        entry &&
        fs::is_regular_file(store.entry_folder(keys[idx].hash) / cache::stage_files::kState) &&
        fs::is_regular_file(store.entry_folder(keys[idx].hash) / cache::stage_files::kWeights)) {
      status.hit = true;
      status.detail =
          str_cat("from ", entry->value("run", "?"),
                  str_printf(", saves %.1f s", entry->at("outputs").value("seconds", 0.0)));
    } else if (missed) {
      status.detail = "runs again after the change above";
    } else {
      missed = true;
      if (!entries) entries = store.entries();
      // The closest entry cached for this stage position: the fewest differing values.
      std::size_t fewest = std::numeric_limits<std::size_t>::max();
      for (const auto& candidate : *entries) {
        if (candidate.value("stage", -1) != static_cast<int>(idx) || !candidate.contains("fields"))
          continue;
        const auto changes =
            key_changes(candidate.at("fields").get<KeyFields>(), keys[idx].fields, 1000);
        if (changes.size() < fewest) {
          fewest = changes.size();
          status.changes = key_changes(candidate.at("fields").get<KeyFields>(), keys[idx].fields);
        }
      }
      status.detail =
          status.changes.empty() ? "nothing cached for this stage yet" : join(status.changes, "; ");
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

}  // namespace xp::pipeline
