#include "core/report/console.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "core/util/error.h"

namespace xp::report {

namespace {
constexpr int kBarWidth = 28;
constexpr double kRedrawSeconds = 0.1;  // at most ten redraws a second
}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long>(std::lround(seconds));
  char buffer[32];
  if (total >= 3600)
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60,
                  total % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  return buffer;
}

Console::Console(std::FILE* out, double line_seconds)
    : out_(out),
      tty_(isatty(fileno(out)) != 0),
      style_(tty_ ? ProgressStyle::kBar : ProgressStyle::kLines),
      line_seconds_(line_seconds) {}

void Console::tee_to(const std::string& path) {
  log_.open(path, std::ios::app);
  if (!log_) throw Error(str_cat("cannot open log file '", path, "'"));
}

void Console::clear_bar() {
  if (bar_visible_) {
    std::fprintf(out_, "\r\033[K");
    bar_visible_ = false;
  }
}

void Console::line(const std::string& text) {
  clear_bar();
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
  if (log_) log_ << text << '\n' << std::flush;
  if (capturing_) captured_.push_back(text);
}

void Console::progress_begin(const std::string& label, std::int64_t total) {
  label_ = label;
  total_ = total;
  started_ = std::chrono::steady_clock::now();
  // The bar draws at once; the first line comes one interval into the epoch.
  last_draw_ = style_ == ProgressStyle::kBar ? started_ - std::chrono::seconds(1) : started_;
}

void Console::progress_update(std::int64_t done, double loss) {
  if (style_ == ProgressStyle::kNone) return;
  const auto now = std::chrono::steady_clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  // A bar redraws at most ten times a second, and shows the last batch; a line waits its interval,
  // and leaves the last batch to the epoch's own line.
  if (style_ == ProgressStyle::kBar ? done < total_ && since_draw < kRedrawSeconds
                                    : done >= total_ || since_draw < line_seconds_)
    return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
  if (style_ == ProgressStyle::kBar) {
    draw_bar(done, rate, eta, loss);
    return;
  }
  // Not in log.txt nor in a stage's captured output: progress, not a result.
  std::fprintf(out_, "  %s batch %lld/%lld (%d%%) %.1f it/s ETA %s loss %.4f\n", label_.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_),
               static_cast<int>(100 * done / std::max<std::int64_t>(total_, 1)), rate,
               format_duration(eta).c_str(), loss);
  std::fflush(out_);
}

void Console::draw_bar(std::int64_t done, double rate, double eta, double loss) {
  const int filled = total_ > 0 ? static_cast<int>(kBarWidth * done / total_) : 0;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kBarWidth) bar += '>';
  bar.resize(kBarWidth, ' ');
  std::fprintf(out_, "\r\033[K%s [%s] %lld/%lld %.1f it/s ETA %s loss %.4f", label_.c_str(),
               bar.c_str(), static_cast<long long>(done), static_cast<long long>(total_), rate,
               format_duration(eta).c_str(), loss);
  std::fflush(out_);
  bar_visible_ = true;
}

void Console::progress_end() { clear_bar(); }

}  // namespace xp::report
