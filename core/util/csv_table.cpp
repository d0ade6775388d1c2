#include "core/util/csv_table.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp {

namespace {

// A cursor over the text that tracks the current line.
class CsvReader {
 public:
  CsvReader(std::string_view text, const std::string& path) : text_(text), path_(path) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte-order mark (Excel writes one)
  }

  bool done() const { return pos_ >= text_.size(); }

  // Reads one record; its fields are empty for a blank line.
  CsvRow next_row() {
    CsvRow row;
    row.line = line_;
    if (at_line_end()) {
      skip_line_end();
      return row;
    }
    while (true) {
      row.fields.push_back(next_field(row.line));
      if (done()) break;
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      skip_line_end();
      break;
    }
    return row;
  }

 private:
  bool at_line_end() const { return done() || text_[pos_] == '\n' || text_[pos_] == '\r'; }

  void skip_line_end() {
    if (!done() && text_[pos_] == '\r') ++pos_;
    if (!done() && text_[pos_] == '\n') ++pos_;
    ++line_;
  }

  std::string next_field(int row_line) {
    std::string field;
    if (done() || text_[pos_] != '"') {
      while (!done() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r')
        field += text_[pos_++];
      return field;
    }
    ++pos_;  // opening quote
    while (true) {
      if (done())
        throw DataError(str_cat(path_, ":", row_line),
                        "a quoted field is never closed (a '\"' is missing)");
      const char c = text_[pos_++];
      if (c == '"') {
        if (!done() && text_[pos_] == '"') {
          field += '"';
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\n') ++line_;
      field += c;
    }
    if (!done() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r')
      throw DataError(str_cat(path_, ":", line_), "unexpected text after a closing quote");
    return field;
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::string CsvTable::where(const CsvRow& row) const { return str_cat(path, ":", row.line); }

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t idx = 0; idx < header.size(); ++idx)
    if (header[idx] == name) return idx;
  throw DataError(str_cat(path, ":1"), "the header has no column '", name,
                  "' (columns: ", join(header), ")");
}

CsvTable parse_csv(std::string_view text, const std::string& path) {
  CsvTable table;
  table.path = path;
  CsvReader reader(text, path);
  while (!reader.done()) {
    CsvRow row = reader.next_row();
    if (row.fields.empty()) continue;
    if (table.header.empty() && table.rows.empty()) {
      table.header = std::move(row.fields);
      continue;
    }
    table.rows.push_back(std::move(row));
  }
  if (table.header.empty())
    throw DataError(path, "is empty; expected a header row (e.g. id,label) and one row per image");
  return table;
}

CsvTable read_csv(const std::string& path) { return parse_csv(read_file(path), path); }

}  // namespace xp
