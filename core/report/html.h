// Small pieces for writing HTML by hand (the report pages): the page frame and its style sheet,
// sections, escaping, numbers, table rows.
#pragma once

#include <string>
#include <vector>

namespace xp::report {

// Text safe inside an element or a quoted attribute: & < > " ' replaced by entities.
std::string html_escape(const std::string& text);

// A number for a person: 4 significant digits, "—" for NaN.
std::string format_number(double value);

// A page's start: doctype, <title>, the reports' shared style sheet (inline), <body><main>.
std::string page_begin(const std::string& title);
// Its end: a footer line (escaped) and the closing tags.
std::string page_end(const std::string& footer);

// <section id="…"><h2>title</h2>body</section>; `body` is HTML.
std::string section(const std::string& id, const std::string& title, const std::string& body);

// <tr><td>…</td>…</tr> with every cell escaped (`header`: <th> cells).
std::string table_row(const std::vector<std::string>& cells, bool header = false);

}  // namespace xp::report
