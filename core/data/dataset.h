// A split's images with their labels — held in memory (idx), or as files decoded when a batch needs
// them (folders) — and the splits a recipe's data block describes.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/data/data_options.h"

namespace xp::data {

struct ImageSet {
  std::string name;      // "train", "valid", "test" — for messages
  torch::Tensor images;  // in memory: uint8 [N, H, W, C], C = 1 (gray) or 3 (RGB); else undefined
  std::vector<std::string> files;  // file-backed: the image file of each sample
  // By the bundle's target: single-label int64 [N] class indices; multi-label float [N, C] n-hot;
  // regression float [N, K] values. An unlabelled (test) split has int64 [N] of -1.
  torch::Tensor labels;
  std::vector<std::string>
      ids;  // where each image came from: a path below data.path, or "file#index" for IDX
  std::int64_t size() const { return labels.size(0); }
  bool in_memory() const { return images.defined(); }
  // The images at `indices`, in that order.
  ImageSet subset(const std::vector<std::int64_t>& indices) const;
};

// A file left out under data.on_bad_image: skip, and why.
struct SkippedImage {
  std::string split;
  std::string path;
  std::string reason;
};

struct DataBundle {
  std::shared_ptr<const ImageSet> train;
  std::shared_ptr<const ImageSet> valid;
  std::shared_ptr<const ImageSet> test;  // null when the data has no test split
  std::vector<std::string>
      classes;  // name of each label (regression: of each value), index = label
  Target target = Target::kSingleLabel;  // resolved, never kAuto
  std::vector<SkippedImage> skipped;
};

// Images per class of a labelled split: int64 [classes] (an image with several labels counts for each).
torch::Tensor class_counts(const torch::Tensor& labels, std::size_t classes);

// Loads the splits `options` names and applies train_limit / valid_limit (a random subset drawn
// from `seed`, kept in file order). Throws DataError naming the file for unreadable or
// inconsistent data (mismatched image/label counts, labels outside the class list).
DataBundle load_data(const DataOptions& options, std::uint64_t seed);

}  // namespace xp::data
