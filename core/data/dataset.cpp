#include "core/data/dataset.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include "core/data/csv_source.h"
#include "core/data/folders.h"
#include "core/data/idx.h"
#include "core/util/error.h"
#include "core/util/rng.h"
#include "core/util/strings.h"

namespace xp::data {

namespace {

constexpr std::uint64_t kSubsetStream = 0x5u;  // Rng stream for train_limit/valid_limit draws

torch::Tensor to_tensor(IdxArray&& array) {
  auto* owned = new std::vector<std::uint8_t>(std::move(array.values));
  return torch::from_blob(
      owned->data(), array.dims, [owned](void*) { delete owned; }, torch::kUInt8);
}

ImageSet load_idx_split(const DataOptions& options, const std::string& prefix,
                        const std::string& name) {
  const auto folder = std::filesystem::path(options.path);
  const std::string images_path = (folder / (prefix + "-images-idx3-ubyte.gz")).string();
  const std::string labels_path = (folder / (prefix + "-labels-idx1-ubyte.gz")).string();
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3)
    throw DataError(images_path, "expected images of shape N×H×W (3 dimensions), found ",
                    images.dims.size());
  if (labels.dims.size() != 1)
    throw DataError(labels_path, "expected labels of shape N (1 dimension), found ",
                    labels.dims.size());
  if (images.dims[0] != labels.dims[0])
    throw DataError(labels_path, "has ", labels.dims[0], " labels but '", images_path, "' has ",
                    images.dims[0], " images");
  if (images.dims[0] == 0) throw DataError(images_path, "holds no images");
  ImageSet set;
  set.name = name;
  const std::vector<std::int64_t> shape = {images.dims[0], images.dims[1], images.dims[2], 1};
  images.dims = shape;
  set.images = to_tensor(std::move(images));
  set.labels = to_tensor(std::move(labels)).to(torch::kInt64);
  const std::string file_name = std::filesystem::path(images_path).filename().string();
  set.ids.reserve(static_cast<std::size_t>(set.size()));
  for (std::int64_t idx = 0; idx < set.size(); ++idx)
    set.ids.push_back(str_cat(file_name, "#", idx));
  return set;
}

std::shared_ptr<const ImageSet> limit(ImageSet set, const std::optional<long>& count,
                                      std::uint64_t seed, std::uint64_t split_key) {
  if (!count || *count >= set.size()) return std::make_shared<const ImageSet>(std::move(set));
  Rng rng(seed, {kSubsetStream, split_key});
  std::vector<std::int64_t> order = permutation(set.size(), rng);
  order.resize(static_cast<std::size_t>(*count));
  std::sort(order.begin(), order.end());
  return std::make_shared<const ImageSet>(set.subset(order));
}

// Reads the idx splits: labels are numbers, named by data.classes (or "0", "1", … without it).
DataBundle load_idx(const DataOptions& options, ImageSet& train, ImageSet& valid) {
  train = load_idx_split(options, options.train, "train");
  valid = load_idx_split(options, options.valid, "valid");
  DataBundle bundle;
  const std::int64_t max_label =
      std::max(train.labels.max().item<std::int64_t>(), valid.labels.max().item<std::int64_t>());
  if (options.classes.empty()) {
    for (std::int64_t label = 0; label <= max_label; ++label)
      bundle.classes.push_back(std::to_string(label));
  } else {
    bundle.classes = options.classes;
    if (max_label >= static_cast<std::int64_t>(bundle.classes.size()))
      throw DataError(options.path, "labels go up to ", max_label, " but data.classes names only ",
                      bundle.classes.size(), " classes");
  }
  return bundle;
}

// Lists the folders splits: classes are the training class folders.
DataBundle load_folders(const DataOptions& options, ImageSet& train, ImageSet& valid) {
  const std::filesystem::path root(options.path);
  DataBundle bundle;
  bundle.classes = list_class_folders(root / options.train);
  if (!options.classes.empty() && options.classes != bundle.classes)
    throw DataError((root / options.train).string(), "holds the classes ", join(bundle.classes),
                    " but data.classes says ", join(options.classes),
                    "; leave data.classes out for folders");
  train = list_labelled_split(root / options.train, "train", bundle.classes, root, options,
                              bundle.skipped);
  valid = list_labelled_split(root / options.valid, "valid", bundle.classes, root, options,
                              bundle.skipped);
  if (!options.test.empty())
    bundle.test = std::make_shared<const ImageSet>(
        list_unlabelled_split(root / options.test, "test", root, options, bundle.skipped));
  return bundle;
}

}  // namespace

std::string source_name(Source source) {
  switch (source) {
    case Source::kIdx:
      return "idx";
    case Source::kFolders:
      return "folders";
    case Source::kCsv:
      return "csv";
  }
  return "";
}

Source parse_source(const std::string& name) {
  for (Source source : {Source::kIdx, Source::kFolders, Source::kCsv})
    if (source_name(source) == name) return source;
  throw UserError(str_cat("data.source '", name, "' is not one of idx, folders, csv"));
}

std::string target_name(Target target) {
  switch (target) {
    case Target::kAuto:
      return "auto";
    case Target::kSingleLabel:
      return "single_label";
    case Target::kMultiLabel:
      return "multi_label";
    case Target::kRegression:
      return "regression";
  }
  return "";
}

Target parse_target(const std::string& name) {
  for (Target target :
       {Target::kAuto, Target::kSingleLabel, Target::kMultiLabel, Target::kRegression})
    if (target_name(target) == name) return target;
  throw UserError(str_cat("data.target '", name,
                          "' is not one of auto, single_label, multi_label, regression"));
}

torch::Tensor class_counts(const torch::Tensor& labels, std::size_t classes) {
  if (labels.dim() == 2) return labels.sum(0).round().to(torch::kInt64);  // n-hot rows
  return torch::bincount(labels, {}, static_cast<std::int64_t>(classes));
}

ImageSet ImageSet::subset(const std::vector<std::int64_t>& indices) const {
  const auto index = torch::tensor(indices, torch::kInt64);
  ImageSet kept;
  kept.name = name;
  if (in_memory()) kept.images = images.index_select(0, index);
  kept.labels = labels.index_select(0, index);
  for (std::int64_t idx : indices) {
    kept.ids.push_back(ids.at(static_cast<std::size_t>(idx)));
    if (!files.empty()) kept.files.push_back(files.at(static_cast<std::size_t>(idx)));
  }
  return kept;
}

namespace {

// data.keep_classes: the labelled splits reduced to those classes, labels renumbered in the
// order given.
void keep_only(const std::vector<std::string>& keep, DataBundle& bundle, ImageSet& train,
               ImageSet& valid) {
  XP_CHECK(bundle.target == Target::kSingleLabel,
           "data.keep_classes: applies to single-label data, not ", target_name(bundle.target));
  std::vector<std::int64_t> new_label(bundle.classes.size(), -1);
  for (std::size_t position = 0; position < keep.size(); ++position) {
    const auto found = std::find(bundle.classes.begin(), bundle.classes.end(), keep[position]);
    if (found == bundle.classes.end())
      throw UserError(str_cat("data.keep_classes: no class '", keep[position],
                              "' in the data (classes: ", join(bundle.classes), ")"));
    new_label[static_cast<std::size_t>(found - bundle.classes.begin())] =
        static_cast<std::int64_t>(position);
  }
  for (ImageSet* split : {&train, &valid}) {
    std::vector<std::int64_t> rows;
    const auto labels = split->labels.accessor<std::int64_t, 1>();
    for (std::int64_t row = 0; row < split->labels.size(0); ++row)
      if (new_label[static_cast<std::size_t>(labels[row])] >= 0) rows.push_back(row);
    ImageSet kept = split->subset(rows);
    auto relabelled = kept.labels.accessor<std::int64_t, 1>();
    for (std::int64_t row = 0; row < kept.labels.size(0); ++row)
      relabelled[row] = new_label[static_cast<std::size_t>(relabelled[row])];
    *split = std::move(kept);
  }
  bundle.classes = keep;
}

}  // namespace

DataBundle load_data(const DataOptions& options, std::uint64_t seed) {
  ImageSet train;
  ImageSet valid;
  DataBundle bundle;
  switch (options.source) {
    case Source::kIdx:
      bundle = load_idx(options, train, valid);
      break;
    case Source::kFolders:
      bundle = load_folders(options, train, valid);
      break;
    case Source::kCsv:
      bundle = list_csv_dataset(options, train, valid);
      break;
  }
  if (options.source != Source::kCsv && options.target != Target::kAuto &&
      options.target != Target::kSingleLabel)
    throw UserError(str_cat("data.target: source '", source_name(options.source),
                            "' has one class per image (single_label); "
                            "multi-label and regression targets come from a csv source"));
  if (!options.keep_classes.empty()) keep_only(options.keep_classes, bundle, train, valid);
  // A validation label that never occurs in training cannot be learned: say so instead of
  // reporting a mysteriously capped accuracy.
  if (bundle.target != Target::kRegression) {
    const torch::Tensor train_counts = class_counts(train.labels, bundle.classes.size());
    const torch::Tensor valid_counts = class_counts(valid.labels, bundle.classes.size());
    for (std::int64_t label = 0; label < static_cast<std::int64_t>(bundle.classes.size()); ++label)
      if (valid_counts[label].item<std::int64_t>() > 0 &&
          train_counts[label].item<std::int64_t>() == 0)
        throw DataError(options.path, "the validation split has class '",
                        bundle.classes[static_cast<std::size_t>(label)],
                        "' which never occurs in the training split");
  }

  bundle.train = limit(std::move(train), options.train_limit, seed, 0);
  bundle.valid = limit(std::move(valid), options.valid_limit, seed, 1);
  return bundle;
}

}  // namespace xp::data
