// report.html: one page per run folder that a person would rather read than the CSVs — the state
// and headline numbers, the plan with each stage's time and cache hits, loss and metric curves with
// stage boundaries, the LR schedule, the lr_find curves with their suggestions, the TTA gain, the
// confusion matrix, the top losses, timings, provenance, the recipe and the log's end.
//
// It is built only from the files in the folder (run.json, status.json, metrics.csv,
// lr_schedule.csv, lr_find.csv, confusion.csv, recipe.yaml, log.txt, top_losses.png), so the
// engine rewrites it after every stage (a killed run's page shows how far it got) and `xp report`
// rebuilds it for any folder. Self-contained: inline CSS and SVG, no script, nothing downloaded;
// images are referenced beside it. A section whose file is missing is left out; one whose file is
// unreadable says so instead of failing the page.
#pragma once

#include <filesystem>
#include <string>

namespace xp::report {

std::string render_report(const std::filesystem::path& run_folder);

// Writes <run_folder>/report.html atomically.
void write_report(const std::filesystem::path& run_folder);

}  // namespace xp::report
