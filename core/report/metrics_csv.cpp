#include "core/report/metrics_csv.h"

#include <cstdio>

#include "core/util/atomic_file.h"

namespace xp::report {

MetricsCsv::MetricsCsv(std::filesystem::path path, const std::string& metric_name)
    : path_(std::move(path)), content_(header(metric_name) + "\n") {
  write_file_atomic(path_, content_);
}

std::string MetricsCsv::header(const std::string& metric_name) {
  return "stage,stage_type,epoch,lr,trn_loss,trn_loss_mean,val_loss," + metric_name + ",seconds";
}

std::string MetricsCsv::format(const MetricsRow& row) {
  // %.9g keeps every metric well past the digits anyone compares, with no locale surprises.
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "%d,%s,%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.3f", row.stage, row.stage_type.c_str(),
                static_cast<long long>(row.epoch), row.lr, row.trn_loss, row.trn_loss_mean, row.val_loss, row.metric,
                row.seconds);
  return buffer;
}

void MetricsCsv::add(const MetricsRow& row) {
  content_ += format(row) + "\n";
  write_file_atomic(path_, content_);
}

}  // namespace xp::report
