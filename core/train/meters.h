// Meters: add() per batch, value() when asked, reset() between epochs (shared/STYLE.md R18).
// They hold no I/O, so each is tested on its own.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "core/models/task.h"

namespace xp::train {

// A weighted mean: add(batch_mean, batch_size) gives the dataset-level mean.
class AverageMeter {
 public:
  void add(double value, double weight = 1.0);
  double value() const;
  double count() const { return weight_; }
  double sum() const { return sum_; }
  void reset();
  void restore(double sum, double weight) {
    sum_ = sum;
    weight_ = weight;
  }  // a resumed epoch's partial mean

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

// The validation metric of a task, beside its loss (metrics.csv's metric column):
//   single_label  accuracy         top-1 accuracy
//   multi_label   accuracy_thresh  fastai's accuracy_thresh(0.5): mean over all N×C elements of
//                                  ((probability > 0.5) == target)
//   regression    mse              mean squared error over all N×C values (the loss is L1)
class TaskMetricMeter {
 public:
  explicit TaskMetricMeter(models::Task task) : task_(task) {}
  static std::string name(models::Task task);
  // `outputs` are the head's outputs: log-probabilities, probabilities or values.
  void add(const torch::Tensor& outputs, const torch::Tensor& targets);
  double value() const;
  void reset();

 private:
  models::Task task_;
  AccuracyMeter accuracy_;
  AverageMeter elementwise_;  // accuracy_thresh and mse: a mean over elements
};

// fastai's smoothed training loss: avg ← β·avg + (1−β)·loss, reported as avg / (1 − βᵗ).
// fastai prints this value as trn_loss (β = 0.98, t counts batches from 1 within a fit).
class SmoothedLoss {
 public:
  explicit SmoothedLoss(double beta = 0.98) : beta_(beta) {}
  void add(double loss);
  double value() const;
  void reset();
  // The raw running average and the number of losses: what a resumed fit continues from.
  double average() const { return average_; }
  std::int64_t count() const { return count_; }
  void restore(double average, std::int64_t count) {
    average_ = average;
    count_ = count;
  }

 private:
  double beta_;
  double average_ = 0;
  std::int64_t count_ = 0;
};

}  // namespace xp::train
