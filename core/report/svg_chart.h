// Charts as inline SVG for report.html: vector graphics that stay sharp at any zoom, show each
// point's value on hover (<title>), and need no script, font or download. The chart model is
// chart.h's, shared with the PNGs plot.h draws beside the CSVs.
#pragma once

#include <string>

#include "core/report/chart.h"

namespace xp::report {

// An <svg> element; a chart with no drawable value says so in place of the plot.
std::string svg_line_chart(const LineChart& chart);

// One horizontal bar per entry, the value (with the chart's unit) and note at its end.
std::string svg_bar_chart(const BarChart& chart);

}  // namespace xp::report
