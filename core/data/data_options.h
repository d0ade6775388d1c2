// What the recipe's `data:` block resolves to (recipe/data_section). Field names equal the YAML
// keys (STYLE.md R4); defaults live in schemas/recipe.schema.json, which is where a recipe gets
// them, and are repeated here only for code that builds options directly (tests, benchmarks):
// tests/core/recipe/recipe_test.cpp checks that the two agree.
#pragma once

#include <cstdint>
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

// What each image's label is (fastai 0.7's is_multi / is_reg): chosen by data.target, or for csv
// by the labels themselves (one label per row → single-label, otherwise multi-label).
// Where the images and labels come from: idx (MNIST's format), folders (fastai's from_paths) or
// csv (fastai's from_csv).
enum class Source { kIdx, kFolders, kCsv };

// "idx" | "folders" | "csv" (the recipe's words).
std::string source_name(Source source);
Source parse_source(const std::string& name);  // throws UserError for another word

enum class Target { kAuto, kSingleLabel, kMultiLabel, kRegression };

// "auto" | "single_label" | "multi_label" | "regression" (the recipe's words).
std::string target_name(Target target);
Target parse_target(const std::string& name);  // throws UserError for another word

// The csv source's own keys (fastai's from_csv), unused by the other sources.
struct CsvOptions {
  std::string labels;        // the labels CSV, relative to data.path: a header, then id,labels rows
  std::string label_column;  // header name of the labels column; "" = the second column
  std::string label_separator = " ";  // between labels of one image (fastai's cat_separator)
  std::string suffix;                 // appended to an id to name its file (planet: ".jpg")
  double valid_pct = 0.2;             // fastai's get_cv_idxs(n, cv_idx, val_pct, seed)
  int cv_idx = 0;
  std::uint32_t valid_seed = 42;
  std::vector<std::string> valid_ids;  // an explicit validation split instead of valid_pct…
  std::string valid_ids_file;  // …or a text file of them, one per line, relative to data.path
};

struct DataOptions {
  Source source = Source::kIdx;
  std::string path;             // dataset folder
  std::string train = "train";  // the training split: a folder (folders), a file prefix (idx), or
                                // the folder of the CSV's images (csv)
  std::string valid = "valid";  // the validation split (folders, idx)
  std::string test;             // folders, csv: an optional folder of unlabelled images; "" = none
  Target target = Target::kAuto;  // idx and folders are single-label
  CsvOptions csv;
  BadImagePolicy on_bad_image = BadImagePolicy::kError;
  std::int64_t max_image_pixels =
      178'956'970;  // larger images are bad images (PIL's decompression-bomb limit)
  std::vector<std::string> classes;  // names by label; empty = "0", "1", …
  int size = 224;                    // edge length fed to the model (images are resized to it)
  AugmentOptions augment;            // data.augment (none, side_on, top_down) and data.max_zoom
  int batch_size = 64;
  int workers = 2;             // loader threads; batches do not depend on this number
  bool reduced_decode = true;  // decode large JPEGs at reduced size (loader.h)
  int resize_cache = 0;  // > 0: read images from copies with this shorter side (fastai's resize)
  std::optional<long> train_limit;  // seeded random subset of the training split
  std::optional<long> valid_limit;  // seeded random subset of the validation split
  // Only the images of these classes, relabelled in this order (empty = all): a dataset split by
  // class, e.g. pretraining on five Fashion-MNIST classes and transferring to the other five.
  std::vector<std::string> keep_classes;
};

}  // namespace xp::data
