// What a person sees while xp runs: messages, fastai's per-epoch table, and a live progress bar
// (batches done/total, it/s, ETA, running loss). Everything but the bar is also appended to
// log.txt once the result folder exists. The bar is drawn only on a terminal, so logs and CI
// output stay one line per event.
#pragma once

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace xp::report {

class Console {
 public:
  explicit Console(std::FILE* out = stdout);
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
  std::FILE* out_;
  bool tty_;
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
