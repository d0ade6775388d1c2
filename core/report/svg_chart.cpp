#include "core/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/report/html.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 44, kBottom = 42;  // margins around the plot area
constexpr std::size_t kMaxDrawnPoints = 1200;                       // per series, after thin_points

// One axis: the data range it shows (in log10 units on a log axis) and the pixels it maps to.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  double pixel_lo = 0, pixel_hi = 1;

  bool drawable(double value) const { return std::isfinite(value) && (!log || value > 0); }
  double unit(double value) const { return log ? std::log10(value) : value; }
  double pixel(double value) const {
    return pixel_lo + (unit(value) - lo) / (hi - lo) * (pixel_hi - pixel_lo);
  }

  // Values in axis units: decades on a log axis (with 2× and 5× when it spans under two), nice
  // steps otherwise.
  std::vector<double> ticks() const {
    std::vector<double> out;
    if (!log) {
      for (const double tick : nice_ticks(lo, hi, 5)) out.push_back(tick);
      return out;
    }
    const bool fine = hi - lo < 2;
    for (double decade = std::floor(lo); decade <= std::ceil(hi); ++decade)
      for (const double step : fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
        const double tick = decade + std::log10(step);
        if (tick >= lo - 1e-9 && tick <= hi + 1e-9) out.push_back(std::pow(10.0, tick));
      }
    return out;
  }
};

std::string tick_label(double value, bool log) {
  if (log) return str_printf("%.0e", value);
  if (value == 0) return "0";
  return str_printf("%.4g", value);
}

// The range of the drawable values, padded so that lines do not run along the frame.
Axis fit_axis(const std::vector<double>& values, bool log, double pixel_lo, double pixel_hi,
              bool pad) {
  Axis axis;
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

std::string text(double x, double y, const std::string& content,
                 const std::string& attributes = "") {
  return str_printf("<text x=\"%.1f\" y=\"%.1f\"", x, y) +
         (attributes.empty() ? "" : " " + attributes) + ">" + html_escape(content) + "</text>";
}

std::string svg_open(int width, int height, const std::string& title) {
  return str_printf(
             "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" height=\"%d\" "
             "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
             width, height, width, height) +
         html_escape(title) + "\">" +
         text(width / 2.0, 18, title, "class=\"title\" text-anchor=\"middle\"");
}

}  // namespace

const char* series_color(std::size_t index) {
  static const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kColors[index % 10];
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

std::string svg_line_chart(const SvgChart& chart) {
  const double plot_right = chart.width - kRight, plot_bottom = chart.height - kBottom;
  std::vector<double> all_x, all_y;
  for (const auto& series : chart.series) {
    all_x.insert(all_x.end(), series.xs.begin(), series.xs.end());
    all_y.insert(all_y.end(), series.ys.begin(), series.ys.end());
  }
  for (const auto& marker : chart.markers) all_x.push_back(marker.x);
  const Axis x = fit_axis(all_x, chart.log_x, kLeft, plot_right, false);
  const Axis y = fit_axis(all_y, chart.log_y, plot_bottom, kTop, true);

  std::string svg = svg_open(chart.width, chart.height, chart.title);
  bool any = false;
  for (const auto& series : chart.series)
    for (std::size_t i = 0; i < series.xs.size(); ++i)
      any |= x.drawable(series.xs[i]) && y.drawable(series.ys[i]);
  if (!any)
    return svg +
           text(chart.width / 2.0, chart.height / 2.0, "no values to plot",
                "text-anchor=\"middle\"") +
           "</svg>";

  // Frame, grid and tick labels.
  svg += str_printf("<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                    kLeft, kTop, plot_right - kLeft, plot_bottom - kTop);
  for (const double tick : y.ticks()) {
    const double py = y.pixel(tick);
    svg += str_printf("<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                      kLeft, py, plot_right, py);
    svg += text(kLeft - 6, py + 4, tick_label(tick, y.log), "text-anchor=\"end\"");
  }
  std::vector<double> x_ticks = x.ticks();
  if (chart.integer_x && !x.log) {  // epochs and iterations: no 1.5th epoch on the axis
    x_ticks.erase(std::remove_if(x_ticks.begin(), x_ticks.end(),
                                 [](double tick) { return tick != std::round(tick); }),
                  x_ticks.end());
    if (x_ticks.size() < 2)
      for (double tick = std::ceil(x.lo); tick <= x.hi; ++tick)
        if (std::find(x_ticks.begin(), x_ticks.end(), tick) == x_ticks.end())
          x_ticks.push_back(tick);
  }
  for (const double tick : x_ticks) {
    const double px = x.pixel(tick);
    svg += str_printf("<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", px,
                      kTop, px, plot_bottom);
    svg += text(px, plot_bottom + 16, tick_label(tick, x.log), "text-anchor=\"middle\"");
  }
  svg += text((kLeft + plot_right) / 2, chart.height - 6, chart.x_label, "text-anchor=\"middle\"");
  svg += text(14, (kTop + plot_bottom) / 2, chart.y_label,
              str_printf("text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\"",
                         (kTop + plot_bottom) / 2));

  for (const auto& marker : chart.markers) {
    if (!x.drawable(marker.x)) continue;
    const double px = x.pixel(marker.x);
    svg += str_printf("<g class=\"marker\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                      px, kTop, px, plot_bottom);
    svg += text(px + 3, kTop + 4, marker.label,
                str_printf("transform=\"rotate(90 %.1f %.1f)\"", px + 3, kTop + 4));
    svg += "</g>";
  }

  // The lines, broken where a value cannot be drawn; then the legend above the plot.
  double legend_x = kLeft;
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const auto& series = chart.series[s];
    const char* color = series_color(s);
    std::string path;
    bool pen_down = false;
    for (const auto& [vx, vy] : thin_points(series.xs, series.ys, kMaxDrawnPoints)) {
      if (!x.drawable(vx) || !y.drawable(vy)) {
        pen_down = false;
        continue;
      }
      path += str_printf("%s%.1f %.1f", pen_down ? " L" : (path.empty() ? "M" : " M"), x.pixel(vx),
                         y.pixel(vy));
      pen_down = true;
    }
    svg += str_printf("<g class=\"series\" data-name=\"%s\"><path d=\"%s\" stroke=\"%s\"/>",
                      html_escape(series.name).c_str(), path.c_str(), color);
    if (series.dots && series.xs.size() <= kMaxDrawnPoints)
      for (std::size_t i = 0; i < series.xs.size(); ++i) {
        if (!x.drawable(series.xs[i]) || !y.drawable(series.ys[i])) continue;
        svg += str_printf("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>",
                          x.pixel(series.xs[i]), y.pixel(series.ys[i]), color) +
               html_escape(str_cat(series.name, " ", format_number(series.ys[i]), " at ",
                                   chart.x_label, " ", format_number(series.xs[i]))) +
               "</title></circle>";
      }
    svg += "</g>";
    svg += str_printf("<rect x=\"%.1f\" y=\"26\" width=\"14\" height=\"4\" fill=\"%s\"/>", legend_x,
                      color);
    svg += text(legend_x + 18, 32, series.name);
    legend_x += 30 + 7.0 * static_cast<double>(series.name.size());
  }
  return svg + "</svg>";
}

std::string svg_bar_chart(const std::vector<SvgBar>& bars, const std::string& title,
                          const std::string& unit) {
  constexpr double kRowHeight = 22, kLabelWidth = 170, kValueWidth = 190;
  const int width = 760;
  const int height = static_cast<int>(kTop + kRowHeight * static_cast<double>(bars.size()) + 10);
  double largest = 0;
  for (const auto& bar : bars)
    if (std::isfinite(bar.value)) largest = std::max(largest, bar.value);
  std::string svg = svg_open(width, height, title);
  const double bar_space = width - kLabelWidth - kValueWidth;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& bar = bars[i];
    const double top = kTop + kRowHeight * static_cast<double>(i);
    const double length = largest > 0 && std::isfinite(bar.value)
                              ? std::max(1.0, bar.value / largest * bar_space)
                              : 0;
    svg += text(kLabelWidth - 8, top + 15, bar.label, "text-anchor=\"end\"");
    svg += str_printf(
               "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
               "fill=\"%s\"><title>",
               kLabelWidth, top + 3, length, kRowHeight - 6, series_color(0)) +
           html_escape(str_cat(bar.label, ": ", format_number(bar.value), " ", unit)) +
           "</title></rect>";
    svg +=
        text(kLabelWidth + length + 6, top + 15,
             str_cat(format_number(bar.value), " ", unit, bar.note.empty() ? "" : "  " + bar.note));
  }
  return svg + "</svg>";
}

}  // namespace xp::report
