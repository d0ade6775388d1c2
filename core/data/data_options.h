// What the recipe's `data:` block resolves to. Field names equal the YAML keys (STYLE.md R4);
// defaults live in schemas/recipe.schema.json and are repeated here only for code that builds
// options directly (tests, benchmarks).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace xp::data {

// What to do with an image file that cannot be read: stop with an error naming it, or leave it out
// and list it in the result folder (skipped.csv).
enum class BadImagePolicy { kError, kSkip };

// fastai 0.7's training augmentation (augment.h): an aug_tfms preset and max_zoom.
enum class AugmentPreset { kNone, kSideOn, kTopDown };

struct AugmentOptions {
  AugmentPreset preset = AugmentPreset::kNone;
  double max_zoom = 1.0;  // > 1 turns Scale into RandomScale (fastai's max_zoom)
  bool enabled() const { return preset != AugmentPreset::kNone || max_zoom > 1.0; }
};

struct DataOptions {
  std::string source = "idx";        // idx (MNIST format) or folders (fastai's from_paths)
  std::string path;                  // dataset folder
  std::string train = "train";       // the training split: a folder (folders) or a file prefix (idx)
  std::string valid = "valid";       // the validation split, likewise
  std::string test;                  // folders: an optional folder of unlabelled images; "" = none
  BadImagePolicy on_bad_image = BadImagePolicy::kError;
  std::vector<std::string> classes;  // names by label; empty = "0", "1", …
  int size = 224;                    // edge length fed to the model (images are resized to it)
  AugmentOptions augment;            // data.augment (none, side_on, top_down) and data.max_zoom
  int batch_size = 64;
  int workers = 2;                   // loader threads; batches do not depend on this number
  std::optional<long> train_limit;   // seeded random subset of the training split
  std::optional<long> valid_limit;   // seeded random subset of the validation split
};

}  // namespace xp::data
