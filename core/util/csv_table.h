// A CSV file read into rows of fields (RFC 4180: comma-separated, fields may be double-quoted, ""
// inside quotes is a quote, quoted fields may span lines; CRLF or LF line ends; a UTF-8 BOM is
// ignored). Every row remembers the line it starts on, so errors can name "labels.csv:12".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xp {

struct CsvRow {
  int line = 0;  // 1-based line number where the row starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string path;  // for messages
  std::vector<std::string> header;
  std::vector<CsvRow> rows;  // blank lines are left out

  // "labels.csv:12" — where a row comes from, for error messages.
  std::string where(const CsvRow& row) const;
  // The index of the header column `name`; throws DataError listing the header when absent.
  std::size_t column(const std::string& name) const;
};

// Parses CSV text whose first row is a header. Throws DataError naming `path` and the line for an
// unterminated quote, text after a closing quote, or no header.
CsvTable parse_csv(std::string_view text, const std::string& path);

// Reads and parses the CSV file at `path`.
CsvTable read_csv(const std::string& path);

}  // namespace xp
