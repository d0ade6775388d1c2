// What the end-to-end tests share: running the xp binary and reading what it writes.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace xp::e2e {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line to its end: its exit code, and stdout and stderr together.
Outcome run_shell(const std::string& command);

// Runs `prefix xp arguments`, e.g. prefix "timeout --foreground -s INT 2 " to interrupt it like one
// Ctrl-C (without --foreground, timeout signals the child and then its whole process group: two
// SIGINTs, the second of which is xp's "stop at once" — an exit 130 with nothing saved).
Outcome run_xp_with(const std::string& prefix, const std::string& arguments);
Outcome run_xp(const std::string& arguments);
// `xp arguments` sent one SIGINT after `seconds`, as one Ctrl-C would.
Outcome run_xp_interrupted_after(int seconds, const std::string& arguments);
// `xp run ARGUMENTS --out A` and `--out B` started together (to race on a shared cache); both
// must succeed (doctest REQUIREs, with both outputs captured).
std::pair<Outcome, Outcome> run_twice_at_once(const std::string& arguments,
                                              const std::filesystem::path& out_a,
                                              const std::filesystem::path& out_b);

// A tiny recipe named "tiny" (4 classes of bars in an IDX dataset under dir/data, resnet18 at
// 32 px, SGDR over 4 epochs of 16 batches, threads 1), with `extra_stage` lines appended.
std::string write_recipe(const std::filesystem::path& dir, const std::string& extra_stage = "");
// The data-parallel tests' recipe ("tiny", dir/parallel.yaml): the tiny data, BatchNorm frozen
// (its batch statistics would be per rank), no dropout (its masks are drawn per rank); 2 epochs
// (stages[1].fit.cycles) of 16 batches of 16 augmented images (8 per rank, each image's draws the
// same wherever it lands), then TTA — so that N ranks compute what one process computes.
std::string write_parallel_recipe(const std::filesystem::path& dir);

std::string last_line(const std::string& text);
// A CSV file's rows split at commas (xp's own files: no quoted commas in the tests' data).
std::vector<std::vector<std::string>> csv_rows(const std::filesystem::path& path);
// xp predict's CSV written with --top = every class: each image's probabilities in class order,
// keyed by its path with `root` (which every path must start with) taken off the front.
std::map<std::string, std::vector<double>> predicted_probabilities(
    const std::filesystem::path& csv, const std::vector<std::string>& classes,
    const std::string& root = "");
// metrics.csv without the seconds column, which is wall time.
std::string metrics_without_time(const std::filesystem::path& folder);
// The metric column (second to last, before seconds) of metrics.csv's last row.
double last_accuracy(const std::filesystem::path& folder);
// The metric column of metrics.csv's data row `row` (0 = the first epoch).
double accuracy_of_row(const std::filesystem::path& folder, std::size_t row);
// metrics.csv of two runs, wall time aside, has the same rows and numbers within `relative` (doctest
// checks, one per cell): the same recipe computed by two routes.
void check_close_metrics(const std::filesystem::path& a, const std::filesystem::path& b,
                         double relative);
// How many times `what` occurs in `text` (console lines such as "[cached").
std::size_t count(const std::string& text, const std::string& what);
// Two model.h5 files hold the same tensors, bitwise (checked with h5py; what differs is printed).
void check_same_weights(const std::filesystem::path& a, const std::filesystem::path& b);
// The one run folder under results/tiny (besides the `latest` link, checked to point at it).
std::filesystem::path only_run(const std::filesystem::path& results);

}  // namespace xp::e2e
