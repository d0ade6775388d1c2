// What a fit, an lr_find and a validation take and give back: the options of one fit, the
// statistics of each epoch, and where a fit stands (what resume continues from).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/train/lr_finder.h"
#include "core/train/optimizer.h"
#include "core/train/schedule.h"

namespace xp::train {

struct EpochStats {
  std::int64_t epoch = 0;    // within the fit, from 0
  double lr = 0;             // last layer group's LR at the epoch's last batch
  double trn_loss = 0;       // fastai's smoothed loss at the end of the epoch
  double trn_loss_mean = 0;  // plain mean of the epoch's batch losses
  double val_loss = 0;       // mean NLL over the whole validation split
  double metric = 0;         // the task's metric over the whole validation split (meters.h)
  double seconds = 0;        // wall time of the epoch, validation included
};

// Where a fit stands, with everything needed to continue it bit for bit (resume): at the end of
// an epoch (batches_done = 0 of the next one), or where Ctrl-C stopped it (mid-epoch, or with
// every batch trained but not yet validated). The learner's own state travels separately
// (LearnerState): the two are saved together.
struct FitProgress {
  std::int64_t epoch = 0;         // the epoch in progress (= epochs of this fit completed)
  std::int64_t batches_done = 0;  // batches of that epoch already trained
  std::int64_t iteration = 0;     // batches of this fit trained: the schedule's position
  double smoothed_average = 0;    // SmoothedLoss's raw running average and count
  std::int64_t smoothed_count = 0;
  double epoch_loss_sum = 0;  // the partial epoch's loss sum and sample count
  double epoch_loss_weight = 0;
  double epoch_seconds = 0;  // time already spent on the partial epoch
  std::vector<EpochStats> history;
  std::vector<double> losses;   // every iteration's batch loss so far (the training curve)
  std::string optimizer_state;  // LayerOptimizer::save_state
};

// fastai's listify for per-layer-group values (LRs): one value for every group, or one per group.
// "" when `values` values fit `groups` groups, else what is wrong ("has 2 values but the model
// has 3 layer groups; give one value or 3") — the recipe check and the learner say it alike.
std::string per_group_mismatch(std::size_t values, std::size_t groups);

struct FitOptions {
  std::vector<double> lr = {1e-2};  // one value, or one per layer group
  ScheduleOptions schedule;
  OptimizerOptions optimizer;  // fastai 0.7: SGD_Momentum(0.9), no weight decay
  bool precompute = false;     // train the head on the learner's precomputed activations
  // Called after the last epoch of each cycle with the cycle's index (fastai's cycle_save_name).
  std::function<void(int cycle)> on_cycle_end;
  // Called after every epoch, and where Ctrl-C stops the fit before Interrupted travels on: the
  // caller saves it with the learner's state() to resume from.
  std::function<void(const FitProgress&)> on_progress;
  // Continue a fit from here instead of starting it (the learner's state restored first).
  const FitProgress* resume = nullptr;
};

struct LrFindResult {
  std::vector<double> lrs;         // the last layer group's LR at each recorded batch
  std::vector<double> losses;      // fastai's smoothed loss after each recorded batch
  std::vector<double> raw_losses;  // each recorded batch's own loss
  std::int64_t scheduled = 0;      // batches the schedule spans (num_it, or one epoch)
  bool diverged = false;           // stopped by the divergence test (that batch is not recorded)
  LrSuggestions suggestions;
};

struct Validation {
  double loss = 0;
  double metric = 0;  // TaskMetricMeter: accuracy, accuracy_thresh or mse
};

}  // namespace xp::train
