#include "tests/e2e/xp_process.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <sstream>
#include <vector>

#include "tests/test_support.h"

namespace fs = std::filesystem;

namespace xp::e2e {

Outcome run_shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

Outcome run_xp_with(const std::string& prefix, const std::string& arguments) {
  return run_shell(prefix + std::string(XP_BINARY) + " " + arguments);
}

Outcome run_xp(const std::string& arguments) { return run_xp_with("", arguments); }

Outcome run_xp_interrupted_after(int seconds, const std::string& arguments) {
  return run_xp_with(
      "timeout --foreground --preserve-status -s INT " + std::to_string(seconds) + " ", arguments);
}

std::pair<Outcome, Outcome> run_twice_at_once(const std::string& arguments, const fs::path& out_a,
                                              const fs::path& out_b) {
  const auto launch = [&](const fs::path& out) {
    return std::async(std::launch::async, [command = "run " + arguments + " --out " +
                                                     out.string()] { return run_xp(command); });
  };
  auto a = launch(out_a);
  auto b = launch(out_b);
  std::pair<Outcome, Outcome> outcomes{a.get(), b.get()};
  CAPTURE(outcomes.first.output);
  CAPTURE(outcomes.second.output);
  REQUIRE(outcomes.first.exit_code == 0);
  REQUIRE(outcomes.second.exit_code == 0);
  return outcomes;
}

std::string write_recipe(const fs::path& dir, const std::string& extra_stage) {
  xp::testing::write_tiny_idx_dataset(dir / "data", 64, 8);
  const fs::path recipe = dir / "tiny.yaml";
  xp::testing::write_text(recipe,
                          "name: tiny\n"
                          "seed: 7\n"
                          "threads: 1  # ctest runs two tests at once on two cores\n"
                          "data: {source: idx, path: data, size: 32, batch_size: 16, workers: 2,\n"
                          "       classes: [top, middle-high, middle-low, bottom]}\n"
                          "model: {arch: resnet18, xtra_fc: [32]}\n"
                          "stages:\n"
                          "  - fit: {lr: 0.01, cycles: 4, cycle_len: 1}\n" +
                              extra_stage);
  return recipe.string();
}

// A gentle LR: at 0.01 the second cycle's restart makes the loss jump to ~14, where the last bits
// in which two ranks' sums differ from one process's grow into a different run.
std::string write_parallel_recipe(const fs::path& dir) {
  xp::testing::write_tiny_idx_dataset(dir / "data", 64, 8);
  const fs::path recipe = dir / "parallel.yaml";
  xp::testing::write_text(recipe,
                          "name: tiny\n"
                          "seed: 7\n"
                          "threads: 1\n"
                          "data: {source: idx, path: data, size: 32, batch_size: 16, workers: 1,\n"
                          "       augment: side_on, classes: [top, middle-high, middle-low, "
                          "bottom]}\n"
                          "model: {arch: resnet18, xtra_fc: [32], dropout: 0}\n"
                          "stages:\n"
                          "  - bn_freeze: true\n"
                          "  - fit: {lr: 0.002, cycles: 2, cycle_len: 1}\n"
                          "  - tta: {n_aug: 2}\n");
  return recipe.string();
}

std::vector<std::vector<std::string>> csv_rows(const fs::path& path) {
  std::istringstream in(xp::testing::read_text(path));
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

std::map<std::string, std::vector<double>> predicted_probabilities(
    const fs::path& csv, const std::vector<std::string>& classes, const std::string& root) {
  std::map<std::string, std::vector<double>> out;
  const auto rows = csv_rows(csv);
  for (std::size_t row = 1; row < rows.size(); ++row) {
    std::vector<double> probs(classes.size());
    for (std::size_t k = 0; k < classes.size(); ++k) {
      const auto column =
          std::find(classes.begin(), classes.end(), rows[row][1 + 2 * k]) - classes.begin();
      REQUIRE(static_cast<std::size_t>(column) < classes.size());
      probs[static_cast<std::size_t>(column)] = std::stod(rows[row][2 + 2 * k]);
    }
    const std::string& path = rows[row][0];
    REQUIRE(path.rfind(root, 0) == 0);
    out[path.substr(root.size())] = probs;
  }
  return out;
}

std::string last_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

std::string metrics_without_time(const fs::path& folder) {
  std::istringstream in(xp::testing::read_text(folder / "metrics.csv"));
  std::string out;
  for (std::string line; std::getline(in, line);) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

double last_accuracy(const fs::path& folder) {
  std::string row = last_line(xp::testing::read_text(folder / "metrics.csv"));
  row.erase(row.rfind(','));
  return std::stod(row.substr(row.rfind(',') + 1));
}

namespace {

std::vector<std::string> cells_of(const std::string& row) {
  std::vector<std::string> cells;
  std::istringstream in(row);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

double accuracy_of_row(const fs::path& folder, std::size_t row) {
  const auto rows = lines_of(metrics_without_time(folder));
  REQUIRE(row + 1 < rows.size());
  return std::stod(cells_of(rows[row + 1]).back());
}

void check_close_metrics(const fs::path& a, const fs::path& b, double relative) {
  const auto first = lines_of(metrics_without_time(a));
  const auto second = lines_of(metrics_without_time(b));
  REQUIRE(first.size() == second.size());
  CHECK(first[0] == second[0]);
  for (std::size_t row = 1; row < first.size(); ++row) {
    const auto cells = cells_of(first[row]);
    const auto others = cells_of(second[row]);
    REQUIRE(cells.size() == others.size());
    for (std::size_t column = 0; column < cells.size(); ++column) {
      CAPTURE(first[0]);
      CAPTURE(first[row]);
      CAPTURE(second[row]);
      char* end = nullptr;
      const double value = std::strtod(cells[column].c_str(), &end);
      if (end == cells[column].c_str())
        CHECK(cells[column] == others[column]);
      else
        CHECK(std::stod(others[column]) == doctest::Approx(value).epsilon(relative));
    }
  }
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t found = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++found;
  return found;
}

void check_same_weights(const fs::path& a, const fs::path& b) {
  // h5py reads both files: the check does not trust xp's own HDF5 reader, and this suite needs no LibTorch.
  CHECK_MESSAGE(
      xp::testing::run_python_tool("same_h5_tensors.py", a.string() + " " + b.string()) == 0,
      "model weights differ: ", a, " vs ", b);
}

fs::path only_run(const fs::path& results) {
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(results / "tiny"))
    if (entry.path().filename() != "latest") runs.push_back(entry.path());
  REQUIRE(runs.size() == 1);
  // A completed run is also results/tiny/latest.
  if (fs::exists(runs[0] / "model.h5")) CHECK(fs::equivalent(results / "tiny" / "latest", runs[0]));
  return runs[0];
}

}  // namespace xp::e2e
