#include "core/pipeline/stage_cache_driver.h"

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

StageCapture::StageCapture(const std::filesystem::path& run_folder, report::Console& console,
                           report::RunRecord& record)
    : run_folder_(run_folder),
      console_(console),
      record_(record),
      before_(snapshot_folder(run_folder)),
      started_(std::chrono::steady_clock::now()) {
  console_.begin_capture();
  record_.begin_capture();
}

StageOutputs StageCapture::finish(const RunObserver& observer) {
  StageOutputs outputs;
  outputs.lines = console_.end_capture();
  outputs.record_ops = record_.end_capture();
  outputs.metric_rows = observer.stage_rows();
  if (!outputs.metric_rows.empty()) outputs.last_metric = observer.last_metric();
  outputs.lr_rows = observer.stage_lr();
  outputs.loss_rows = observer.stage_losses();
  outputs.lr_find_rows = observer.stage_lr_find();
  outputs.files = written_files(before_, snapshot_folder(run_folder_));
  outputs.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return outputs;
}

StageCacheDriver::StageCacheDriver(const std::filesystem::path& cache_root, bool enabled,
                                   const std::filesystem::path& run_folder,
                                   report::Console& console, report::RunRecord& record)
    : store_(cache_root),
      usable_(enabled),
      run_folder_(run_folder),
      console_(console),
      record_(record) {}

template <typename Work>
void StageCacheDriver::guarded(int stage, const char* what, const Work& work) {
  std::string problem;
  try {
    work();
  } catch (const Interrupted&) {
    throw;
  } catch (const Error& error) {
    problem = error.what();
  } catch (const std::filesystem::filesystem_error& error) {
    problem = error.what();
  }
  if (problem.empty()) return;
  console_.line(
      str_cat("warning: stage cache ", what, " failed, continuing without it: ", problem));
  report::StageCacheInfo info;
  info.stage = stage;
  info.error = str_cat(what, ": ", problem);
  record_.add(std::move(info));
  usable_ = false;
}

bool StageCacheDriver::replay(const PlannedStage& planned, const StageKey& key,
                              const std::string& header, RunObserver& observer) {
  lock_.reset();
  if (!usable_) return false;
  std::optional<CachedStage> cached;
  guarded(planned.index, "lookup", [&] {
    lock_ = store_.lock(key.hash);
    cached =
        find_cached_stage(store_, key.hash, [&](const std::string& text) { console_.line(text); });
  });
  if (!cached) return false;
  console_.line(str_cat(header, "  [cached ", key.hash, ", from ", cached->entry.value("run", "?"),
                        str_printf(": %.1f s saved]", cached->outputs.seconds)));
  observer.begin_stage(planned.index, planned.type);
  for (const auto& line : cached->outputs.lines) console_.line(line);
  observer.replay(planned.index, cached->outputs);
  record_.replay(cached->outputs.record_ops);
  restore_stage_files(*cached, run_folder_);
  report::StageCacheInfo hit;
  hit.stage = planned.index;
  hit.key = key.hash;
  hit.hit = true;
  hit.from = cached->entry.value("run", "");
  hit.seconds_saved = cached->outputs.seconds;
  record_.add(std::move(hit));
  record_.add(report::TimingInfo{planned.index, planned.type, 0.0, /*cached=*/true});
  pending_ = std::move(cached);
  return true;
}

bool StageCacheDriver::catch_up(train::Learner& learner) {
  if (!pending_) return false;
  learner.restore(pending_->state.state);
  pending_.reset();
  return true;
}

void StageCacheDriver::publish(const PlannedStage& planned, const StageKey& key,
                               const StageKey* previous, const StageOutputs& outputs,
                               const train::LearnerState& state) {
  if (usable_)
    guarded(planned.index, "store", [&] {
      publish_stage(store_, key, {planned.index, planned.type, run_folder_.string()}, outputs,
                    state, previous ? previous->hash : std::string());
      report::StageCacheInfo stored;
      stored.stage = planned.index;
      stored.key = key.hash;
      stored.hit = false;
      stored.seconds = outputs.seconds;
      record_.add(std::move(stored));
    });
  lock_.reset();
}

}  // namespace xp::pipeline
