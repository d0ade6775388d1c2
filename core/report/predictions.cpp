#include "core/report/predictions.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

namespace {

std::string probability(double value) { return str_printf("%.6g", value); }

// The labels of a row whose value passes the threshold, space-separated (planet's tags).
std::string tags(const torch::Tensor& row, const std::vector<std::string>& classes,
                 double threshold) {
  std::vector<std::string> names;
  const auto values = row.accessor<float, 1>();
  for (std::int64_t c = 0; c < row.size(0); ++c)
    if (values[c] > threshold) names.push_back(classes[static_cast<std::size_t>(c)]);
  return join(names, " ");
}

std::string header(const std::vector<std::string>& first, const std::vector<std::string>& classes,
                   const std::string& class_suffix = "") {
  std::vector<std::string> cells;
  for (const auto& cell : first) cells.push_back(csv_field(cell));
  for (const auto& name : classes) cells.push_back(csv_field(name + class_suffix));
  return join(cells, ",") + "\n";
}

std::string stem(const std::string& id) { return std::filesystem::path(id).stem().string(); }

}  // namespace

std::string predictions_csv(const PredictionTable& table) {
  const torch::Tensor probs = table.probs.to(torch::kFloat32).contiguous().cpu();
  const auto p = probs.accessor<float, 2>();
  std::string out;
  if (table.task == models::Task::kRegression) {
    std::vector<std::string> cells = {"id"};
    for (const auto& name : table.classes) cells.push_back(name + "_actual");
    out = header(cells, table.classes, "_predicted");
    const torch::Tensor labels = table.labels.to(torch::kFloat32).contiguous().cpu();
    const auto y = labels.accessor<float, 2>();
    for (std::int64_t row = 0; row < probs.size(0); ++row) {
      out += csv_field(table.ids[static_cast<std::size_t>(row)]);
      for (std::int64_t c = 0; c < probs.size(1); ++c) out += "," + probability(y[row][c]);
      for (std::int64_t c = 0; c < probs.size(1); ++c) out += "," + probability(p[row][c]);
      out += "\n";
    }
    return out;
  }
  out = header({"id", "actual", "predicted"}, table.classes);
  const bool multi = table.task == models::Task::kMultiLabel;
  const torch::Tensor labels =
      multi ? table.labels.to(torch::kFloat32).contiguous().cpu() : table.labels.cpu();
  for (std::int64_t row = 0; row < probs.size(0); ++row) {
    std::string actual, predicted;
    if (multi) {
      actual = tags(labels[row], table.classes, 0.5);
      predicted = tags(probs[row], table.classes, table.threshold);
    } else {
      actual = table.classes[static_cast<std::size_t>(labels[row].item<std::int64_t>())];
      predicted = table.classes[static_cast<std::size_t>(probs[row].argmax().item<std::int64_t>())];
    }
    out += csv_field(table.ids[static_cast<std::size_t>(row)]) + "," + csv_field(actual) + "," +
           csv_field(predicted);
    for (std::int64_t c = 0; c < probs.size(1); ++c) out += "," + probability(p[row][c]);
    out += "\n";
  }
  return out;
}

std::string image_predictions_csv(const PredictionTable& table, int top, bool with_header) {
  const torch::Tensor probs = table.probs.to(torch::kFloat32).contiguous().cpu();
  const auto p = probs.accessor<float, 2>();
  const auto classes = static_cast<std::int64_t>(table.classes.size());
  std::string out;
  if (table.task == models::Task::kSingleLabel) {
    const std::int64_t shown = std::clamp<std::int64_t>(top, 1, classes);
    if (with_header) {
      out = "path";
      for (std::int64_t k = 1; k <= shown; ++k) out += str_cat(",class_", k, ",probability_", k);
      out += "\n";
    }
    // Best first; equal probabilities in class order (a stable sort of the row).
    std::vector<std::int64_t> order(static_cast<std::size_t>(classes));
    for (std::int64_t row = 0; row < probs.size(0); ++row) {
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](std::int64_t a, std::int64_t b) { return p[row][a] > p[row][b]; });
      out += csv_field(table.ids[static_cast<std::size_t>(row)]);
      for (std::int64_t k = 0; k < shown; ++k) {
        const std::int64_t c = order[static_cast<std::size_t>(k)];
        out += "," + csv_field(table.classes[static_cast<std::size_t>(c)]) + "," +
               probability(p[row][c]);
      }
      out += "\n";
    }
    return out;
  }
  const bool multi = table.task == models::Task::kMultiLabel;
  if (with_header)
    out = multi ? header({"path", "tags"}, table.classes) : header({"path"}, table.classes);
  for (std::int64_t row = 0; row < probs.size(0); ++row) {
    out += csv_field(table.ids[static_cast<std::size_t>(row)]);
    if (multi) out += "," + csv_field(tags(probs[row], table.classes, table.threshold));
    for (std::int64_t c = 0; c < probs.size(1); ++c) out += "," + probability(p[row][c]);
    out += "\n";
  }
  return out;
}

std::string submission_csv(const PredictionTable& table) {
  const torch::Tensor probs = table.probs.to(torch::kFloat32).contiguous().cpu();
  const auto p = probs.accessor<float, 2>();
  std::string out;
  if (table.task == models::Task::kMultiLabel) {
    out = "image_name,tags\n";
    for (std::int64_t row = 0; row < probs.size(0); ++row)
      out += csv_field(stem(table.ids[static_cast<std::size_t>(row)])) + "," +
             csv_field(tags(probs[row], table.classes, table.threshold)) + "\n";
    return out;
  }
  out = header({"id"}, table.classes);
  for (std::int64_t row = 0; row < probs.size(0); ++row) {
    out += csv_field(stem(table.ids[static_cast<std::size_t>(row)]));
    for (std::int64_t c = 0; c < probs.size(1); ++c) out += "," + probability(p[row][c]);
    out += "\n";
  }
  return out;
}

std::string confusion_csv(const torch::Tensor& matrix, const std::vector<std::string>& classes) {
  std::string out = header({"actual\\predicted"}, classes);
  const torch::Tensor counts = matrix.to(torch::kInt64).contiguous().cpu();
  const auto m = counts.accessor<std::int64_t, 2>();
  for (std::int64_t row = 0; row < counts.size(0); ++row) {
    out += csv_field(classes[static_cast<std::size_t>(row)]);
    for (std::int64_t col = 0; col < counts.size(1); ++col)
      out += "," + std::to_string(m[row][col]);
    out += "\n";
  }
  return out;
}

}  // namespace xp::report
