// The learning-rate finder's arithmetic, apart from the training loop (Learner::lr_find runs it):
//
//   schedule     fastai 0.7's LR_Finder: lr_i = start · mult^i, mult = (end / start_last)^(1/n)
//                (linear: lr_i = start · (end / start_last) / n · i), every layer group scaled alike
//   stop         fastai 0.7: stop when the smoothed loss is NaN or above 4× the best; the best
//                is updated only after 10 batches, and tested before it is updated
//   suggestions  fastai v2's valley, slide, minimum and steep, over lrs[n/10 : −5] with the points
//                from the first NaN on removed (shared/reference/fastai.md §1)
#pragma once

#include <cstdint>
#include <vector>

namespace xp::train {

struct LrFindOptions {
  std::vector<double> start_lr = {1e-5};  // one value, or one per layer group
  double end_lr = 10;                     // reached by the last group
  std::int64_t num_it = 0;                // batches; 0 = one epoch, as fastai 0.7
  bool linear = false;
  bool stop_div = true;     // stop when the loss diverges
  bool precompute = false;  // on the learner's precomputed activations (head only)
};

// The multiplier of batch i's start LRs, for i = 0 … n−1.
std::vector<double> lr_find_multipliers(double start_last, double end_lr, std::int64_t n,
                                        bool linear);

// fastai 0.7's divergence test; feed it each batch's smoothed loss in order.
class DivergenceStop {
 public:
  // True when training should stop at this batch (the batch is then not recorded).
  bool should_stop(double smoothed_loss);

 private:
  double best_ = 1e9;
  std::int64_t recorded_ = 0;  // batches seen before this one (fastai's iteration)
};

struct LrSuggestions {
  double valley = 0;   // fastai ≥ 2.4's default: half-way down the longest decreasing run
  double slide = 0;    // where the gradient flattens, walking left from the end
  double minimum = 0;  // the LR of the lowest loss, ÷ 10
  double steep = 0;    // the steepest descent in log LR
  bool valid = false;  // false when too few points remain to suggest anything
};

// fastai v2's suggestion functions on a recorded curve; `scheduled` is the number of batches the
// finder was asked for (its num_it), which sets the skipped start.
LrSuggestions suggest_lrs(const std::vector<double>& lrs, const std::vector<double>& losses,
                          std::int64_t scheduled);

}  // namespace xp::train
