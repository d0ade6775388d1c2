#include "core/report/lr_schedule.h"

#include "core/report/run_folder.h"

#include <sstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

void LrScheduleLog::add(int stage, std::int64_t iteration, const std::vector<double>& group_lrs) {
  if (csv_.empty()) {
    csv_ = "stage,iteration";
    for (std::size_t group = 0; group < group_lrs.size(); ++group) csv_ += str_cat(",lr_g", group);
    csv_ += "\n";
  }
  csv_ += str_cat(stage, ",", iteration);
  for (double lr : group_lrs) csv_ += str_printf(",%.9g", lr);
  csv_ += "\n";
  if (iteration == 0)
    stage_starts_.push_back(
        {static_cast<double>(last_group_lrs_.size()), str_cat("stage ", stage)});
  last_group_lrs_.push_back(group_lrs.back());
}

void LrScheduleLog::write() {
  if (last_group_lrs_.size() == written_) return;
  written_ = last_group_lrs_.size();
  write_file_atomic(folder_ / files::kLrSchedule, csv_);
  ChartSeries lrs{"last layer group", {}, last_group_lrs_, false};
  for (std::size_t idx = 0; idx < last_group_lrs_.size(); ++idx)
    lrs.xs.push_back(static_cast<double>(idx));
  LineChart chart{"learning rate of the last layer group",
                  "iteration (all fit stages)",
                  "learning rate",
                  false,
                  false,
                  true,
                  {std::move(lrs)},
                  stage_starts_,
                  640,
                  400};
  write_png(folder_ / files::kLrSchedulePlot, line_chart(chart));
}

void LrScheduleLog::keep_stages_before(const std::string& existing, int stage) {
  std::istringstream lines(existing);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::vector<std::string> fields = split(line, ',');
    XP_CHECK(fields.size() >= 3, "lr_schedule.csv: malformed row '", line, "'");
    const int row_stage = std::stoi(fields[0]);
    if (row_stage >= stage) break;
    std::vector<double> group_lrs;
    for (std::size_t idx = 2; idx < fields.size(); ++idx)
      group_lrs.push_back(std::stod(fields[idx]));
    add(row_stage, std::stoll(fields[1]), group_lrs);
  }
}

}  // namespace xp::report
