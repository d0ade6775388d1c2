// What a run tells TensorBoard (event_file.h), on one step axis for the whole run: the fit
// iterations of every stage laid end to end, as in training_loss.csv and lr_schedule.csv.
//   train/loss, train/smoothed_loss   every fit iteration (fastai's sched.losses, plot_loss)
//   lr/group_<g>                      every fit iteration, each layer group (sched.plot_lr)
//   epoch/trn_loss, epoch/val_loss, epoch/<metric>   at each epoch's last iteration (a run
//                                     resumed from an epoch's end has it before its restart; one
//                                     stopped before validating it logs it after the restart)
//   stages (text)                     "[index] type" where each stage starts
//   lr_find/lr, lr_find/loss, lr_find/smoothed_loss   each lr_find iteration, in the stage's own
//                                     TensorBoard run lr_find-stage<N>/ (run_folder.h): its own
//                                     step axis, untouched by a resumed run's restart
// RunObserver feeds it as the learner reports, and from the stage cache when a stage is replayed.
//
// Steps need not arrive in order (on a GPU an iteration's loss comes a few iterations after its
// LRs): with file version 2, TensorBoard purges only at an explicit restart (resume_at).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/report/event_file.h"

namespace xp::report {

class RunEvents {
 public:
  RunEvents(const std::filesystem::path& folder, std::string metric_name);

  // xp run --resume: the run's fits before the resumed stage took `earlier_iterations`, and the
  // resumed fit stopped after `iteration` of its own. Steps before that point are in the stopped
  // run's file; what it logged after it, TensorBoard is told to drop.
  void resume_at(std::int64_t earlier_iterations, std::int64_t iteration);

  void begin_stage(int index, const std::string& type);
  void lr(std::int64_t iteration, const std::vector<double>& group_lrs);
  void loss(std::int64_t iteration, double loss, double smoothed_loss);
  // An epoch of the stage's fit ended, after the last iteration reported.
  void epoch(double trn_loss, double val_loss, double metric);
  // A stage replayed from the stage cache: its LR and loss rows (iteration, values) and its
  // metrics.csv rows, whose epochs end at equal shares of its iterations.
  void replay_stage(const std::vector<std::pair<std::int64_t, std::vector<double>>>& lr_rows,
                    const std::vector<std::array<double, 3>>& loss_rows,
                    const std::vector<std::string>& metric_rows);
  // A point of the lr_find stage `stage`'s curve. A stage run again (a run resumed inside it)
  // starts its file with a restart at step 0: TensorBoard shows the new curve only.
  void lr_find(int stage, std::int64_t iteration, double lr, double loss, double smoothed_loss);
  void flush();

 private:
  bool fresh(std::int64_t step) const { return step >= first_new_step_; }
  void write_epoch(std::int64_t step, double trn_loss, double val_loss, double metric);

  std::filesystem::path folder_;
  EventFile file_;
  std::map<int, std::unique_ptr<EventFile>> lr_find_files_;  // by stage
  std::string metric_name_;
  std::int64_t stage_start_ = 0;     // the step of the stage's first iteration
  std::int64_t end_ = 0;             // one past the last iteration step seen
  std::int64_t first_new_step_ = 0;  // steps below it are already on disk (a resumed run)
};

}  // namespace xp::report
