#include <doctest/doctest.h>
#include <torch/torch.h>

#include <fstream>

#include "core/pipeline/learner_file.h"
#include "core/util/error.h"
#include "tests/test_support.h"

using namespace xp::pipeline;
using xp::testing::TempDir;

namespace {

LearnerFile sample() {
  LearnerFile file;
  file.state.weights = {{"body.0.weight", torch::randn({100, 100})},
                        {"head.bias", torch::randn({5})},
                        {"body.1.num_batches_tracked", torch::tensor(7, torch::kInt64)}};
  file.state.frozen_groups = 2;
  file.state.bn_freeze = true;
  file.state.size = 299;
  file.state.batch_size = 48;
  file.state.epochs_done = 11;
  file.state.rng = torch::randint(0, 255, {64}, torch::kUInt8);
  xp::train::FitProgress fit;
  fit.epoch = 2;
  fit.batches_done = 5;
  fit.iteration = 37;
  fit.smoothed_average = 0.1 + 1e-17;  // doubles must come back bit for bit
  fit.smoothed_count = 37;
  fit.epoch_loss_sum = 1.0 / 3.0;
  fit.epoch_loss_weight = 80;
  fit.history = {{0, 0.01, 0.5, 0.6, 0.7, 0.8, 3.5}, {1, 0.005, 0.4, 0.45, 0.5, 0.9, 3.25}};
  fit.optimizer_state = std::string("opt\0state\xff", 10);
  file.fit = fit;
  file.run = xp::pipeline::RunProgress{3, 17, 0.875, {"a1", "b2"}};
  return file;
}

}  // namespace

TEST_CASE("a learner file keeps weights, counters, RNG, fit progress and optimizer bytes exactly") {
  TempDir dir;
  const LearnerFile written = sample();
  write_learner_file(dir.path() / "s.h5", written);
  const LearnerFile read = read_learner_file(dir.path() / "s.h5");
  REQUIRE(read.state.weights.size() == 3);
  for (const auto& [name, tensor] : written.state.weights) {
    const auto found = std::find_if(read.state.weights.begin(), read.state.weights.end(),
                                    [&](const auto& item) { return item.first == name; });
    REQUIRE(found != read.state.weights.end());
    CHECK(torch::equal(found->second, tensor));
  }
  CHECK(torch::equal(read.state.rng, written.state.rng));
  CHECK(read.state.frozen_groups == 2);
  CHECK(read.state.bn_freeze);
  CHECK(read.state.size == 299);
  CHECK(read.state.batch_size == 48);
  CHECK(read.state.epochs_done == 11);
  REQUIRE(read.fit.has_value());
  CHECK(read.fit->iteration == 37);
  CHECK(read.fit->batches_done == 5);
  CHECK(read.fit->smoothed_average == written.fit->smoothed_average);
  CHECK(read.fit->epoch_loss_sum == written.fit->epoch_loss_sum);
  REQUIRE(read.fit->history.size() == 2);
  CHECK(read.fit->history[1].seconds == 3.25);
  CHECK(read.fit->optimizer_state == written.fit->optimizer_state);
  REQUIRE(read.run.has_value());
  CHECK(read.run->next_stage == 3);
  CHECK(read.run->metric_rows == 17);
  CHECK(read.run->last_metric == 0.875);
  CHECK(read.run->stage_keys == std::vector<std::string>{"a1", "b2"});
  // A CPU run's file has neither a GPU generator nor a loss scale.
  CHECK_FALSE(read.state.device_rng.defined());
  CHECK_FALSE(read.state.loss_scale.has_value());
}

TEST_CASE("a GPU run's learner file keeps the GPU's generator and fp16's loss scale") {
  TempDir dir;
  LearnerFile written = sample();
  written.state.device_rng = torch::randint(0, 255, {16}, torch::kUInt8);
  written.state.loss_scale = xp::train::LossScaleState{32768.0, 1234};
  write_learner_file(dir.path() / "gpu.h5", written);
  const LearnerFile read = read_learner_file(dir.path() / "gpu.h5");
  REQUIRE(read.state.device_rng.defined());
  CHECK(torch::equal(read.state.device_rng, written.state.device_rng));
  REQUIRE(read.state.loss_scale.has_value());
  CHECK(read.state.loss_scale->scale == 32768.0);
  CHECK(read.state.loss_scale->good_steps == 1234);
}

TEST_CASE("a damaged or truncated learner file is refused, naming it") {
  TempDir dir;
  const auto path = dir.path() / "s.h5";
  write_learner_file(path, sample());
  const auto size = std::filesystem::file_size(path);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    // The 40 KB weight matrix is most of the file: its middle is weight bytes.
    file.seekp(static_cast<std::streamoff>(size / 2));
    file.put('\x55');
    file.put('\x2a');
  }
  CHECK_THROWS_WITH_AS(read_learner_file(path), doctest::Contains("s.h5"), xp::CacheError);
  write_learner_file(path, sample());
  std::filesystem::resize_file(path, size / 2);
  CHECK_THROWS_WITH_AS(read_learner_file(path), doctest::Contains("s.h5"), xp::CacheError);
}
