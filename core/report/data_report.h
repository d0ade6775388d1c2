// What `xp data RECIPE` writes to its report folder and prints (issue #4, the seed notebook's data
// exploration):
//
//   data.json            classes, target, image counts per split, size summary, channel mean/std
//   sizes.csv            split,id,rows,cols for every image
//   sizes.png            histograms of image heights and widths (the seed's plt.hist(row_sz/col_sz))
//   augment_preview.png  one row per training image: its validation transform, then the training
//                        transforms `xp run` draws for it in epochs 0, 1, … (the seed's plots(ims))
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace xp::report {

struct DataReportOptions {
  data::AugmentOptions augment;  // the recipe's training augmentation
  int size = 224;                // the model's input size
  std::uint64_t seed = 42;       // the run's seed: the preview shows xp run's own draws
  int stats_images = 500;        // channel statistics over at most this many training images
  int preview_images = 4;
  int preview_draws = 5;
};

// Measures `data`, writes the report files into `folder` (created if needed) and returns the
// lines to print.
std::vector<std::string> write_data_report(const data::DataBundle& data,
                                           const DataReportOptions& options,
                                           const std::filesystem::path& folder);

}  // namespace xp::report
