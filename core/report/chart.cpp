#include "core/report/chart.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/report/run_info.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

bool ChartAxis::drawable(double value) const { return std::isfinite(value) && (!log || value > 0); }

double ChartAxis::unit(double value) const { return log ? std::log10(value) : value; }

double ChartAxis::pixel(double value) const {
  return pixel_lo + (unit(value) - lo) / (hi - lo) * (pixel_hi - pixel_lo);
}

std::vector<double> ChartAxis::ticks() const {
  if (!log) return nice_ticks(lo, hi, 5);
  std::vector<double> out;
  const bool fine = hi - lo < 2;
  for (double decade = std::floor(lo); decade <= std::ceil(hi); ++decade)
    for (const double step : fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
      const double tick = decade + std::log10(step);
      if (tick >= lo - 1e-9 && tick <= hi + 1e-9) out.push_back(std::pow(10.0, tick));
    }
  return out;
}

ChartAxis fit_axis(const std::vector<double>& values, bool log, double pixel_lo, double pixel_hi,
                   bool pad) {
  ChartAxis axis;
  axis.log = log;
  axis.pixel_lo = pixel_lo;
  axis.pixel_hi = pixel_hi;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double value : values)
    if (axis.drawable(value)) {
      lo = std::min(lo, axis.unit(value));
      hi = std::max(hi, axis.unit(value));
    }
  if (!std::isfinite(lo)) return axis;
  if (hi - lo < 1e-12) {  // one value: a band around it
    const double half = log ? 0.5 : std::max(std::abs(lo) * 0.1, 0.5);
    lo -= half;
    hi += half;
  } else if (pad) {
    const double margin = (hi - lo) * 0.05;
    lo -= margin;
    hi += margin;
  }
  axis.lo = lo;
  axis.hi = hi;
  return axis;
}

LineChartAxes fit_axes(const LineChart& chart, double left, double right, double top,
                       double bottom) {
  std::vector<double> all_x, all_y;
  for (const auto& series : chart.series) {
    all_x.insert(all_x.end(), series.xs.begin(), series.xs.end());
    all_y.insert(all_y.end(), series.ys.begin(), series.ys.end());
  }
  for (const auto& marker : chart.markers) all_x.push_back(marker.x);
  LineChartAxes axes;
  axes.x = fit_axis(all_x, chart.log_x, left, right, false);
  axes.y = fit_axis(all_y, chart.log_y, bottom, top, true);
  for (const auto& series : chart.series)
    for (std::size_t i = 0; i < series.xs.size() && i < series.ys.size(); ++i)
      axes.any |= axes.x.drawable(series.xs[i]) && axes.y.drawable(series.ys[i]);
  return axes;
}

std::vector<double> x_ticks(const LineChart& chart, const ChartAxis& x) {
  std::vector<double> ticks = x.ticks();
  if (!chart.integer_x || x.log) return ticks;
  // Epochs and iterations: no 1.5th epoch on the axis.
  ticks.erase(std::remove_if(ticks.begin(), ticks.end(),
                             [](double tick) { return tick != std::round(tick); }),
              ticks.end());
  if (ticks.size() < 2)
    for (double tick = std::ceil(x.lo); tick <= x.hi; ++tick)
      if (std::find(ticks.begin(), ticks.end(), tick) == ticks.end()) ticks.push_back(tick);
  return ticks;
}

std::string tick_label(double value, bool log) {
  if (log) return str_printf("%.0e", value);
  if (value == 0) return "0";
  return str_printf("%.4g", value);
}

double largest_bar(const BarChart& chart) {
  double largest = NAN;
  for (const auto& bar : chart.bars)
    if (std::isfinite(bar.value) && !(bar.value <= largest)) largest = bar.value;
  return largest;
}

double bar_axis_start(const BarChart& chart) {
  double low = INFINITY, high = -INFINITY;
  for (const auto& bar : chart.bars)
    if (std::isfinite(bar.value)) low = std::min(low, bar.value), high = std::max(high, bar.value);
  if (!std::isfinite(low)) return NAN;
  if (!chart.zoom) return std::min(0.0, low);
  // Half the values' spread below the smallest when they are within half of it of each other.
  return low > 0 && (high - low) < low * 0.5 ? low - (high - low + 1e-12) * 0.5
                                             : std::min(0.0, low);
}

std::vector<ChartMarker> lr_suggestion_markers(const LrSuggestionsInfo& s) {
  std::vector<ChartMarker> markers;
  for (const auto& [name, value] : {std::pair{"valley", s.valley},
                                    {"slide", s.slide},
                                    {"minimum", s.minimum},
                                    {"steep", s.steep}})
    markers.push_back({value, str_cat(name, " ", str_printf("%.2e", value))});
  return markers;
}

const char* series_color(std::size_t index) {
  static const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kColors[index % 10];
}

void series_rgb(std::size_t index, unsigned char rgb[3]) {
  const long packed = std::strtol(series_color(index) + 1, nullptr, 16);
  rgb[0] = static_cast<unsigned char>((packed >> 16) & 0xff);
  rgb[1] = static_cast<unsigned char>((packed >> 8) & 0xff);
  rgb[2] = static_cast<unsigned char>(packed & 0xff);
}

std::vector<double> nice_ticks(double lo, double hi, int count) {
  XP_ASSERT(count > 0 && hi >= lo, "nice_ticks(", lo, ", ", hi, ", ", count, ")");
  if (hi == lo) return {lo};
  const double raw = (hi - lo) / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;  // the 1, 2, 5 or 10 × magnitude nearest to the raw step (in ratio)
  for (const double factor : {2.0, 5.0, 10.0})
    if (std::abs(std::log(factor * magnitude / raw)) < std::abs(std::log(step / raw)))
      step = factor * magnitude;
  std::vector<double> ticks;
  for (double tick = std::ceil(lo / step - 1e-9) * step; tick <= hi + step * 1e-9; tick += step)
    ticks.push_back(std::abs(tick) < step * 1e-9 ? 0.0 : tick);
  return ticks;
}

std::vector<std::pair<double, double>> thin_points(const std::vector<double>& xs,
                                                   const std::vector<double>& ys,
                                                   std::size_t max_points) {
  XP_ASSERT(xs.size() == ys.size(), xs.size(), " x values, ", ys.size(), " y values");
  std::vector<std::pair<double, double>> out;
  if (xs.size() <= max_points || max_points < 4) {
    for (std::size_t i = 0; i < xs.size(); ++i) out.emplace_back(xs[i], ys[i]);
    return out;
  }
  const std::size_t buckets = max_points / 2;
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t begin = b * xs.size() / buckets, end = (b + 1) * xs.size() / buckets;
    std::size_t low = begin, high = begin;
    for (std::size_t i = begin; i < end; ++i) {
      if (ys[i] < ys[low] || std::isnan(ys[low])) low = i;
      if (ys[i] > ys[high] || std::isnan(ys[high])) high = i;
    }
    out.emplace_back(xs[std::min(low, high)], ys[std::min(low, high)]);
    if (low != high) out.emplace_back(xs[std::max(low, high)], ys[std::max(low, high)]);
  }
  return out;
}

}  // namespace xp::report
