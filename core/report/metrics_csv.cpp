#include "core/report/metrics_csv.h"

#include <cstdio>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

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
  std::snprintf(buffer, sizeof buffer, "%d,%s,%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.3f", row.stage,
                row.stage_type.c_str(), static_cast<long long>(row.epoch), row.lr, row.trn_loss,
                row.trn_loss_mean, row.val_loss, row.metric, row.seconds);
  return buffer;
}

void MetricsCsv::add(const MetricsRow& row) { add_line(format(row)); }

void MetricsCsv::add_line(const std::string& line) {
  content_ += line + "\n";
  write_file_atomic(path_, content_);
}

void MetricsCsv::keep_rows(const std::string& existing, std::size_t rows) {
  std::size_t end = existing.find('\n');  // after the header
  for (std::size_t row = 0; row < rows && end != std::string::npos; ++row)
    end = existing.find('\n', end + 1);
  XP_CHECK(end != std::string::npos, "metrics.csv has fewer than the ", rows,
           " rows the resume point expects");
  content_ = existing.substr(0, end + 1);
  write_file_atomic(path_, content_);
}

}  // namespace xp::report
