#include "core/report/data_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/data/data_summary.h"
#include "core/report/plot.h"
#include "core/report/run_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"
#include "core/util/strings.h"

namespace xp::report {

namespace fs = std::filesystem;

namespace {

struct Spread {
  double min = 0, median = 0, max = 0;
};

Spread spread_of(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  return {values.front(), values[values.size() / 2], values.back()};
}

nlohmann::json to_json(const Spread& spread) {
  return {{"min", spread.min}, {"median", spread.median}, {"max", spread.max}};
}

std::string describe(const std::string& axis, const Spread& spread) {
  return str_printf("%s %g-%g (median %g)", axis.c_str(), spread.min, spread.max, spread.median);
}

std::string triple(const std::array<double, 3>& values) {
  return str_printf("%.4f %.4f %.4f", values[0], values[1], values[2]);
}

}  // namespace

std::vector<std::string> write_data_report(const data::DataBundle& data,
                                           const DataReportOptions& options,
                                           const fs::path& folder) {
  fs::create_directories(folder);
  std::vector<std::string> lines;
  nlohmann::json summary;
  summary["target"] = data::target_name(data.target);
  summary["classes"] = data.classes;

  // Image sizes of every split: sizes.csv, the histograms of the training split, a line per split.
  std::string sizes_csv = "split,id,rows,cols\n";
  std::vector<double> train_rows, train_cols;
  for (const auto& split : {data.train, data.valid, data.test}) {
    if (!split) continue;
    const std::vector<data::ImageSize> sizes = data::image_sizes(*split);
    std::vector<double> rows, cols;
    for (std::size_t idx = 0; idx < sizes.size(); ++idx) {
      sizes_csv += str_cat(split->name, ",", csv_field(split->ids[idx]), ",", sizes[idx].rows, ",",
                           sizes[idx].cols, "\n");
      rows.push_back(sizes[idx].rows);
      cols.push_back(sizes[idx].cols);
    }
    const Spread row_spread = spread_of(rows), col_spread = spread_of(cols);
    summary["splits"][split->name] = {
        {"images", split->size()}, {"rows", to_json(row_spread)}, {"cols", to_json(col_spread)}};
    lines.push_back(str_cat("sizes    ", split->name, ": ", describe("rows", row_spread), ", ",
                            describe("cols", col_spread)));
    if (split == data.train) {
      train_rows = std::move(rows);
      train_cols = std::move(cols);
    }
  }
  write_file_atomic(folder / files::kImageSizes, sizes_csv);
  write_png(folder / files::kImageSizesPlot,
            side_by_side({histogram_chart(train_rows, 20, "train image heights (rows)"),
                          histogram_chart(train_cols, 20, "train image widths (cols)")}));

  const data::ChannelStats stats =
      data::channel_stats(*data.train, options.stats_images, options.seed);
  summary["channel_mean"] = stats.mean;
  summary["channel_std"] = stats.std;
  summary["channel_stats_images"] = stats.images;
  lines.push_back(str_cat("pixels   mean ", triple(stats.mean), "  std ", triple(stats.std),
                          "  (RGB in [0,1], ", stats.images,
                          " train images; ImageNet: 0.485 0.456 0.406 / 0.229 0.224 0.225)"));

  const auto preview =
      data::augmentation_preview(*data.train, options.augment, options.size, options.preview_images,
                                 options.preview_draws, options.seed);
  write_png(folder / files::kAugmentPreview, tile_grid(preview));
  write_file_atomic(folder / files::kDataSummary, json_text(summary));
  lines.push_back(str_cat("wrote    ", folder.string(), ": ", files::kDataSummary, " ",
                          files::kImageSizes, " ", files::kImageSizesPlot, " ",
                          files::kAugmentPreview));
  return lines;
}

}  // namespace xp::report
