// The learner's events, for whoever shows or records progress (pipeline/run_observer.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/train/fit_types.h"

namespace xp::train {

// What the learner reports while it works; report/ implements it (train/ does no I/O).
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_epoch_begin(std::int64_t /*epoch*/, std::int64_t /*epochs*/,
                              std::int64_t /*batches*/) {}
  virtual void on_batch(std::int64_t /*batch*/, double /*smoothed_loss*/) {}
  // A fit's LR of every layer group for its iteration (fastai's sched.plot_lr), frozen groups
  // included.
  virtual void on_lr(std::int64_t /*iteration*/, const std::vector<double>& /*group_lrs*/) {}
  // A fit's batch loss at `iteration` and the smoothed loss after it (fastai's sched.losses and
  // the progress bar's value), in iteration order; on resume, the iterations trained before the
  // stop first.
  virtual void on_loss(std::int64_t /*iteration*/, double /*loss*/, double /*smoothed_loss*/) {}
  // lr_find's point at `iteration`: the LR, the batch loss and the smoothed loss (fastai's
  // sched.plot), in iteration order, up to the divergence.
  virtual void on_lr_find(std::int64_t /*iteration*/, double /*lr*/, double /*loss*/,
                          double /*smoothed_loss*/) {}
  virtual void on_validation_begin() {}
  virtual void on_epoch(const EpochStats& /*stats*/) {}
};

}  // namespace xp::train
