// metrics.csv: one row per epoch of every training stage. The whole file is rewritten atomically
// after each epoch (it is small), so it is always complete up to the last finished epoch.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xp::report {

struct MetricsRow {
  int stage = 0;           // index in the recipe's stages list
  std::string stage_type;  // "fit"
  std::int64_t epoch = 0;  // within the stage, from 0
  double lr = 0;
  double trn_loss = 0;       // fastai's smoothed loss
  double trn_loss_mean = 0;  // plain epoch mean
  double val_loss = 0;
  double metric = 0;  // the task's metric, in the column the file was created with
  double seconds = 0;
};

class MetricsCsv {
 public:
  // `metric_name` heads the metric column: accuracy, accuracy_thresh or mse (train/meters.h).
  MetricsCsv(std::filesystem::path path, const std::string& metric_name);
  void add(const MetricsRow& row);
  // A row already formatted (a cached stage's rows, replayed into a later run).
  void add_line(const std::string& line);
  // xp run --resume: the first `rows` rows of the stopped run's metrics.csv `existing` (the epochs
  // completed before the point it resumes from).
  void keep_rows(const std::string& existing, std::size_t rows);
  static std::string header(const std::string& metric_name);
  static std::string format(const MetricsRow& row);

 private:
  std::filesystem::path path_;
  std::string content_;
};

}  // namespace xp::report
