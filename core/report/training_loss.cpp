#include "core/report/training_loss.h"

#include <sstream>

#include "core/report/run_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

void TrainingLossLog::add(int stage, std::int64_t iteration, double loss, double smoothed_loss) {
  if (csv_.empty()) csv_ = "stage,iteration,loss,smoothed_loss\n";
  csv_ += str_printf("%d,%lld,%.9g,%.9g\n", stage, static_cast<long long>(iteration), loss,
                     smoothed_loss);
  if (stage != last_stage_)
    stage_starts_.push_back({static_cast<double>(smoothed_.size()), str_cat("stage ", stage)});
  last_stage_ = stage;
  smoothed_.push_back(smoothed_loss);
}

void TrainingLossLog::write() {
  if (smoothed_.size() == written_) return;
  written_ = smoothed_.size();
  write_file_atomic(folder_ / files::kTrainingLoss, csv_);
  ChartSeries curve{"smoothed loss", {}, smoothed_, false};
  for (std::size_t idx = 0; idx < smoothed_.size(); ++idx)
    curve.xs.push_back(static_cast<double>(idx));
  LineChart chart{"training loss (smoothed) by iteration",
                  "iteration (all fit stages)",
                  "loss",
                  false,
                  false,
                  true,
                  {std::move(curve)},
                  stage_starts_,
                  640,
                  400};
  write_png(folder_ / files::kTrainingLossPlot, line_chart(chart));
}

void TrainingLossLog::keep_stages_before(const std::string& existing, int stage) {
  std::istringstream lines(existing);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    const std::vector<std::string> fields = split(line, ',');
    XP_CHECK(fields.size() == 4, "training_loss.csv: malformed row '", line, "'");
    const int row_stage = std::stoi(fields[0]);
    if (row_stage >= stage) break;
    add(row_stage, std::stoll(fields[1]), std::stod(fields[2]), std::stod(fields[3]));
  }
}

}  // namespace xp::report
