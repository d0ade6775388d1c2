// The progress within an epoch: a plain line every interval where stdout is not a terminal (logs,
// Slurm, CI), a redrawn bar where asked, nothing with none — and never in log.txt.
#include "core/report/console.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/test_support.h"

using xp::report::Console;
using xp::report::ProgressStyle;

namespace {

// Everything written to `file` so far.
std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  while (const std::size_t read = std::fread(buffer, 1, sizeof buffer, file))
    text.append(buffer, read);
  return text;
}

// An epoch of 10 batches, 30 ms apart.
void epoch(Console& console) {
  console.progress_begin("epoch 1/2", 10);
  for (int batch = 1; batch <= 10; ++batch) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    console.progress_update(batch, 0.5);
  }
  console.progress_end();
  console.line("epoch line");
}

}  // namespace

TEST_CASE("progress without a terminal: a plain line every interval, none in log.txt") {
  xp::testing::TempDir dir;
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  Console console(out, /*line_seconds=*/0.1);
  CHECK_FALSE(console.terminal());
  console.tee_to((dir.path() / "log.txt").string());
  epoch(console);
  const std::string text = contents(out);
  CAPTURE(text);
  CHECK(text.find("  epoch 1/2 batch ") != std::string::npos);
  CHECK(text.find("it/s ETA ") != std::string::npos);
  CHECK(text.find("loss 0.5000\n") != std::string::npos);
  CHECK(text.find('\r') == std::string::npos);           // no bar: lines only
  CHECK(text.find("batch 10/10") == std::string::npos);  // the epoch's own line follows it
  const auto lines = std::count(text.begin(), text.end(), '\n');
  CHECK(lines >= 2);  // ~300 ms at one line per 100 ms
  CHECK(lines <= 4);  // not one per batch
  CHECK(xp::testing::read_text(dir.path() / "log.txt") == "epoch line\n");
  std::fclose(out);
}

TEST_CASE("progress as a bar where asked, and not at all with none") {
  std::FILE* bar_out = std::tmpfile();
  Console bar(bar_out, 0.1);
  bar.set_progress_style(ProgressStyle::kBar);
  epoch(bar);
  const std::string drawn = contents(bar_out);
  CHECK(drawn.find("\r\033[Kepoch 1/2 [") != std::string::npos);
  CHECK(drawn.find("10/10") != std::string::npos);  // the bar shows the last batch
  std::fclose(bar_out);

  std::FILE* quiet_out = std::tmpfile();
  Console quiet(quiet_out, 0.01);
  quiet.set_progress_style(ProgressStyle::kNone);
  epoch(quiet);
  CHECK(contents(quiet_out) == "epoch line\n");
  std::fclose(quiet_out);
}
