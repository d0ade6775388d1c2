// Where a fit stands, batch by batch, with what continuing it needs: the epoch and batch position,
// the smoothed training loss (over the whole fit, like fastai's avg_loss), the epoch's plain mean
// loss, and the statistics of the epochs done. Learner::fit advances it; save() is the FitProgress
// a resume point stores, and a resumed fit starts its cursor from one.
//
//   FitCursor cursor(epochs, per_epoch, options.resume);
//   while (!cursor.done()) {
//     for (each batch after cursor.batches_done()) cursor.add_batch(loss, batch_size);
//     cursor.end_epoch(stats);
//   }
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/train/fit_types.h"
#include "core/train/meters.h"

namespace xp::train {

class FitCursor {
 public:
  // A fit of `epochs` epochs of `per_epoch` batches, from its start or from `resume` (a save() of
  // the same fit). Throws UserError when `resume` is not a position of such a fit.
  FitCursor(std::int64_t epochs, std::int64_t per_epoch, const FitProgress* resume = nullptr);

  bool done() const { return progress_.epoch >= epochs_; }
  std::int64_t epoch() const { return progress_.epoch; }
  std::int64_t batches_done() const { return progress_.batches_done; }  // of this epoch
  std::int64_t iteration() const { return progress_.iteration; }        // batches of the fit
  // Seconds the epoch in progress took before the fit was resumed inside it (else 0).
  double earlier_seconds() const { return earlier_seconds_; }

  // One trained batch: its loss and its number of samples.
  void add_batch(double loss, double samples);
  double smoothed_loss() const { return smoothed_.value(); }
  // Every batch loss of the fit so far, by iteration (empty before the resume point of a fit
  // resumed from a file that did not keep them).
  const std::vector<double>& losses() const { return progress_.losses; }
  double epoch_mean_loss() const { return epoch_loss_.value(); }

  // Keeps the finished epoch's statistics and moves to the start of the next epoch.
  void end_epoch(const EpochStats& stats);
  const std::vector<EpochStats>& history() const { return progress_.history; }

  // Where the fit stands now, with the optimizer's state and the time spent on the epoch so far.
  FitProgress save(std::string optimizer_state, double epoch_seconds) const;

 private:
  std::int64_t epochs_;
  FitProgress progress_;  // position and history; the meters below hold the running losses
  SmoothedLoss smoothed_;
  AverageMeter epoch_loss_;
  double earlier_seconds_ = 0;
};

}  // namespace xp::train
