// What a chart shows, whoever draws it — report.html's inline SVG (svg_chart.h) or the PNGs beside
// the CSVs (plot.h) — and the geometry both renderers share: axis ranges, ticks, thinning long
// series, the palette. A chart is described once and drawn the same way in both.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace xp::report {

struct LrSuggestionsInfo;  // run_info.h

struct ChartSeries {
  std::string name;  // the legend's entry
  std::vector<double> xs, ys;
  // A dot at every point (in SVG with its value on hover): for short series (one value per
  // epoch). Long series are thinned for drawing (thin_points) and get no dots.
  bool dots = false;
};

// A dashed vertical line, labelled: a stage boundary, an LR suggestion.
struct ChartMarker {
  double x = 0;
  std::string label;
};

struct LineChart {
  std::string title;
  std::string x_label, y_label;
  bool log_x = false, log_y = false;  // base-10 axes: non-positive values are left out
  bool integer_x = false;             // x ticks on whole numbers only (epochs, iterations)
  std::vector<ChartSeries> series;    // NaN values break a line
  std::vector<ChartMarker> markers;
  int width = 760, height = 300;
};

struct ChartBar {
  std::string label;
  double value = 0;  // NaN: no bar
  std::string note;  // written after the value ("cached", "3 epochs")
};

// One horizontal bar per entry.
struct BarChart {
  std::string title;
  std::string unit;  // written after each value ("s")
  std::vector<ChartBar> bars;
  // Bars start a little below the smallest value instead of at zero, so that close values (the
  // accuracies of a sweep's trials) can be told apart; the axis's start is written on the chart.
  bool zoom = false;
};

// One axis: the data range it shows (in log10 units on a log axis) and the pixels it maps to.
struct ChartAxis {
  bool log = false;
  double lo = 0, hi = 1;
  double pixel_lo = 0, pixel_hi = 1;

  bool drawable(double value) const;
  double unit(double value) const;  // log10(value) on a log axis
  double pixel(double value) const;
  // Tick values: decades on a log axis (with 2× and 5× when it spans under two), nice steps
  // otherwise.
  std::vector<double> ticks() const;
};

// The range of the drawable values, mapped to [pixel_lo, pixel_hi]; `pad` leaves 5% on each side
// so that lines do not run along the frame. A single value gets a band around it.
ChartAxis fit_axis(const std::vector<double>& values, bool log, double pixel_lo, double pixel_hi,
                   bool pad);

// A line chart's axes for a plot area: x over the series and markers, y over the series (padded).
struct LineChartAxes {
  ChartAxis x, y;
  bool any = false;  // some point can be drawn
};
LineChartAxes fit_axes(const LineChart& chart, double left, double right, double top,
                       double bottom);

// The x ticks to label: the axis's ticks, on whole numbers only for an integer_x chart.
std::vector<double> x_ticks(const LineChart& chart, const ChartAxis& x);

// "1e-03" on a log axis, "0.25" otherwise.
std::string tick_label(double value, bool log);

// Where the bars start: 0, or for a zoomed chart a little below the smallest value when the values
// are close (NaN when no bar has a value).
double bar_axis_start(const BarChart& chart);
double largest_bar(const BarChart& chart);  // NaN when no bar has a value

// lr_find's suggestions as markers on its curve: "valley 1.58e-03", … (lr_find.png, report.html).
std::vector<ChartMarker> lr_suggestion_markers(const LrSuggestionsInfo& suggestions);

// "Nice" axis ticks (1, 2 or 5 × 10^k apart) covering [lo, hi] with about `count` of them.
std::vector<double> nice_ticks(double lo, double hi, int count);

// At most about `max_points` of the points, keeping each bucket's lowest and highest value in x
// order, so that a thinned LR schedule still shows every restart and every peak.
std::vector<std::pair<double, double>> thin_points(const std::vector<double>& xs,
                                                   const std::vector<double>& ys,
                                                   std::size_t max_points);

// The colour of series `index` (matplotlib's tab10, as fastai's plots use): "#1f77b4", …
const char* series_color(std::size_t index);
// The same as RGB bytes.
void series_rgb(std::size_t index, unsigned char rgb[3]);

}  // namespace xp::report
