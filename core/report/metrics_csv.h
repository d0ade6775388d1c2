// metrics.csv: one row per epoch of every training stage. The whole file is rewritten atomically
// after each epoch (it is small), so it is always complete up to the last finished epoch.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xp::report {

struct MetricsRow {
  int stage = 0;              // index in the recipe's stages list
  std::string stage_type;     // "fit"
  std::int64_t epoch = 0;     // within the stage, from 0
  double lr = 0;
  double trn_loss = 0;        // fastai's smoothed loss
  double trn_loss_mean = 0;   // plain epoch mean
  double val_loss = 0;
  double accuracy = 0;
  double seconds = 0;
};

class MetricsCsv {
 public:
  explicit MetricsCsv(std::filesystem::path path);
  void add(const MetricsRow& row);
  static std::string header();
  static std::string format(const MetricsRow& row);

 private:
  std::filesystem::path path_;
  std::string content_;
};

}  // namespace xp::report
