// Labelled images held in memory, all of one size, and the train/valid pair a recipe's data block
// describes. Sources (idx now; folders and csv with issue #4) produce an ImageSet.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/data/data_options.h"

namespace xp::data {

struct ImageSet {
  std::string name;      // "train", "valid" — for messages
  torch::Tensor images;  // uint8 [N, H, W, C], C = 1 (gray) or 3 (RGB)
  torch::Tensor labels;  // int64 [N], class index
  std::vector<std::string> ids;  // where each image came from: a file path, or "file#index" for IDX
  std::int64_t size() const { return images.size(0); }
  // The images at `indices`, in that order.
  ImageSet subset(const std::vector<std::int64_t>& indices) const;
};

struct DataBundle {
  std::shared_ptr<const ImageSet> train;
  std::shared_ptr<const ImageSet> valid;
  std::vector<std::string> classes;  // name of each label, index = label
};

// Loads the splits `options` names and applies train_limit / valid_limit (a random subset drawn
// from `seed`, kept in file order). Throws DataError naming the file for unreadable or
// inconsistent data (mismatched image/label counts, labels outside the class list).
DataBundle load_data(const DataOptions& options, std::uint64_t seed);

}  // namespace xp::data
