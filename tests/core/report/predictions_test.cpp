#include "core/report/predictions.h"

#include <doctest/doctest.h>

#include <torch/torch.h>

using xp::models::Task;
using xp::report::image_predictions_csv;
using xp::report::PredictionTable;

TEST_CASE("xp predict's CSV: the top classes best first, tags over the threshold, values") {
  PredictionTable table;
  table.classes = {"cat", "dog", "fox"};
  table.ids = {"a.jpg", "b,c.jpg"};
  table.probs = torch::tensor({0.2f, 0.7f, 0.1f, 0.4f, 0.2f, 0.4f}).view({2, 3});
  CHECK(image_predictions_csv(table, 2) ==
        "path,class_1,probability_1,class_2,probability_2\n"
        "a.jpg,dog,0.7,cat,0.2\n"
        "\"b,c.jpg\",cat,0.4,fox,0.4\n");  // a tie keeps the classes' order
  CHECK(image_predictions_csv(table, 9, false) ==
        "a.jpg,dog,0.7,cat,0.2,fox,0.1\n\"b,c.jpg\",cat,0.4,fox,0.4,dog,0.2\n");

  table.task = Task::kMultiLabel;
  table.threshold = 0.3;
  CHECK(image_predictions_csv(table, 1) ==
        "path,tags,cat,dog,fox\na.jpg,dog,0.2,0.7,0.1\n\"b,c.jpg\",cat fox,0.4,0.2,0.4\n");

  table.task = Task::kRegression;
  table.classes = {"x", "y", "z"};
  CHECK(image_predictions_csv(table, 1) ==
        "path,x,y,z\na.jpg,0.2,0.7,0.1\n\"b,c.jpg\",0.4,0.2,0.4\n");
}
