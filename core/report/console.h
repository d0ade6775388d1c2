// What a person sees while xp runs: messages, fastai's per-epoch table, and the progress within an
// epoch (batches done/total, it/s, ETA, running loss). Everything but the progress is also appended
// to log.txt once the result folder exists. On a terminal the progress is a live bar; elsewhere
// (a log file, Slurm, CI) a plain line every ~10 s, so that a long epoch does not look like a hang
// and the log stays readable.
#pragma once

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace xp::report {

// How the progress within an epoch shows: a redrawn bar (a terminal's default), a plain line every
// `line_seconds` (the default elsewhere), or not at all.
// (`xp run --progress`, runner/cli.h.)
enum class ProgressStyle { kBar, kLines, kNone };

class Console {
 public:
  explicit Console(std::FILE* out = stdout, double line_seconds = 10.0);
  void set_progress_style(ProgressStyle style) { style_ = style; }
  bool terminal() const { return tty_; }
  // From now on, every line is also appended to `path` (log.txt).
  void tee_to(const std::string& path);

  void line(const std::string& text);  // a full line (clears the bar first)
  // Keeps a copy of every line from now on (a stage's output, for the stage cache to replay).
  void begin_capture() {
    captured_.clear();
    capturing_ = true;
  }
  std::vector<std::string> end_capture() {
    capturing_ = false;
    return std::move(captured_);
  }

  void progress_begin(const std::string& label, std::int64_t total);
  void progress_update(std::int64_t done, double loss);
  void progress_end();

 private:
  void clear_bar();
  void draw_bar(std::int64_t done, double rate, double eta, double loss);
  std::FILE* out_;
  bool tty_;
  ProgressStyle style_;
  double line_seconds_;
  std::ofstream log_;
  std::string label_;
  std::int64_t total_ = 0;
  bool bar_visible_ = false;
  bool capturing_ = false;
  std::vector<std::string> captured_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1:05" / "1:02:05" for an ETA or a duration in seconds.
std::string format_duration(double seconds);

}  // namespace xp::report
