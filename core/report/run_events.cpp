#include "core/report/run_events.h"

#include <algorithm>
#include <cstdlib>

#include "core/report/run_folder.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

RunEvents::RunEvents(const std::filesystem::path& folder, std::string metric_name)
    : folder_(folder), file_(folder), metric_name_(std::move(metric_name)) {}

void RunEvents::lr_find(int stage, std::int64_t iteration, double lr, double loss,
                        double smoothed_loss) {
  auto& file = lr_find_files_[stage];
  if (!file) {
    const std::filesystem::path folder = lr_find_events_folder(folder_, stage);
    std::filesystem::create_directories(folder);
    file = std::make_unique<EventFile>(folder);
    file->restart_at(0);
  }
  file->scalar("lr_find/lr", iteration, lr);
  file->scalar("lr_find/loss", iteration, loss);
  file->scalar("lr_find/smoothed_loss", iteration, smoothed_loss);
}

void RunEvents::flush() {
  file_.flush();
  for (auto& [stage, file] : lr_find_files_) file->flush();
}

void RunEvents::resume_at(std::int64_t earlier_iterations, std::int64_t iteration) {
  end_ = earlier_iterations;
  stage_start_ = earlier_iterations;
  first_new_step_ = earlier_iterations + iteration;
  file_.restart_at(first_new_step_);
}

void RunEvents::begin_stage(int index, const std::string& type) {
  stage_start_ = end_;
  if (fresh(stage_start_)) file_.text("stages", stage_start_, str_cat("[", index, "] ", type));
}

void RunEvents::lr(std::int64_t iteration, const std::vector<double>& group_lrs) {
  const std::int64_t step = stage_start_ + iteration;
  end_ = std::max(end_, step + 1);
  if (!fresh(step)) return;
  for (std::size_t group = 0; group < group_lrs.size(); ++group)
    file_.scalar(str_cat("lr/group_", group), step, group_lrs[group]);
}

void RunEvents::loss(std::int64_t iteration, double loss, double smoothed_loss) {
  const std::int64_t step = stage_start_ + iteration;
  end_ = std::max(end_, step + 1);
  if (!fresh(step)) return;
  file_.scalar("train/loss", step, loss);
  file_.scalar("train/smoothed_loss", step, smoothed_loss);
}

void RunEvents::epoch(double trn_loss, double val_loss, double metric) {
  // Always new, even one step below the restart: a run stopped after an epoch's last batch but
  // before its validation resumes at the next step and validates that epoch here; the stopped run
  // never logged it, and TensorBoard drops only what came before the restart.
  write_epoch(end_ - 1, trn_loss, val_loss, metric);
}

void RunEvents::write_epoch(std::int64_t step, double trn_loss, double val_loss, double metric) {
  file_.scalar("epoch/trn_loss", step, trn_loss);
  file_.scalar("epoch/val_loss", step, val_loss);
  file_.scalar("epoch/" + metric_name_, step, metric);
  file_.flush();
}

void RunEvents::replay_stage(
    const std::vector<std::pair<std::int64_t, std::vector<double>>>& lr_rows,
    const std::vector<std::array<double, 3>>& loss_rows,
    const std::vector<std::string>& metric_rows) {
  for (const auto& [iteration, group_lrs] : lr_rows) lr(iteration, group_lrs);
  for (const auto& [iteration, value, smoothed] : loss_rows)
    loss(static_cast<std::int64_t>(iteration), value, smoothed);
  // metrics.csv: stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss,<metric>,seconds; the
  // epochs of a fit are equally long, so epoch k ends k/epochs of the way through the stage.
  const std::int64_t iterations = end_ - stage_start_;
  const auto epochs = static_cast<std::int64_t>(metric_rows.size());
  for (std::int64_t done = 1; done <= epochs; ++done) {
    const std::vector<std::string> fields =
        split(metric_rows[static_cast<std::size_t>(done - 1)], ',');
    // Unless the stopped run's file has it already.
    const std::int64_t step = stage_start_ + iterations * done / epochs - 1;
    if (fields.size() >= 8 && fresh(step))
      write_epoch(step, std::strtod(fields[4].c_str(), nullptr),
                  std::strtod(fields[6].c_str(), nullptr), std::strtod(fields[7].c_str(), nullptr));
  }
  file_.flush();
}

}  // namespace xp::report
