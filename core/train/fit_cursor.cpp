#include "core/train/fit_cursor.h"

#include <utility>

#include "core/util/error.h"

namespace xp::train {

FitCursor::FitCursor(std::int64_t epochs, std::int64_t per_epoch, const FitProgress* resume)
    : epochs_(epochs) {
  if (!resume) return;
  progress_ = *resume;
  XP_CHECK(progress_.epoch >= 0 && progress_.batches_done >= 0 && progress_.epoch <= epochs &&
               progress_.batches_done <= per_epoch &&
               progress_.iteration == progress_.epoch * per_epoch + progress_.batches_done,
           "resume: the saved fit stopped at epoch ", progress_.epoch, " batch ",
           progress_.batches_done, ", which this fit (", epochs, " epochs of ", per_epoch,
           " batches) cannot continue from");
  // A resume point written before xp kept the losses has none: the curve then starts here.
  if (static_cast<std::int64_t>(progress_.losses.size()) != progress_.iteration)
    progress_.losses.clear();
  smoothed_.restore(progress_.smoothed_average, progress_.smoothed_count);
  epoch_loss_.restore(progress_.epoch_loss_sum, progress_.epoch_loss_weight);
  earlier_seconds_ = progress_.batches_done > 0 ? progress_.epoch_seconds : 0.0;
  progress_.optimizer_state.clear();  // the optimizer holds it from here on
}

void FitCursor::add_batch(double loss, double samples) {
  smoothed_.add(loss);
  epoch_loss_.add(loss, samples);
  progress_.losses.push_back(loss);
  ++progress_.iteration;
  ++progress_.batches_done;
}

void FitCursor::end_epoch(const EpochStats& stats) {
  progress_.history.push_back(stats);
  epoch_loss_.reset();
  progress_.batches_done = 0;
  earlier_seconds_ = 0;
  ++progress_.epoch;
}

FitProgress FitCursor::save(std::string optimizer_state, double epoch_seconds) const {
  FitProgress out = progress_;
  out.smoothed_average = smoothed_.average();
  out.smoothed_count = smoothed_.count();
  out.epoch_loss_sum = epoch_loss_.sum();
  out.epoch_loss_weight = epoch_loss_.count();
  out.epoch_seconds = epoch_seconds;
  out.optimizer_state = std::move(optimizer_state);
  return out;
}

}  // namespace xp::train
