#include "runner/folder_commands.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/cache/cache_gc.h"
#include "core/pipeline/stage_key.h"
#include "core/recipe/document.h"
#include "core/report/console.h"
#include "core/report/html_report.h"
#include "core/report/run_folder.h"
#include "core/report/run_index.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::commands {

namespace fs = std::filesystem;

namespace {

std::string number_text(double value, const char* format = "%.4f") {
  return std::isfinite(value) ? str_printf(format, value) : std::string("-");
}

std::string bytes_text(std::uintmax_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) value /= 1024, ++unit;
  return str_printf(unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
}

// "10G", "500M", "2048" (bytes) → bytes; throws UsageError otherwise.
std::uintmax_t parse_size(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  const std::string unit = trim(end ? end : "");
  double scale = 1;
  if (unit == "K" || unit == "KiB" || unit == "k")
    scale = 1024.0;
  else if (unit == "M" || unit == "MiB")
    scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GiB")
    scale = 1024.0 * 1024 * 1024;
  else if (!unit.empty())
    throw cli::UsageError(str_cat("--max-size '", text, "': expected a number with K, M or G"));
  if (!(value >= 0))
    throw cli::UsageError(str_cat("--max-size '", text, "': expected a size >= 0"));
  return static_cast<std::uintmax_t>(value * scale);
}

// Every key of the run's resolved recipe: the name, paths and threads too, which the stage keys
// leave out but a person comparing two runs wants to see.
pipeline::KeyFields recipe_fields(const fs::path& run) {
  const recipe::Document doc = recipe::Document::load(run / report::files::kRecipe, {});
  pipeline::KeyFields fields;
  pipeline::flatten_json(doc.root(), "", fields, pipeline::RecipeFields::all);
  return fields;
}

}  // namespace

int list_runs(const cli::CliOptions& options) {
  const fs::path root = options.paths.empty() ? fs::path("results") : fs::path(options.paths[0]);
  if (!fs::is_directory(root))
    throw cli::UsageError(str_cat("xp ls: '", root.string(), "' is not a folder"));
  const auto runs = report::find_runs(root);
  if (runs.empty()) {
    std::cout << "no runs below " << root.string() << "\n";
    return 0;
  }
  std::cout << str_printf("%-58s %-11s %-7s %-16s %-9s %-9s %s\n", "run", "state", "stages",
                          "metric", "val_loss", "duration", "started");
  for (const auto& folder : runs) {
    report::RunSummary run;
    try {
      run = report::summarize_run(folder);
    } catch (const Error& error) {
      std::cout << folder.string() << "  unreadable: " << error.what() << "\n";
      continue;
    }
    std::string relative = fs::relative(folder, root).string();
    const std::string metric =
        std::isfinite(run.metric) ? str_cat(run.metric_name, " ", number_text(run.metric)) : "-";
    std::cout << str_printf(
        "%-58s %-11s %-7s %-16s %-9s %-9s %s\n", relative.c_str(), run.state.c_str(),
        str_cat(run.stages_done, "/", run.stages).c_str(), metric.c_str(),
        number_text(run.val_loss).c_str(),
        std::isfinite(run.seconds) ? report::format_duration(run.seconds).c_str() : "-",
        run.started.c_str());
    if (!run.error.empty() && run.state != "COMPLETE") std::cout << "    " << run.error << "\n";
  }
  return 0;
}

int write_reports(const cli::CliOptions& options) {
  for (const auto& folder : options.paths) {
    report::write_report(folder);
    std::cout << (fs::path(folder) / report::files::kReport).string() << "\n";
  }
  return 0;
}

int diff_runs(const cli::CliOptions& options) {
  if (options.paths.size() != 2)
    throw cli::UsageError("xp diff: give two run folders: xp diff RUN_A RUN_B");
  const fs::path a = options.paths[0], b = options.paths[1];
  const report::RunSummary first = report::summarize_run(a);
  const report::RunSummary second = report::summarize_run(b);
  std::cout << "A  " << a.string() << "  (" << first.state << ")\n"
            << "B  " << b.string() << "  (" << second.state << ")\n";
  const auto changes = pipeline::key_changes(recipe_fields(a), recipe_fields(b), 1000);
  std::cout << "recipe" << (changes.empty() ? ": the same" : "") << "\n";
  for (const auto& change : changes) std::cout << "  " << change << "\n";
  std::cout << str_printf("%-24s %-12s %-12s %s\n", "last epoch", "A", "B", "B - A");
  const auto row = [](const std::string& name, double x, double y) {
    std::cout << str_printf("  %-22s %-12s %-12s %s\n", name.c_str(),
                            number_text(x, "%.6g").c_str(), number_text(y, "%.6g").c_str(),
                            number_text(y - x, "%+.6g").c_str());
  };
  row(first.metric_name.empty() ? "metric" : first.metric_name, first.metric, second.metric);
  row("val_loss", first.val_loss, second.val_loss);
  row("trn_loss", first.trn_loss, second.trn_loss);
  row("seconds", first.seconds, second.seconds);
  if (!first.tta.empty() || !second.tta.empty()) {
    std::cout << "tta.json\n";
    std::map<std::string, std::pair<double, double>> both;
    for (const auto& [key, value] : first.tta) both[key].first = value, both[key].second = NAN;
    for (const auto& [key, value] : second.tta) {
      if (!both.count(key)) both[key].first = NAN;
      both[key].second = value;
    }
    for (const auto& [key, values] : both) row(key, values.first, values.second);
  }
  return 0;
}

int cache_command(const cli::CliOptions& options) {
  const fs::path root = cli::cache_root(options);
  if (options.cache_action == "ls") {
    const cache::CacheContents contents = cache::list_cache(root);
    std::cout << str_printf("%-17s %-5s %-9s %-10s %-21s %s\n", "stage key", "stage", "type",
                            "size", "created", "made by run");
    for (const auto& entry : contents.stage_entries) {
      std::cout << str_printf("%-17s %-5d %-9s %-10s %-21s %s\n", entry.value("hash", "").c_str(),
                              entry.value("stage", -1), entry.value("type", "").c_str(),
                              bytes_text(entry.value("bytes", std::uintmax_t{0})).c_str(),
                              entry.value("created", "").c_str(), entry.value("run", "").c_str());
    }
    // Entries that share a weights file list its size each; the total counts it once.
    std::cout << contents.stage_entries.size() << " stage entries, "
              << bytes_text(contents.stage_bytes) << "; " << contents.activation_files.size()
              << " activation files, " << bytes_text(contents.activation_bytes) << "  ("
              << root.string() << ")\n";
    return 0;
  }
  cache::GcPolicy policy;
  policy.older_than_days = options.older_than_days;
  if (!options.max_size.empty()) policy.max_stage_bytes = parse_size(options.max_size);
  policy.all = options.all;
  const cache::GcResult result = cache::collect_garbage(root, policy);
  std::cout << "removed " << result.removed << " cache entries, " << bytes_text(result.freed)
            << " freed; " << bytes_text(result.stage_bytes_kept) << " of stage entries kept  ("
            << root.string() << ")\n";
  return 0;
}

}  // namespace xp::commands
