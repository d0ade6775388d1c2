#include "core/data/csv_source.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/data/cv_split.h"
#include "core/data/folders.h"
#include "core/data/image_file.h"
#include "core/util/atomic_file.h"
#include "core/util/csv_table.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::data {

namespace fs = std::filesystem;

namespace {

// One CSV row as the dataset sees it.
struct LabelledRow {
  const CsvRow* row = nullptr;
  std::string id;
  std::vector<std::string> labels;  // the cell split on the separator, empty pieces dropped
};

std::vector<std::string> split_labels(const std::string& cell, const std::string& separator) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start <= cell.size()) {
    const std::size_t end = separator.empty() ? std::string::npos : cell.find(separator, start);
    const std::string piece =
        trim(cell.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (!piece.empty()) pieces.push_back(piece);
    if (end == std::string::npos) break;
    start = end + separator.size();
  }
  return pieces;
}

std::vector<LabelledRow> read_rows(const CsvTable& table, std::size_t label_column,
                                   const std::string& separator) {
  std::vector<LabelledRow> rows;
  std::map<std::string, int> line_of_id;
  for (const CsvRow& row : table.rows) {
    if (row.fields.size() <= label_column)
      throw DataError(table.where(row), "has ", row.fields.size(), " field",
                      row.fields.size() == 1 ? "" : "s", "; the labels column '",
                      table.header[label_column], "' is column ", label_column + 1);
    LabelledRow labelled{&row, trim(row.fields[0]),
                         split_labels(row.fields[label_column], separator)};
    if (labelled.id.empty())
      throw DataError(table.where(row), "has an empty id (column '", table.header[0], "')");
    const auto [found, inserted] = line_of_id.emplace(labelled.id, row.line);
    if (!inserted)
      throw DataError(table.where(row), "id '", clipped(labelled.id), "' repeats line ",
                      found->second, "; every image must appear once");
    rows.push_back(std::move(labelled));
  }
  if (rows.empty())
    throw DataError(table.path, "has a header but no rows; expected one row per image");
  return rows;
}

Target decide_target(Target requested, const std::vector<LabelledRow>& rows,
                     const CsvTable& table) {
  const bool one_each =
      std::all_of(rows.begin(), rows.end(), [](const auto& row) { return row.labels.size() == 1; });
  if (requested == Target::kAuto) return one_each ? Target::kSingleLabel : Target::kMultiLabel;
  if (requested == Target::kSingleLabel)
    for (const auto& row : rows)
      if (row.labels.size() != 1)
        throw DataError(
            table.where(*row.row), "has ", row.labels.size(),
            " labels but data.target is single_label (one label per image); use multi_label");
  return requested;
}

// Labels of every row as a tensor: class indices, n-hot rows or values, by target.
torch::Tensor label_tensor(Target target, const std::vector<LabelledRow>& rows,
                           const CsvTable& table, std::size_t label_column,
                           std::vector<std::string>& classes) {
  const auto n = static_cast<std::int64_t>(rows.size());
  if (target == Target::kRegression) {
    const std::size_t width = rows[0].labels.size();
    if (width == 0)
      throw DataError(table.where(*rows[0].row),
                      "has no value in the labels column; regression needs numbers");
    const std::string& name = table.header[label_column];
    for (std::size_t idx = 0; idx < width; ++idx)
      classes.push_back(width == 1 ? name : str_cat(name, "_", idx));
    torch::Tensor values = torch::empty({n, static_cast<std::int64_t>(width)}, torch::kFloat32);
    auto accessor = values.accessor<float, 2>();
    for (std::int64_t r = 0; r < n; ++r) {
      const auto& row = rows[static_cast<std::size_t>(r)];
      if (row.labels.size() != width)
        throw DataError(table.where(*row.row), "has ", row.labels.size(), " values; line ",
                        rows[0].row->line, " has ", width, " (every row needs the same number)");
      for (std::size_t col = 0; col < width; ++col) {
        const std::string& text = row.labels[col];
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0')
          throw DataError(table.where(*row.row), "value '", clipped(text),
                          "' is not a number (data.target is regression)");
        // NaN or infinity would train to a NaN loss that looks like a too-high learning rate.
        if (!std::isfinite(value) || std::abs(value) > std::numeric_limits<float>::max())
          throw DataError(table.where(*row.row), "value '", clipped(text),
                          "' is not a finite number (data.target is "
                          "regression; a missing value needs its row left out)");
        accessor[r][static_cast<std::int64_t>(col)] = static_cast<float>(value);
      }
    }
    return values;
  }
  std::set<std::string> distinct;
  for (const auto& row : rows) distinct.insert(row.labels.begin(), row.labels.end());
  classes.assign(distinct.begin(), distinct.end());  // sorted, as fastai's sorted(set(...))
  if (classes.size() < 2 && target == Target::kSingleLabel)
    throw DataError(table.path, "has one label ('", classes.empty() ? "" : classes[0],
                    "'); a classifier needs at least two");
  std::map<std::string, std::int64_t> index_of;
  for (std::size_t idx = 0; idx < classes.size(); ++idx)
    index_of[classes[idx]] = static_cast<std::int64_t>(idx);
  if (target == Target::kSingleLabel) {
    torch::Tensor labels = torch::empty({n}, torch::kInt64);
    auto* out = labels.data_ptr<std::int64_t>();
    for (std::int64_t r = 0; r < n; ++r)
      out[r] = index_of.at(rows[static_cast<std::size_t>(r)].labels[0]);
    return labels;
  }
  torch::Tensor nhot =
      torch::zeros({n, static_cast<std::int64_t>(classes.size())}, torch::kFloat32);
  auto accessor = nhot.accessor<float, 2>();
  for (std::int64_t r = 0; r < n; ++r)
    for (const auto& label : rows[static_cast<std::size_t>(r)].labels)
      accessor[r][index_of.at(label)] = 1.0f;
  return nhot;
}

std::vector<std::string> valid_ids_of(const CsvOptions& csv, const fs::path& root) {
  if (csv.valid_ids_file.empty()) return csv.valid_ids;
  std::vector<std::string> ids;
  std::istringstream lines(read_file(root / csv.valid_ids_file));
  for (std::string line; std::getline(lines, line);)
    if (!trim(line).empty()) ids.push_back(trim(line));
  if (ids.empty())
    throw DataError((root / csv.valid_ids_file).string(), "lists no id (one id per line expected)");
  return ids;
}

// Which rows validate: data.valid_ids, or fastai's get_cv_idxs over all rows.
std::vector<bool> validation_rows(const CsvOptions& csv, const fs::path& root,
                                  const std::vector<LabelledRow>& rows, const CsvTable& table) {
  std::vector<bool> is_valid(rows.size(), false);
  const std::vector<std::string> ids = valid_ids_of(csv, root);
  if (ids.empty()) {
    for (std::int64_t idx : fastai_cv_idxs(static_cast<std::int64_t>(rows.size()), csv.cv_idx,
                                           csv.valid_pct, csv.valid_seed))
      is_valid[static_cast<std::size_t>(idx)] = true;
    return is_valid;
  }
  std::map<std::string, std::size_t> row_of_id;
  for (std::size_t idx = 0; idx < rows.size(); ++idx) row_of_id[rows[idx].id] = idx;
  for (const auto& id : ids) {
    const auto found = row_of_id.find(id);
    if (found == row_of_id.end())
      throw UserError(
          str_cat("data.valid_ids: id '", clipped(id), "' is not in '", table.path, "'"));
    is_valid[found->second] = true;
  }
  return is_valid;
}

}  // namespace

DataBundle list_csv_dataset(const DataOptions& options, ImageSet& train, ImageSet& valid) {
  const fs::path root(options.path);
  const CsvOptions& csv = options.csv;
  const CsvTable table = read_csv((root / csv.labels).string());
  if (csv.label_column.empty() && table.header.size() < 2)
    throw DataError(table.path + ":1", "the header has one column ('", table.header[0],
                    "'); expected the image id, then its labels (e.g. id,label)");
  const std::size_t label_column = csv.label_column.empty() ? 1 : table.column(csv.label_column);
  if (label_column == 0)
    throw DataError(table.path + ":1", "data.label_column '", csv.label_column,
                    "' is the id column (the first)");
  const std::vector<LabelledRow> rows = read_rows(table, label_column, csv.label_separator);

  DataBundle bundle;
  bundle.target = decide_target(options.target, rows, table);
  const torch::Tensor labels =
      label_tensor(bundle.target, rows, table, label_column, bundle.classes);
  const std::vector<bool> is_valid = validation_rows(csv, root, rows, table);

  // Every row as one set, then the two splits as its subsets (both in CSV order). Each id's image
  // file is checked; missing or bad files are errors naming the CSV line, or skipped.
  ImageSet all;
  all.labels = labels;
  std::vector<std::int64_t> train_rows;
  std::vector<std::int64_t> valid_rows;
  for (std::size_t idx = 0; idx < rows.size(); ++idx) {
    const std::string file = (root / options.train / (rows[idx].id + csv.suffix)).string();
    all.ids.push_back(rows[idx].id);
    all.files.push_back(file);
    std::error_code
        unreadable;  // e.g. a name too long for the file system: a bad image, not a crash
    const bool exists = fs::exists(file, unreadable);
    const std::string problem = unreadable ? "cannot be read (" + unreadable.message() + ")"
                                : exists   ? image_file_problem(file, options.max_image_pixels)
                                           : "no such file";
    if (!problem.empty()) {
      if (options.on_bad_image == BadImagePolicy::kSkip) {
        bundle.skipped.push_back({is_valid[idx] ? "valid" : "train", file, problem});
        continue;
      }
      throw DataError(table.where(*rows[idx].row), "id '", clipped(rows[idx].id), "': image file '",
                      clipped(file, 300), "': ", problem,
                      " (data.on_bad_image: skip leaves such images out and lists them)");
    }
    (is_valid[idx] ? valid_rows : train_rows).push_back(static_cast<std::int64_t>(idx));
  }
  if (train_rows.empty())
    throw DataError(table.path, "leaves no training image after the validation split");
  if (valid_rows.empty()) throw DataError(table.path, "leaves no validation image");
  train = all.subset(train_rows);
  train.name = "train";
  valid = all.subset(valid_rows);
  valid.name = "valid";
  if (!options.test.empty())
    bundle.test = std::make_shared<const ImageSet>(
        list_unlabelled_split(root / options.test, "test", root, options, bundle.skipped));
  return bundle;
}

}  // namespace xp::data
