#include "core/report/skipped_csv.h"

namespace xp::report {

namespace {

// RFC 4180: a field with a comma, quote or line break is quoted, inner quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

std::string skipped_csv(const std::vector<data::SkippedImage>& skipped) {
  std::string out = "split,path,reason\n";
  for (const auto& image : skipped)
    out += csv_field(image.split) + "," + csv_field(image.path) + "," + csv_field(image.reason) + "\n";
  return out;
}

}  // namespace xp::report
