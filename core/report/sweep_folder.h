// The one module that names files in a sweep folder, <out>/<name>/<sweep folder>/
// (pipeline::sweep_folder_name):
//
//   ledger.json            every trial: its number, --set values, state, result (sweep_ledger.h)
//   summary.csv            one row per trial; summary.png plots the metric against the values
//   report.html            the sweep's page (sweep_report.h)
//   trials/t<N>/           trial N's results root: its runs as <name>/<run id>/ (run_folder.h)
//   trials/t<N>/log.txt    what the trial's xp process printed
#pragma once

#include <filesystem>
#include <string>

namespace xp::report::sweep_files {

inline constexpr const char* kLedger = "ledger.json";
inline constexpr const char* kSummary = "summary.csv";
inline constexpr const char* kSummaryPlot = "summary.png";
inline constexpr const char* kTrialLog = "log.txt";

// trials/t<number> below `sweep_folder`; "t<number>" is also how the console names the trial.
std::filesystem::path trial_root(const std::filesystem::path& sweep_folder, int number);

}  // namespace xp::report::sweep_files
