#include "core/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <sstream>
#include <tuple>

#include "core/report/console.h"
#include "core/report/html.h"
#include "core/report/run_folder.h"
#include "core/report/run_index.h"
#include "core/report/run_record.h"
#include "core/report/svg_chart.h"
#include "core/util/atomic_file.h"
#include "core/util/csv_table.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

namespace fs = std::filesystem;

namespace {

// A section built from files that may be missing or damaged: "" when there is nothing to show, a
// note in its place when its files cannot be read (the page never fails because of one file).
std::string guarded(const std::string& id, const std::string& title,
                    const std::function<std::string()>& body) {
  try {
    const std::string content = body();
    return content.empty() ? "" : section(id, title, content);
  } catch (const std::exception& error) {
    return section(id, title,
                   str_cat("<p class=\"banner warn\">could not be shown: ",
                           html_escape(error.what()), "</p>"));
  }
}

bool file_exists(const fs::path& path) {
  std::error_code error;
  return fs::exists(path, error);
}

double number(const std::string& text) { return text.empty() ? NAN : std::atof(text.c_str()); }

// The recipe's stages as run.json lists them (index, type, description, epochs).
using StagePlan = std::vector<PlannedStageInfo>;

// Where each stage starts on the run's epoch axis (epochs counted over the whole run, the first is
// 1): from the plan when run.json has one, else from the stages metrics.csv shows.
std::map<int, double> stage_starts(const StagePlan& plan, const EpochLog& metrics) {
  std::map<int, double> starts;
  double done = 0;
  if (!plan.empty()) {
    for (const auto& stage : plan) {
      starts[stage.stage] = done + 0.5;
      done += static_cast<double>(stage.epochs);
    }
    return starts;
  }
  for (const auto& row : metrics.rows) {
    if (!starts.count(row.stage)) starts[row.stage] = done + 0.5;
    ++done;
  }
  return starts;
}

// Stage boundary markers; stages that start at the same place (unfreeze, resize) share one line.
std::vector<ChartMarker> boundary_markers(const std::map<int, double>& starts,
                                          const std::map<int, std::string>& types) {
  std::map<double, std::string> labels;
  for (const auto& [stage, x] : starts) {
    const auto type = types.find(stage);
    std::string& label = labels[x];
    label += str_cat(label.empty() ? "" : " ", "[", stage, "]",
                     type == types.end() ? "" : " " + type->second);
  }
  std::vector<ChartMarker> markers;
  for (const auto& [x, label] : labels) markers.push_back({x, label});
  return markers;
}

std::string header_section(const fs::path& folder, const RunInfo& run, const RunSummary& summary,
                           const EpochLog& metrics) {
  const std::string name = run.name.value_or(summary.name);
  std::string out = str_cat(
      "<h1>", html_escape(name), " <span class=\"state ", html_escape(summary.state), "\">",
      html_escape(summary.state), "</span></h1>\n<div class=\"sub\">",
      html_escape(folder.filename().string()), " · started ", html_escape(summary.started),
      std::isnan(summary.seconds) ? "" : " · " + html_escape(format_duration(summary.seconds)),
      " · seed ", run.seed, "</div>\n");
  if (!summary.error.empty())
    out += str_cat("<div class=\"banner\">", html_escape(summary.error), "</div>\n");
  if (summary.state == "INTERRUPTED" || summary.state == "KILLED" ||
      (summary.state == "FAILED" && file_exists(folder / files::kResume)))
    out += str_cat(
        "<div class=\"banner warn\">stopped before the end; continue with  xp run --resume ",
        html_escape(folder.string()), "</div>\n");
  if (summary.state == "RUNNING")
    out +=
        "<div class=\"banner warn\">still running: this page shows the stages done so far</div>\n";

  out += "<div class=\"cards\">";
  const auto card = [&](const std::string& label, const std::string& value) {
    out += str_cat("<div class=\"card\"><span class=\"sub\">", html_escape(label), "</span><b>",
                   html_escape(value), "</b></div>");
  };
  if (!metrics.rows.empty()) {
    card(metrics.metric_name + " (last epoch)", format_number(summary.metric));
    // Regression's metric is an error (mse): lower is better.
    const bool lower_is_better = metrics.metric_name == "mse";
    double best = NAN;
    for (const auto& row : metrics.rows)
      if (!std::isnan(row.metric) &&
          (std::isnan(best) || (lower_is_better ? row.metric < best : row.metric > best)))
        best = row.metric;
    card("best " + metrics.metric_name, format_number(best));
    card("val_loss", format_number(summary.val_loss));
    card("epochs", std::to_string(metrics.rows.size()));
  }
  if (!run.tta.empty())
    for (const auto& [score, value] : run.tta.back().tta)
      card("TTA " + score, format_number(value));
  if (run.data)
    card("images train / valid", str_cat(run.data->train_images, " / ", run.data->valid_images));
  out += "</div>\n";
  return out;
}

std::string plan_section(const RunInfo& run, const EpochLog& metrics) {
  if (run.plan.empty()) return "";
  std::map<int, TimingInfo> timings;
  std::map<int, StageCacheInfo> cache;
  for (const auto& entry : run.timings) timings[entry.stage] = entry;
  for (const auto& entry : run.stage_cache) cache[entry.stage] = entry;
  std::map<int, int> epochs_done;
  for (const auto& row : metrics.rows) ++epochs_done[row.stage];
  std::string out =
      "<table><thead>" +
      table_row({"#", "stage", "what it does", "epochs", "time", "stage cache"}, true) + "</thead>";
  for (const auto& stage : run.plan) {
    const auto timing = timings.find(stage.stage);
    const auto cached = cache.find(stage.stage);
    std::string time =
        timing == timings.end() ? "not run" : format_duration(timing->second.seconds);
    std::string epochs =
        stage.epochs > 0 ? str_cat(epochs_done[stage.stage], " / ", stage.epochs) : "";
    std::string hit;
    if (cached != cache.end())
      hit = cached->second.hit.value_or(false)
                ? str_cat("<span class=\"hit\">HIT</span> from ",
                          html_escape(fs::path(cached->second.from).filename().string()), ", ",
                          html_escape(format_duration(cached->second.seconds_saved.value_or(0))),
                          " saved")
            : !cached->second.error.empty() ? "not cached: " + html_escape(cached->second.error)
                                            : std::string("stored");
    out += str_cat("<tr><td>", stage.stage, "</td><td>", html_escape(stage.type), "</td><td>",
                   html_escape(stage.description), "</td><td class=\"num\">", html_escape(epochs),
                   "</td><td class=\"num\">", html_escape(time), "</td><td>", hit, "</td></tr>\n");
  }
  return out + "</table>\n";
}

std::string curves_section(const StagePlan& plan, const EpochLog& metrics) {
  if (metrics.rows.empty()) return "";
  const auto starts = stage_starts(plan, metrics);
  std::map<int, std::string> types;
  for (const auto& stage : plan) types[stage.stage] = stage.type;
  for (const auto& row : metrics.rows) types.emplace(row.stage, row.type);
  std::map<int, int> seen;
  ChartSeries trn{"trn_loss", {}, {}, true}, val{"val_loss", {}, {}, true},
      metric{metrics.metric_name, {}, {}, true};
  for (std::size_t i = 0; i < metrics.rows.size(); ++i) {
    const auto& row = metrics.rows[i];
    const auto start = starts.find(row.stage);
    const double x = start != starts.end() ? start->second + 0.5 + seen[row.stage]++
                                           : static_cast<double>(i + 1);
    trn.xs.push_back(x);
    trn.ys.push_back(row.trn_loss);
    val.xs.push_back(x);
    val.ys.push_back(row.val_loss);
    metric.xs.push_back(x);
    metric.ys.push_back(row.metric);
  }
  const auto markers = boundary_markers(starts, types);
  LineChart losses{"Losses per epoch", "epoch", "loss", false, false, true, {trn, val}, markers};
  LineChart scores{metrics.metric_name + " per epoch",
                   "epoch",
                   metrics.metric_name,
                   false,
                   false,
                   true,
                   {metric},
                   markers};
  std::string out = svg_line_chart(losses) + svg_line_chart(scores);
  out += "<details><summary>metrics.csv</summary><table><thead>" +
         table_row(
             {"stage", "type", "epoch", "lr", "trn_loss", "val_loss", metrics.metric_name, "time"},
             true) +
         "</thead>";
  for (const auto& row : metrics.rows)
    out +=
        table_row({std::to_string(row.stage), row.type, std::to_string(row.epoch),
                   format_number(row.lr), format_number(row.trn_loss), format_number(row.val_loss),
                   format_number(row.metric), format_duration(row.seconds)});
  return out + "</table></details>\n";
}

// The rows of a per-iteration log ("stage,iteration,…": lr_schedule.csv, training_loss.csv) laid
// end to end on the run's iteration axis, each fit starting where the one before it ended.
struct RunAxis {
  std::vector<const CsvRow*> rows;  // the complete rows, in order
  std::vector<double> xs;           // each one's place on the axis
  std::map<int, double> starts;     // each stage's first iteration on the axis
};

RunAxis run_axis(const CsvTable& table) {
  RunAxis axis;
  const auto stage_column = table.column("stage"), iteration_column = table.column("iteration");
  double offset = 0, stage_end = 0;
  int current = -1;
  for (const auto& row : table.rows) {
    if (row.fields.size() < table.header.size()) continue;
    const int stage = std::atoi(row.fields[stage_column].c_str());
    const double iteration = number(row.fields[iteration_column]);
    if (stage != current) {
      offset = stage_end;
      axis.starts[stage] = offset;
      current = stage;
    }
    stage_end = std::max(stage_end, offset + iteration + 1);
    axis.rows.push_back(&row);
    axis.xs.push_back(offset + iteration);
  }
  return axis;
}

std::map<int, std::string> stage_types(const StagePlan& plan) {
  std::map<int, std::string> types;
  for (const auto& stage : plan) types[stage.stage] = stage.type;
  return types;
}

// fastai's sched.plot_loss(): every iteration's smoothed loss, every fit of the run, with the raw
// batch losses faint behind it; one point per epoch (the chart above) hides what happens inside.
std::string training_loss_section(const fs::path& folder, const StagePlan& plan) {
  if (!file_exists(folder / files::kTrainingLoss)) return "";
  const CsvTable table = read_csv((folder / files::kTrainingLoss).string());
  const RunAxis axis = run_axis(table);
  if (axis.rows.empty()) return "";
  const auto loss = table.column("loss"), smoothed = table.column("smoothed_loss");
  ChartSeries raw{"batch loss", axis.xs, {}, false}, curve{"smoothed loss", axis.xs, {}, false};
  for (const CsvRow* row : axis.rows) {
    raw.ys.push_back(number(row->fields[loss]));
    curve.ys.push_back(number(row->fields[smoothed]));
  }
  LineChart chart{"Training loss per iteration (fits only)",
                  "iteration",
                  "loss",
                  false,
                  false,
                  true,
                  {raw, curve},
                  boundary_markers(axis.starts, stage_types(plan))};
  return svg_line_chart(chart);
}

std::string lr_schedule_section(const fs::path& folder, const StagePlan& plan) {
  if (!file_exists(folder / files::kLrSchedule)) return "";
  const CsvTable table = read_csv((folder / files::kLrSchedule).string());
  const RunAxis axis = run_axis(table);
  if (axis.rows.empty()) return "";
  const auto iteration_column = table.column("iteration");
  std::vector<ChartSeries> groups;
  for (const auto& name : table.header)
    if (name.rfind("lr_g", 0) == 0)
      groups.push_back({"layer group " + name.substr(4), axis.xs, {}, false});
  for (const CsvRow* row : axis.rows)
    for (std::size_t g = 0; g < groups.size(); ++g)
      groups[g].ys.push_back(number(row->fields[iteration_column + 1 + g]));
  // With one LR for every group the lines coincide: draw one.
  bool same = true;
  for (std::size_t g = 1; g < groups.size(); ++g) same &= groups[g].ys == groups[0].ys;
  if (same && groups.size() > 1) {
    groups.resize(1);
    groups[0].name = "every layer group";
  }
  LineChart chart{"Learning rate per iteration (fits only)",
                  "iteration",
                  "learning rate",
                  false,
                  false,
                  true,
                  groups,
                  boundary_markers(axis.starts, stage_types(plan))};
  return svg_line_chart(chart);
}

std::string lr_find_section(const fs::path& folder, const RunInfo& run) {
  if (!file_exists(folder / files::kLrFind)) return "";
  const CsvTable table = read_csv((folder / files::kLrFind).string());
  const auto stage_column = table.column("stage"), lr = table.column("lr"),
             loss = table.column("loss");
  // The smoothed loss only, as fastai's sched.plot(): the last batches' raw losses explode and would
  // flatten the curve the suggestions are read from (lr_find.csv keeps them).
  std::map<int, ChartSeries> curves;  // per lr_find stage
  for (const auto& row : table.rows) {
    if (row.fields.size() < table.header.size()) continue;
    ChartSeries& smoothed = curves[std::atoi(row.fields[stage_column].c_str())];
    smoothed.name = "smoothed loss";
    smoothed.xs.push_back(number(row.fields[lr]));
    smoothed.ys.push_back(number(row.fields[loss]));
  }
  std::string out;
  for (auto& [stage, series] : curves) {
    std::vector<ChartMarker> markers;
    std::string notes;
    for (const auto& entry : run.lr_find) {
      if (entry.stage != stage) continue;
      if (entry.suggestions) markers = lr_suggestion_markers(*entry.suggestions);
      notes = str_cat(entry.batches, " of ", entry.scheduled, " batches",
                      entry.diverged ? "; stopped when the loss diverged" : "");
    }
    LineChart chart{str_cat("lr_find, stage [", stage, "]"),
                    "learning rate (log scale)",
                    "loss",
                    true,
                    false,
                    false,
                    {series},
                    markers};
    out += svg_line_chart(chart);
    if (!notes.empty()) out += str_cat("<p class=\"sub\">", html_escape(notes), "</p>\n");
  }
  return out;
}

std::string tta_section(const RunInfo& run) {
  std::string out;
  for (const auto& entry : run.tta) {
    if (entry.plain.empty()) continue;
    out += str_cat(
        "<p>stage [", entry.stage, "] tta: ", entry.valid_images, " validation images, ",
        entry.n_aug.value_or(0), " augmented passes — ", html_escape(entry.combine),
        "</p><table><thead>",
        table_row(entry.tta.empty() ? std::vector<std::string>{"score", "value"}
                                    : std::vector<std::string>{"score", "plain", "TTA", "gain"},
                  true),
        "</thead>");
    for (const auto& [name, before] : entry.plain) {
      if (entry.tta.empty()) {
        out += table_row({name, format_number(before)});
        continue;
      }
      double after = NAN;
      for (const auto& [tta_name, value] : entry.tta)
        if (tta_name == name) after = value;
      out += table_row(
          {name, format_number(before), format_number(after), str_printf("%+.4g", after - before)});
    }
    out += "</table>\n";
  }
  return out;
}

std::string top_losses(const fs::path& folder) {
  if (!file_exists(folder / files::kTopLosses)) return "";
  return str_cat("<h2>Top losses</h2><img src=\"", files::kTopLosses,
                 "\" alt=\"the validation images with the largest losses\">\n");
}

// fastai's most_confused: the off-diagonal cells of a confusion.csv, largest first.
std::string most_confused(const CsvTable& table, std::size_t shown) {
  std::vector<std::tuple<std::int64_t, std::size_t, std::size_t>>
      cells;  // count, actual row, predicted column
  for (std::size_t r = 0; r < table.rows.size(); ++r)
    for (std::size_t c = 1; c < table.rows[r].fields.size(); ++c) {
      const std::int64_t count = std::atoll(table.rows[r].fields[c].c_str());
      if (c - 1 != r && count > 0) cells.emplace_back(count, r, c);
    }
  std::stable_sort(cells.begin(), cells.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  if (cells.size() > shown) cells.resize(shown);
  std::string out =
      str_cat("<p>", table.header.size() - 1, " classes: too many for a readable matrix (",
              files::kConfusion, " and ", files::kConfusionPlot,
              " hold it). The most confused pairs:</p><table><thead>",
              table_row({"actual", "predicted", "images"}, true), "</thead>");
  for (const auto& [count, row, column] : cells)
    out += table_row({table.rows[row].fields[0], table.header[column], std::to_string(count)});
  return out + "</table>\n";
}

std::string confusion_section(const fs::path& folder) {
  if (!file_exists(folder / files::kConfusion)) return "";
  const CsvTable table = read_csv((folder / files::kConfusion).string());
  std::int64_t largest = 1, total = 0, right = 0;
  for (std::size_t r = 0; r < table.rows.size(); ++r)
    for (std::size_t c = 1; c < table.rows[r].fields.size(); ++c) {
      const std::int64_t count = std::atoll(table.rows[r].fields[c].c_str());
      largest = std::max(largest, count);
      total += count;
      if (c - 1 == r) right += count;
    }
  std::string summary;
  if (total > 0)
    summary = str_cat(
        "<p class=\"sub\">", total, " validation images, ", right, " right (",
        str_printf("%.2f%%", 100.0 * static_cast<double>(right) / static_cast<double>(total)),
        ")</p>\n");
  constexpr std::size_t kMatrixClasses = 30, kPairsShown = 20;
  if (table.header.size() - 1 > kMatrixClasses)
    return most_confused(table, kPairsShown) + summary + top_losses(folder);
  std::string out = "<table class=\"confusion\"><thead><tr><th>actual \\ predicted</th>";
  for (std::size_t c = 1; c < table.header.size(); ++c)
    out += "<th>" + html_escape(table.header[c]) + "</th>";
  out += "<th>recall</th></tr></thead>\n";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& fields = table.rows[r].fields;
    std::int64_t row_total = 0, row_right = 0;
    out += "<tr><th>" + html_escape(fields.empty() ? "" : fields[0]) + "</th>";
    for (std::size_t c = 1; c < fields.size(); ++c) {
      const std::int64_t count = std::atoll(fields[c].c_str());
      row_total += count;
      if (c - 1 == r) row_right = count;
      const double shade = static_cast<double>(count) / static_cast<double>(largest);
      // Blue for the diagonal (right), red for confusions, stronger for larger counts.
      const char* rgb = c - 1 == r ? "21,101,192" : "198,40,40";
      out += str_printf("<td style=\"background:rgba(%s,%.3f);color:%s\">%lld</td>", rgb,
                        c - 1 == r ? shade : std::min(1.0, shade * 3),
                        shade > 0.55 ? "#fff" : "#222", static_cast<long long>(count));
    }
    out += "<td class=\"num\">" +
           (row_total > 0
                ? format_number(static_cast<double>(row_right) / static_cast<double>(row_total))
                : "—") +
           "</td></tr>\n";
  }
  return out + "</table>\n" + summary + top_losses(folder);
}

std::string timings_section(const RunInfo& run) {
  if (run.timings.empty()) return "";
  BarChart bars{"Seconds per stage", "s", {}, /*zoom=*/false};
  double total = 0;
  for (const auto& entry : run.timings) {
    total += entry.seconds;
    bars.bars.push_back({str_cat("[", entry.stage, "] ", entry.type), entry.seconds,
                         entry.cached ? "(from the stage cache)" : ""});
  }
  return svg_bar_chart(bars) +
         str_cat("<p class=\"sub\">stages took ", html_escape(format_duration(total)), " in all; ",
                 run.threads, " threads, ", html_escape(run.precision), "</p>\n");
}

std::string provenance_section(const fs::path& folder, const RunInfo& run) {
  std::string out = "<table>";
  const auto row = [&](const std::string& name, const std::string& value) {
    if (!value.empty()) out += table_row({name, value});
  };
  row("xp", str_cat(run.xp_version, "  git ", run.git_sha,
                    run.git_dirty ? " (uncommitted changes)" : ""));
  row("compiler", str_cat(run.compiler, " ", run.build_type));
  for (const auto& [name, version] : run.libraries) row(name, version);
  row("host", str_cat(run.host.hostname, ", ", run.host.cpu, ", ", run.host.hardware_threads,
                      " hardware threads, features: ", run.host.cpu_features));
  row("device / threads / precision",
      str_cat(run.device, " / ", run.threads, " / ", run.precision));
  if (run.optimizer_step) row("optimizer step", *run.optimizer_step);
  row("recipe", run.recipe);
  row("command", join(run.command_line, " "));
  row("started / ended", str_cat(run.started, " / ", run.ended.value_or("")));
  for (const auto& resumed : run.resumed)
    row("resumed", str_cat(resumed.at, "  ", join(resumed.command_line, " ")));
  out += "</table>\n";
  if (file_exists(folder / files::kRecipe))
    out += "<details><summary>recipe.yaml (resolved)</summary><pre>" +
           html_escape(read_file(folder / files::kRecipe)) + "</pre></details>\n";
  return out;
}

std::string log_section(const fs::path& folder) {
  if (!file_exists(folder / files::kLog)) return "";
  std::istringstream in(read_file(folder / files::kLog));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  constexpr std::size_t kShown = 60;
  const std::size_t first = lines.size() > kShown ? lines.size() - kShown : 0;
  std::string text;
  for (std::size_t i = first; i < lines.size(); ++i) text += lines[i] + "\n";
  return str_cat("<details><summary>",
                 first > 0 ? str_cat("the last ", kShown, " of ", lines.size(), " lines of ") : "",
                 files::kLog, "</summary><pre>", html_escape(text), "</pre></details>\n");
}

std::string files_section(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || name == files::kReport) continue;
    names.push_back(entry.is_directory() ? name + "/" : name);
  }
  std::sort(names.begin(), names.end());
  std::string out = "<p>";
  for (const auto& name : names)
    out += str_cat("<a href=\"", html_escape(name), "\">", html_escape(name), "</a> &nbsp; ");
  return out + "</p>\n";
}

}  // namespace

std::string render_report(const fs::path& folder) {
  const RunInfo run = read_run_json(folder);
  EpochLog metrics;
  std::string metrics_problem;
  try {
    metrics = read_epoch_log(folder);
  } catch (const std::exception& error) {
    metrics_problem = error.what();
  }
  const RunSummary summary = summarize_run(folder, run, metrics);
  const StagePlan& plan = run.plan;

  std::string page =
      page_begin(str_cat(run.name.value_or(summary.name), " · ", summary.state, " · xp report"));
  page += header_section(folder, run, summary, metrics);
  if (!metrics_problem.empty())
    page += section(
        "curves", "Training curves",
        "<p class=\"banner warn\">could not be shown: " + html_escape(metrics_problem) + "</p>");
  page += guarded("plan", "Plan", [&] { return plan_section(run, metrics); });
  page += guarded("curves", "Training curves", [&] { return curves_section(plan, metrics); });
  page += guarded("training-loss", "Training loss per iteration",
                  [&] { return training_loss_section(folder, plan); });
  page += guarded("lr-schedule", "Learning rate schedule",
                  [&] { return lr_schedule_section(folder, plan); });
  page += guarded("lr-find", "Learning rate finder", [&] { return lr_find_section(folder, run); });
  page += guarded("tta", "Predictions and TTA", [&] { return tta_section(run); });
  page += guarded("confusion", "Confusion matrix", [&] { return confusion_section(folder); });
  page += guarded("timings", "Timings", [&] { return timings_section(run); });
  page += guarded("provenance", "Provenance", [&] { return provenance_section(folder, run); });
  page += guarded("log", "Log", [&] { return log_section(folder); });
  page += guarded("files", "Files", [&] { return files_section(folder); });
  return page + page_end(str_cat("written by xp ", run.xp_version, " at ", utc_now_iso8601()));
}

void write_report(const fs::path& folder) {
  write_file_atomic(folder / files::kReport, render_report(folder));
}

}  // namespace xp::report
