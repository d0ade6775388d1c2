#include "core/report/sweep_report.h"

#include <cmath>

#include "core/report/console.h"
#include "core/report/html.h"
#include "core/report/run_folder.h"
#include "core/report/run_index.h"
#include "core/report/run_record.h"
#include "core/report/svg_chart.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

namespace fs = std::filesystem;

std::string render_sweep_report(const fs::path& sweep_folder,
                                const std::vector<std::string>& grid_keys,
                                const std::vector<TrialRecord>& trials,
                                const std::string& metric_name) {
  const fs::path base = fs::absolute(sweep_folder).lexically_normal();
  std::string table = "<table><thead><tr><th>trial</th>";
  for (const auto& key : grid_keys) table += "<th>" + html_escape(key) + "</th>";
  table += str_cat("<th>state</th><th>", html_escape(metric_name),
                   "</th><th>val_loss</th><th>time</th><th>report</th></tr></thead>\n");
  BarChart bars{str_cat("final ", metric_name, " per trial (validation)"), "", {}, /*zoom=*/true};
  LineChart metric_chart{
      metric_name + " per epoch", "epoch (whole run)", metric_name, false, false, true, {}, {}};
  LineChart loss_chart{
      "val_loss per epoch", "epoch (whole run)", "val_loss", false, false, true, {}, {}};
  int done = 0;
  for (const auto& trial : trials) {
    const bool complete = trial.state == trial_state::kComplete;
    done += complete;
    table += str_cat("<tr><td>t", trial.number, "</td>");
    for (const auto& key : grid_keys)
      table += "<td>" + html_escape(override_value(trial, key)) + "</td>";
    std::string link;
    if (!trial.run.empty()) {
      const std::string relative = (fs::absolute(trial.run).lexically_normal() / files::kReport)
                                       .lexically_relative(base)
                                       .string();
      link = str_cat("<a href=\"", html_escape(relative), "\">report.html</a>");
    }
    table +=
        str_cat("<td class=\"", html_escape(trial.state), "\">", html_escape(trial.state),
                "</td><td>", complete ? format_number(trial.metric) : "", "</td><td>",
                complete ? format_number(trial.val_loss) : "", "</td><td>",
                html_escape(format_duration(trial.seconds)), "</td><td>", link, "</td></tr>\n");
    if (!trial.error.empty())
      table += str_cat("<tr><td></td><td colspan=\"", grid_keys.size() + 5, "\" class=\"sub\">",
                       html_escape(trial.error), "</td></tr>\n");
    if (!complete) continue;
    const std::string label = trial_label(trial, grid_keys);
    bars.bars.push_back({label, trial.metric, ""});
    EpochLog log;
    try {
      log = read_epoch_log(trial.run);
    } catch (const std::exception&) {
      continue;  // the trial's own report says what is wrong with its metrics.csv
    }
    ChartSeries metric{label, {}, {}, log.rows.size() <= 60},
        loss{label, {}, {}, log.rows.size() <= 60};
    for (std::size_t i = 0; i < log.rows.size(); ++i) {
      metric.xs.push_back(static_cast<double>(i + 1));
      metric.ys.push_back(log.rows[i].metric);
      loss.xs.push_back(static_cast<double>(i + 1));
      loss.ys.push_back(log.rows[i].val_loss);
    }
    metric_chart.series.push_back(std::move(metric));
    loss_chart.series.push_back(std::move(loss));
  }
  table += "</table>\n";

  const std::string name = sweep_folder.parent_path().filename().string();
  std::string page =
      page_begin(name + " sweep · xp report") +
      str_cat("<h1>", html_escape(name), " — sweep</h1>\n<div class=\"sub\">",
              html_escape(sweep_folder.filename().string()), " · ", trials.size(), " trials, ",
              done, " complete · grid: ", html_escape(join(grid_keys, ", ")), "</div>\n");
  page += section("trials", "Trials", table);
  if (!bars.bars.empty())
    page +=
        section("compare", "Compared",
                svg_bar_chart(bars) + svg_line_chart(metric_chart) + svg_line_chart(loss_chart));
  return page +
         page_end(str_cat(
             "summary.csv, summary.png and ledger.json hold the same records · written by xp at ",
             utc_now_iso8601()));
}

}  // namespace xp::report
