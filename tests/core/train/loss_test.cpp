#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/models/head.h"
#include "core/train/loss.h"

using namespace xp;
using models::Task;

// Each loss against its textbook formula, written out element by element.
TEST_CASE("task losses are fastai 0.7's: NLL, binary cross-entropy, L1") {
  SUBCASE("single-label: the mean negative log-probability of the true class") {
    const auto log_probs = torch::tensor({{-0.1f, -2.4f, -3.0f}, {-1.2f, -0.5f, -2.0f}});
    const auto labels = torch::tensor({0, 2});
    CHECK(train::task_loss(Task::kSingleLabel, log_probs, labels).item<double>() ==
          doctest::Approx((0.1 + 2.0) / 2));
  }
  SUBCASE("multi-label: -mean(y log p + (1 - y) log(1 - p)) over every image and class") {
    const auto probs = torch::tensor({{0.9f, 0.2f}, {0.4f, 0.7f}});
    const auto targets = torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}});
    const double expected = -(std::log(0.9) + std::log(0.8) + std::log(0.6) + std::log(0.7)) / 4;
    CHECK(train::task_loss(Task::kMultiLabel, probs, targets).item<double>() ==
          doctest::Approx(expected));
  }
  SUBCASE("regression: the mean absolute error") {
    const auto outputs = torch::tensor({{1.0f, -2.0f}, {0.5f, 4.0f}});
    const auto targets = torch::tensor({{1.5f, -2.0f}, {0.0f, 1.0f}});
    CHECK(train::task_loss(Task::kRegression, outputs, targets).item<double>() ==
          doctest::Approx((0.5 + 0 + 0.5 + 3) / 4));
  }
}

TEST_CASE("the head ends in the task's activation") {
  torch::manual_seed(0);
  models::HeadOptions options;
  options.in_features = 8;
  options.classes = 4;
  const auto features = torch::randn({5, 8}) * 3;
  options.task = Task::kMultiLabel;
  auto multi = models::make_head(options);
  multi->eval();
  const auto probs = multi->forward(features);
  CHECK(probs.min().item<double>() > 0);
  CHECK(probs.max().item<double>() < 1);
  CHECK_FALSE(probs.sum(1).allclose(torch::ones({5})));  // independent per class, not a softmax
  options.task = Task::kRegression;
  auto regression = models::make_head(options);
  CHECK(regression->size() == multi->size() - 1);  // no activation at all
  options.task = Task::kSingleLabel;
  auto single = models::make_head(options);
  single->eval();
  CHECK(single->forward(features).exp().sum(1).allclose(torch::ones({5})));
}

TEST_CASE("task names parse both ways and unknown ones are errors") {
  for (Task task : {Task::kSingleLabel, Task::kMultiLabel, Task::kRegression})
    CHECK(models::parse_task(models::task_name(task)) == task);
  CHECK_THROWS_WITH(models::parse_task("multilabel"),
                    doctest::Contains("known: single_label, multi_label, regression"));
}
