// training_loss.csv and training_loss.png: every fit iteration's batch loss and fastai's smoothed
// loss (the debiased moving average the progress bar shows), every fit of the run in order — what
// fastai's sched.plot_loss() draws, where metrics.csv has one point per epoch. Rewritten after each
// stage that trained, like lr_schedule.csv; the iterations of a fit stopped part-way reach it from
// the resume point (FitProgress::losses), so a resumed run's curve is whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/report/plot.h"

namespace xp::report {

class TrainingLossLog {
 public:
  explicit TrainingLossLog(std::filesystem::path folder) : folder_(std::move(folder)) {}
  // One fit iteration: "stage,iteration,loss,smoothed_loss".
  void add(int stage, std::int64_t iteration, double loss, double smoothed_loss);
  // Writes both files when iterations were added since the last write.
  void write();
  // xp run --resume: the rows of stages before `stage` from the stopped run's training_loss.csv.
  void keep_stages_before(const std::string& existing, int stage);
  // Iterations logged so far (all stages).
  std::int64_t iterations() const { return static_cast<std::int64_t>(smoothed_.size()); }

 private:
  std::filesystem::path folder_;
  std::string csv_;
  std::vector<double> smoothed_;  // the plotted curve, on the run's iteration axis
  std::vector<ChartMarker> stage_starts_;
  int last_stage_ = -1;
  std::size_t written_ = 0;  // iterations already on disk
};

}  // namespace xp::report
