#include "core/report/html.h"

#include <cmath>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

namespace {

// One style sheet for every report page (a run's, a sweep's).
constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#f6f7f9}
main{max-width:1000px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:18px;margin:0 0 10px}
section{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:16px 20px;margin:16px 0}
.sub{color:#666}.state{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff;font-size:13px}
.COMPLETE{background:#2e7d32}.FAILED{background:#c62828}.INTERRUPTED,.KILLED{background:#ef6c00}.RUNNING{background:#1565c0}
.UNKNOWN{background:#757575}.banner{border-left:4px solid #c62828;background:#fdecea;padding:8px 12px;margin-top:12px;white-space:pre-wrap}
.banner.warn{border-color:#ef6c00;background:#fff3e0}.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:14px}
.card{border:1px solid #e2e4e8;border-radius:6px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:20px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
th{background:#fafafa}td.num{text-align:right}.hit{color:#2e7d32;font-weight:600}
pre{background:#f4f4f4;padding:10px;overflow:auto;font-size:12px;max-height:480px}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0 14px;font-size:11px}
svg .title{font-size:13px;font-weight:600}svg .frame{fill:none;stroke:#bbb}svg .grid{stroke:#eee}
svg .series path{fill:none;stroke-width:1.8}svg .marker line{stroke:#888;stroke-dasharray:4 3}svg .marker text{fill:#555;font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px}
table.confusion td{text-align:center;min-width:28px;padding:3px 4px}table.confusion th{font-weight:500;font-size:12px}
img{max-width:100%}a{color:#1565c0}.complete{color:#2e7d32;font-weight:600}.failed{color:#c62828;font-weight:600}
)";

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "—";
  return str_printf("%.4g", value);
}

std::string page_begin(const std::string& title) {
  return str_cat("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>",
                 html_escape(title), "</title>\n<style>", kStyle,
                 "</style></head>\n<body><main>\n");
}

std::string page_end(const std::string& footer) {
  return str_cat("<p class=\"sub\">", html_escape(footer), "</p>\n</main></body></html>\n");
}

std::string section(const std::string& id, const std::string& title, const std::string& body) {
  return str_cat("<section id=\"", id, "\"><h2>", html_escape(title), "</h2>\n", body,
                 "</section>\n");
}

std::string table_row(const std::vector<std::string>& cells, bool header) {
  const char* tag = header ? "th" : "td";
  std::string row = "<tr>";
  for (const auto& cell : cells) row += str_cat("<", tag, ">", html_escape(cell), "</", tag, ">");
  return row + "</tr>\n";
}

}  // namespace xp::report
