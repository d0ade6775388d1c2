// The run's side of training: turns the learner's events into console lines and progress bars,
// metrics.csv rows, lr_schedule.csv, training_loss.csv, TensorBoard events and status.json
// heartbeats; and keeps what the stage in
// progress added to those files, for the stage cache.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/pipeline/stage_cache.h"
#include "core/report/console.h"
#include "core/report/lr_schedule.h"
#include "core/report/metrics_csv.h"
#include "core/report/run_events.h"
#include "core/report/run_record.h"
#include "core/report/training_loss.h"
#include "core/train/training_observer.h"

namespace xp::pipeline {

class RunObserver : public train::TrainingObserver {
 public:
  RunObserver(report::Console& console, report::MetricsCsv& metrics,
              report::LrScheduleLog& schedule, report::TrainingLossLog& losses,
              report::RunEvents& events, report::RunRecord& record, std::string metric_name);

  // A new stage starts: its epochs get the metrics header again and status.json names it.
  void begin_stage(int index, const std::string& type);
  // Writes lr_schedule.csv and training_loss.csv as of now.
  void end_stage();

  // What the stage in progress added to metrics.csv and lr_schedule.csv (for the stage cache).
  const std::vector<std::string>& stage_rows() const { return stage_rows_; }
  const std::vector<std::pair<std::int64_t, std::vector<double>>>& stage_lr() const {
    return stage_lr_;
  }
  const std::vector<std::array<double, 3>>& stage_losses() const { return stage_losses_; }
  const std::vector<std::array<double, 4>>& stage_lr_find() const { return stage_lr_find_; }
  std::size_t rows() const { return rows_; }  // metrics.csv rows so far
  double last_metric() const { return last_metric_; }

  // A cached stage's rows and LR log, as if it had run.
  void replay(int index, const StageOutputs& outputs);
  // xp run --resume: the rows kept from the stopped run.
  void resume(std::size_t rows, double last_metric);

  void on_epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches) override;
  void on_batch(std::int64_t batch, double smoothed_loss) override;
  void on_lr(std::int64_t iteration, const std::vector<double>& group_lrs) override;
  void on_loss(std::int64_t iteration, double loss, double smoothed_loss) override;
  void on_lr_find(std::int64_t iteration, double lr, double loss, double smoothed_loss) override;
  void on_epoch(const train::EpochStats& stats) override;

 private:
  report::Console& console_;
  report::MetricsCsv& metrics_;
  report::LrScheduleLog& schedule_;
  report::TrainingLossLog& losses_;
  report::RunEvents& events_;
  report::RunRecord& record_;
  std::string metric_name_;
  int stage_index_ = 0;
  std::string stage_type_;
  bool header_printed_ = false;
  std::int64_t done_ = 0;  // batches of the epoch in progress
  double last_metric_ = 0;
  std::size_t rows_ = 0;
  std::int64_t batches_ = 0;  // training batches of this process, for the fault injection below
  const std::int64_t kill_at_batch_;
  std::vector<std::string> stage_rows_;
  std::vector<std::pair<std::int64_t, std::vector<double>>> stage_lr_;
  std::vector<std::array<double, 3>> stage_losses_;   // iteration, loss, smoothed loss
  std::vector<std::array<double, 4>> stage_lr_find_;  // iteration, lr, loss, smoothed loss
};

}  // namespace xp::pipeline
