// Small pieces for writing HTML by hand (report.html): escaping, numbers, table rows.
#pragma once

#include <string>
#include <vector>

namespace xp::report {

// Text safe inside an element or a quoted attribute: & < > " ' replaced by entities.
std::string html_escape(const std::string& text);

// A number for a person: 4 significant digits, "—" for NaN.
std::string format_number(double value);

// <tr><td>…</td>…</tr> with every cell escaped (`header`: <th> cells).
std::string table_row(const std::vector<std::string>& cells, bool header = false);

}  // namespace xp::report
