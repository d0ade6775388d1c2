// What `predict` and `tta` write (run_folder.h names the files):
//
//   predictions.csv  one row per validation image: id, actual, predicted, then its probability of
//                    each class (multi-label: the labels whose probability passes `threshold`,
//                    space-separated; regression: actual and predicted value columns)
//   submission.csv   one row per test image, in Kaggle's formats: single-label id, then one
//                    probability column per class (the dog-breed competition); multi-label
//                    image_name,tags (planet); regression id, then one column per value. The id is
//                    the image's file name without its extension.
//   confusion.csv    single-label: row = actual class, column = predicted class, counts
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "core/models/task.h"

namespace xp::report {

struct PredictionTable {
  models::Task task = models::Task::kSingleLabel;
  std::vector<std::string> classes;  // class (or value) names, column order
  std::vector<std::string> ids;      // one per row
  torch::Tensor probs;               // float [N, C]: probabilities, or values (regression)
  torch::Tensor labels;              // the split's labels (dataset.h); undefined for a test split
  double threshold = 0.5;  // multi-label: a label is predicted when its probability passes it
};

std::string predictions_csv(const PredictionTable& table);

// `xp predict`'s rows for new images, each starting with the image's path as given:
//   single-label  path,class_1,probability_1,…,class_K,probability_K — the `top` most probable
//                 classes, best first
//   multi-label   path,tags,<one probability column per class> — tags: the classes whose
//                 probability passes `threshold`, space-separated
//   regression    path,<one column per value>
// `header` adds the column names line.
std::string image_predictions_csv(const PredictionTable& table, int top, bool header = true);
std::string submission_csv(const PredictionTable& table);
std::string confusion_csv(const torch::Tensor& matrix, const std::vector<std::string>& classes);

}  // namespace xp::report
