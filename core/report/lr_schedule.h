// lr_schedule.csv and lr_schedule.png: the LR of every layer group at every fit iteration of the
// run (frozen groups included, as fastai sets them), and fastai's sched.plot_lr — the last
// group's LR by iteration, every fit of the run in order, each stage's start marked. Both are
// rewritten after each stage that trained, so they are complete up to the last finished stage.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/report/plot.h"

namespace xp::report {

class LrScheduleLog {
 public:
  explicit LrScheduleLog(std::filesystem::path folder) : folder_(std::move(folder)) {}
  // One fit iteration: "stage,iteration,lr_g0,lr_g1,…".
  void add(int stage, std::int64_t iteration, const std::vector<double>& group_lrs);
  // Writes both files when iterations were added since the last write.
  void write();
  // xp run --resume: the rows of stages before `stage` from the stopped run's lr_schedule.csv.
  void keep_stages_before(const std::string& existing, int stage);

 private:
  std::filesystem::path folder_;
  std::string csv_;                     // the file so far, header included
  std::vector<double> last_group_lrs_;  // the plotted curve
  std::vector<ChartMarker> stage_starts_;
  std::size_t written_ = 0;  // iterations already on disk
};

}  // namespace xp::report
