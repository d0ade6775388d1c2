// Meters: add() per batch, value() when asked, reset() between epochs (shared/STYLE.md R18).
// They hold no I/O, so each is tested on its own.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace xp::train {

// A weighted mean: add(batch_mean, batch_size) gives the dataset-level mean.
class AverageMeter {
 public:
  void add(double value, double weight = 1.0);
  double value() const;
  double count() const { return weight_; }
  void reset();

 private:
  double sum_ = 0;
  double weight_ = 0;
};

// Top-1 accuracy of predictions (any scores, argmax over dim 1) against class indices.
class AccuracyMeter {
 public:
  void add(const torch::Tensor& scores, const torch::Tensor& targets);
  double value() const;
  void reset();

 private:
  std::int64_t correct_ = 0;
  std::int64_t total_ = 0;
};

// fastai's smoothed training loss: avg ← β·avg + (1−β)·loss, reported as avg / (1 − βᵗ).
// fastai prints this value as trn_loss (β = 0.98, t counts batches from 1 within a fit).
class SmoothedLoss {
 public:
  explicit SmoothedLoss(double beta = 0.98) : beta_(beta) {}
  void add(double loss);
  double value() const;
  void reset();

 private:
  double beta_;
  double average_ = 0;
  std::int64_t count_ = 0;
};

}  // namespace xp::train
