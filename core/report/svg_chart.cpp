#include "core/report/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "core/report/html.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 44, kBottom = 42;  // margins around the plot area
constexpr std::size_t kMaxDrawnPoints = 1200;                       // per series, after thin_points

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

std::string svg_line_chart(const LineChart& chart) {
  const double plot_right = chart.width - kRight, plot_bottom = chart.height - kBottom;
  const auto [x, y, any] = fit_axes(chart, kLeft, plot_right, kTop, plot_bottom);

  std::string svg = svg_open(chart.width, chart.height, chart.title);
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
  for (const double tick : x_ticks(chart, x)) {
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

std::string svg_bar_chart(const BarChart& chart) {
  constexpr double kRowHeight = 22, kLabelWidth = 170, kValueWidth = 190;
  const int width = 760;
  const auto& bars = chart.bars;
  const std::string& unit = chart.unit;
  const int height = static_cast<int>(kTop + kRowHeight * static_cast<double>(bars.size()) + 10);
  const double start = bar_axis_start(chart), span = largest_bar(chart) - start;
  std::string svg = svg_open(width, height, chart.title);
  const double bar_space = width - kLabelWidth - kValueWidth;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& bar = bars[i];
    const double top = kTop + kRowHeight * static_cast<double>(i);
    const double length = span > 0 && std::isfinite(bar.value)
                              ? std::max(1.0, (bar.value - start) / span * bar_space)
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
