#include "core/report/sweep_ledger.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "core/report/plot.h"
#include "core/report/run_folder.h"
#include "core/report/sweep_folder.h"
#include "core/report/sweep_report.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"
#include "core/util/strings.h"

namespace xp::report {

namespace fs = std::filesystem;

namespace {

using sweep_files::kLedger;
using sweep_files::kSummary;
using sweep_files::kSummaryPlot;

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}
double number_of(const nlohmann::json& value) {
  return value.is_number() ? value.get<double>() : NAN;
}

}  // namespace

SweepLedger::SweepLedger(fs::path folder) : folder_(std::move(folder)) {
  std::error_code error;
  if (!fs::exists(folder_ / kLedger, error)) return;
  try {
    const auto json = nlohmann::json::parse(read_file(folder_ / kLedger));
    metric_name_ = json.value("metric_name", "metric");
    for (const auto& item : json.at("trials")) {
      TrialRecord trial;
      trial.number = item.at("trial");
      trial.overrides = item.at("overrides").get<std::vector<std::string>>();
      trial.state = item.at("state");
      trial.run = item.value("run", "");
      trial.attempts = item.value("attempts", 0);
      trial.exit_code = item.value("exit_code", 0);
      trial.error = item.value("error", "");
      trial.metric = number_of(item.value("metric", nlohmann::json()));
      trial.val_loss = number_of(item.value("val_loss", nlohmann::json()));
      trial.trn_loss = number_of(item.value("trn_loss", nlohmann::json()));
      trial.seconds = item.value("seconds", 0.0);
      trial.slurm_job = item.value("slurm_job", "");
      trials_.push_back(std::move(trial));
    }
  } catch (const nlohmann::json::exception& failure) {
    throw Error(str_cat((folder_ / kLedger).string(), " is not a valid sweep ledger (",
                        failure.what(), "); move it away to start the sweep over"));
  }
}

TrialRecord& SweepLedger::trial(const std::vector<std::string>& overrides) {
  for (auto& trial : trials_)
    if (trial.overrides == overrides) return trial;
  TrialRecord added;
  added.number = trials_.empty() ? 0 : trials_.back().number + 1;
  added.overrides = overrides;
  trials_.push_back(std::move(added));
  return trials_.back();
}

void SweepLedger::save() const {
  nlohmann::ordered_json trials = nlohmann::ordered_json::array();
  for (const auto& trial : trials_)
    trials.push_back({{"trial", trial.number},
                      {"overrides", trial.overrides},
                      {"state", trial.state},
                      {"run", trial.run},
                      {"attempts", trial.attempts},
                      {"exit_code", trial.exit_code},
                      {"error", trial.error},
                      {"metric", number_or_null(trial.metric)},
                      {"val_loss", number_or_null(trial.val_loss)},
                      {"trn_loss", number_or_null(trial.trn_loss)},
                      {"seconds", trial.seconds},
                      {"slurm_job", trial.slurm_job}});
  const nlohmann::ordered_json ledger = {{"metric_name", metric_name_}, {"trials", trials}};
  write_file_atomic(folder_ / kLedger, json_text(ledger));
}

std::string override_value(const TrialRecord& trial, const std::string& key) {
  for (const auto& item : trial.overrides)
    if (item.size() > key.size() && item.compare(0, key.size(), key) == 0 &&
        item[key.size()] == '=')
      return item.substr(key.size() + 1);
  return "";
}

std::string trial_label(const TrialRecord& trial, const std::vector<std::string>& grid_keys) {
  std::vector<std::string> parts;
  for (const auto& key : grid_keys)
    parts.push_back(key.substr(key.rfind('.') + 1) + "=" + override_value(trial, key));
  return str_cat("t", trial.number, "  ", join(parts, " "));
}

void SweepLedger::write_summary(const std::vector<std::string>& grid_keys,
                                const std::vector<int>& selected) const {
  std::string csv = "trial";
  for (const auto& key : grid_keys) csv += "," + csv_field(key);
  csv += ",state," + metric_name_ + ",val_loss,trn_loss,seconds,run\n";
  BarChart chart{str_cat("final ", metric_name_, " per trial (validation)"), "", {}, /*zoom=*/true};
  std::vector<TrialRecord> shown;
  for (const int number : selected) {
    const auto found = std::find_if(trials_.begin(), trials_.end(),
                                    [&](const TrialRecord& t) { return t.number == number; });
    if (found == trials_.end()) continue;
    const TrialRecord& trial = *found;
    shown.push_back(trial);
    csv += std::to_string(trial.number);
    for (const auto& key : grid_keys) csv += "," + csv_field(override_value(trial, key));
    const bool done = trial.state == trial_state::kComplete;
    csv += str_cat(",", trial.state, ",", done ? str_printf("%.9g", trial.metric) : "", ",",
                   done ? str_printf("%.9g", trial.val_loss) : "", ",",
                   done ? str_printf("%.9g", trial.trn_loss) : "", ",",
                   str_printf("%.1f", trial.seconds), ",", csv_field(trial.run), "\n");
    chart.bars.push_back(
        {trial_label(trial, grid_keys) + (done ? "" : str_cat("  (", trial.state, ")")),
         done ? trial.metric : NAN, ""});
  }
  write_file_atomic(folder_ / kSummary, csv);
  write_png(folder_ / kSummaryPlot, bar_chart(chart));
  write_file_atomic(folder_ / files::kReport,
                    render_sweep_report(folder_, grid_keys, shown, metric_name_));
}

}  // namespace xp::report
