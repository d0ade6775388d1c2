// skipped.csv: the image files a run left out under data.on_bad_image: skip, with the reason, so
// that nothing is dropped silently. Written only when something was skipped.
#pragma once

#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace xp::report {

// "split,path,reason" then one row per file (RFC 4180 quoting).
std::string skipped_csv(const std::vector<data::SkippedImage>& skipped);

}  // namespace xp::report
