// What the recipe's `data:` block resolves to. Field names equal the YAML keys (STYLE.md R4);
// defaults live in schemas/recipe.schema.json and are repeated here only for code that builds
// options directly (tests, benchmarks).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace xp::data {

struct DataOptions {
  std::string source = "idx";        // idx (MNIST format); folders and csv come with issue #4
  std::string path;                  // dataset folder
  std::string train = "train";       // idx: file prefix of the training split
  std::string valid = "t10k";        // idx: file prefix of the validation split
  std::vector<std::string> classes;  // names by label; empty = "0", "1", …
  int size = 224;                    // edge length fed to the model (images are resized to it)
  int batch_size = 64;
  int workers = 2;                   // loader threads; batches do not depend on this number
  std::optional<long> train_limit;   // seeded random subset of the training split
  std::optional<long> valid_limit;   // seeded random subset of the validation split
};

}  // namespace xp::data
