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

namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#f6f7f9}
main{max-width:1000px;margin:0 auto;padding:20px 24px 60px}h1{font-size:24px;margin:8px 0 4px}h2{font-size:18px;margin:0 0 10px}
section{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:16px 20px;margin:16px 0}.sub{color:#666}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
th{background:#fafafa}.complete{color:#2e7d32;font-weight:600}.failed{color:#c62828;font-weight:600}a{color:#1565c0}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0 14px;font-size:11px}svg .title{font-size:13px;font-weight:600}
svg .frame{fill:none;stroke:#bbb}svg .grid{stroke:#eee}svg .series path{fill:none;stroke-width:1.8}
)";

// "lr=0.01 cycle_len=2": each grid key's last component with the trial's value.
std::string trial_label(const TrialRecord& trial, const std::vector<std::string>& grid_keys) {
  std::vector<std::string> parts;
  for (const auto& key : grid_keys) parts.push_back(key.substr(key.rfind('.') + 1) + "=" + override_value(trial, key));
  return str_cat("t", trial.number, " ", join(parts, " "));
}

}  // namespace

std::string render_sweep_report(const fs::path& sweep_folder, const std::vector<std::string>& grid_keys,
                                const std::vector<TrialRecord>& trials, const std::string& metric_name) {
  const fs::path base = fs::absolute(sweep_folder).lexically_normal();
  std::string table = "<table><thead><tr><th>trial</th>";
  for (const auto& key : grid_keys) table += "<th>" + html_escape(key) + "</th>";
  table += str_cat("<th>state</th><th>", html_escape(metric_name), "</th><th>val_loss</th><th>time</th><th>report</th></tr></thead>\n");
  std::vector<SvgBar> bars;
  SvgChart metric_chart{metric_name + " per epoch", "epoch (whole run)", metric_name, false, false, true, {}, {}};
  SvgChart loss_chart{"val_loss per epoch", "epoch (whole run)", "val_loss", false, false, true, {}, {}};
  int done = 0;
  for (const auto& trial : trials) {
    const bool complete = trial.state == trial_state::kComplete;
    done += complete;
    table += str_cat("<tr><td>t", trial.number, "</td>");
    for (const auto& key : grid_keys) table += "<td>" + html_escape(override_value(trial, key)) + "</td>";
    std::string link;
    if (!trial.run.empty()) {
      const std::string relative =
          (fs::absolute(trial.run).lexically_normal() / files::kReport).lexically_relative(base).string();
      link = str_cat("<a href=\"", html_escape(relative), "\">report.html</a>");
    }
    table += str_cat("<td class=\"", html_escape(trial.state), "\">", html_escape(trial.state), "</td><td>",
                     complete ? format_number(trial.metric) : "", "</td><td>", complete ? format_number(trial.val_loss) : "",
                     "</td><td>", html_escape(format_duration(trial.seconds)), "</td><td>", link, "</td></tr>\n");
    if (!trial.error.empty())
      table += str_cat("<tr><td></td><td colspan=\"", grid_keys.size() + 5, "\" class=\"sub\">", html_escape(trial.error),
                       "</td></tr>\n");
    if (!complete) continue;
    const std::string label = trial_label(trial, grid_keys);
    bars.push_back({label, trial.metric, ""});
    EpochLog log;
    try {
      log = read_epoch_log(trial.run);
    } catch (const std::exception&) {
      continue;  // the trial's own report says what is wrong with its metrics.csv
    }
    SvgSeries metric{label, {}, {}, log.rows.size() <= 60}, loss{label, {}, {}, log.rows.size() <= 60};
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
  std::string page = str_cat("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", html_escape(name),
                             " sweep · xp report</title>\n<style>", kStyle, "</style></head>\n<body><main>\n<h1>",
                             html_escape(name), " — sweep</h1>\n<div class=\"sub\">", html_escape(sweep_folder.filename().string()),
                             " · ", trials.size(), " trials, ", done, " complete · grid: ", html_escape(join(grid_keys, ", ")),
                             "</div>\n");
  page += str_cat("<section id=\"trials\"><h2>Trials</h2>\n", table, "</section>\n");
  if (!bars.empty()) {
    page += str_cat("<section id=\"compare\"><h2>Compared</h2>\n",
                    svg_bar_chart(bars, str_cat("final ", metric_name, " per trial (validation)"), ""),
                    svg_line_chart(metric_chart), svg_line_chart(loss_chart), "</section>\n");
  }
  page += str_cat("<p class=\"sub\">summary.csv, summary.png and ledger.json hold the same records · written by xp at ",
                  html_escape(utc_now_iso8601()), "</p>\n</main></body></html>\n");
  return page;
}

}  // namespace xp::report
