#include "core/report/skipped_csv.h"

#include "core/util/strings.h"

namespace xp::report {

std::string skipped_csv(const std::vector<data::SkippedImage>& skipped) {
  std::string out = "split,path,reason\n";
  for (const auto& image : skipped)
    out +=
        csv_field(image.split) + "," + csv_field(image.path) + "," + csv_field(image.reason) + "\n";
  return out;
}

}  // namespace xp::report
