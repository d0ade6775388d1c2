// The Learner on in-memory batches, without a run around it: a fit lowers the loss, frozen layer
// groups keep their weights bit for bit, lr_find leaves no trace, and a fit stopped at an epoch
// boundary or mid-epoch and continued from its FitProgress ends bit-equal to one that ran
// through.
#include "core/train/learner.h"

#include <doctest/doctest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/train/device.h"
#include "core/train/fit_cursor.h"
#include "core/util/error.h"
#include "tests/core/train/bar_images.h"

using namespace xp;
using namespace xp::train;
using xp::testing::bar_data;
using xp::testing::kBarClasses;
using xp::testing::kBarSide;

namespace {

// resnet18 with a small head drawn from `init_seed`, no dropout, batches of 8 over 48 training
// images (6 an epoch) shuffled from the run's seed 7; `adjust` changes the options (device,
// precision, loss scaling).
Learner make_learner(std::uint64_t init_seed = 7,
                     const std::function<void(LearnerOptions&)>& adjust = {}) {
  torch::manual_seed(init_seed);
  models::ModelOptions model_options;
  model_options.arch = "resnet18";
  model_options.xtra_fc = {32};
  model_options.dropout = {0.0, 0.0};
  models::Classifier model(model_options, kBarClasses);
  LearnerOptions options;
  options.batch_size = 8;
  options.workers = 1;
  options.seed = 7;
  options.preprocess.size = kBarSide;
  options.preprocess.mean = model->input_mean();
  options.preprocess.std = model->input_std();
  if (adjust) adjust(options);
  return Learner(model, bar_data(), options);
}

FitOptions sgdr(double lr, int cycles) {
  FitOptions options;
  options.lr = {lr};
  options.schedule.kind = ScheduleKind::kSgdr;
  options.schedule.cycles = cycles;
  return options;
}

// Every tensor of two states (names, then values) and their counters are equal, bit for bit.
void check_same_state(const LearnerState& a, const LearnerState& b) {
  REQUIRE(a.weights.size() == b.weights.size());
  for (std::size_t i = 0; i < a.weights.size(); ++i) {
    CHECK(a.weights[i].first == b.weights[i].first);
    CHECK_MESSAGE(torch::equal(a.weights[i].second, b.weights[i].second), a.weights[i].first);
  }
  CHECK(torch::equal(a.rng, b.rng));
  CHECK(a.frozen_groups == b.frozen_groups);
  CHECK(a.epochs_done == b.epochs_done);
}

// Stops the fit (as Ctrl-C would, through Interrupted) once it has trained `stop_after` batches,
// keeping the learner's state and the fit's progress saved at that point.
class StopAfter : public TrainingObserver {
 public:
  explicit StopAfter(std::int64_t stop_after) : stop_after_(stop_after) {}
  void on_batch(std::int64_t, double) override {
    if (++batches_ == stop_after_) throw Interrupted();
  }

 private:
  std::int64_t stop_after_;
  std::int64_t batches_ = 0;
};

}  // namespace

TEST_CASE("Learner: a fit on in-memory batches lowers the training and validation loss") {
  Learner learner = make_learner();
  const Validation before = learner.validate();
  TrainingObserver quiet;
  // A small LR: at 0.02 the training loss falls faster, but 12 batches leave BatchNorm's running
  // statistics (momentum 0.1) too far from the weights for validation to show it.
  // Four epochs: after two, LibTorch 2.9.1's last bits left the validation loss above where it
  // started (1.64 from 1.51); after four it is far below with 1.13 (0.18) and 2.9.1 alike.
  const auto epochs = learner.fit(sgdr(0.001, 4), quiet);
  REQUIRE(epochs.size() == 4);
  CHECK(epochs[3].trn_loss_mean < 0.5 * epochs[0].trn_loss_mean);
  CHECK(epochs[3].val_loss < 0.8 * before.loss);
  CHECK(learner.epochs_done() == 4);
}

TEST_CASE("Learner: frozen layer groups keep their parameters bit for bit through a fit") {
  Learner learner = make_learner();
  learner.model()->freeze_to(2);  // fastai's freeze(): the head alone trains
  const auto groups_before = learner.model()->layer_groups();
  std::vector<torch::Tensor> body, head;
  for (int group = 0; group < 2; ++group)
    for (const auto& tensor : groups_before[static_cast<std::size_t>(group)])
      body.push_back(tensor.detach().clone());
  for (const auto& tensor : groups_before[2]) head.push_back(tensor.detach().clone());

  TrainingObserver quiet;
  learner.fit(sgdr(0.05, 1), quiet);
  const auto groups_after = learner.model()->layer_groups();
  std::size_t at = 0;
  for (int group = 0; group < 2; ++group)
    for (const auto& tensor : groups_after[static_cast<std::size_t>(group)])
      CHECK(torch::equal(tensor, body[at++]));
  bool head_moved = false;
  for (std::size_t i = 0; i < head.size(); ++i)
    head_moved = head_moved || !torch::equal(groups_after[2][i], head[i]);
  CHECK(head_moved);
}

TEST_CASE("Learner: lr_find restores weights, BatchNorm statistics and the RNG") {
  Learner learner = make_learner();
  const LearnerState before = learner.state();
  TrainingObserver quiet;
  LrFindOptions options;
  options.end_lr = 10;
  const LrFindResult found = learner.lr_find(options, quiet);
  CHECK(!found.lrs.empty());
  check_same_state(learner.state(), before);
}

TEST_CASE("Learner: a fit stopped and continued from its FitProgress ends as one run through") {
  const FitOptions plan = sgdr(0.02, 2);  // 2 epochs of 6 batches
  TrainingObserver quiet;
  Learner through = make_learner();
  const auto expected = through.fit(plan, quiet);

  // Stop after 8 batches (mid second epoch) and after 6 (at the epoch boundary: every batch
  // trained, the epoch not yet validated).
  for (const std::int64_t stop_after : {8, 6}) {
    CAPTURE(stop_after);
    Learner first = make_learner();
    std::optional<FitProgress> saved;
    std::optional<LearnerState> saved_state;
    FitOptions stopping = plan;
    stopping.on_progress = [&](const FitProgress& progress) {
      saved = progress;
      saved_state = first.state();
    };
    StopAfter stopper(stop_after);
    CHECK_THROWS_AS(first.fit(stopping, stopper), Interrupted);
    REQUIRE(saved.has_value());
    CHECK(saved->iteration == stop_after);

    Learner second = make_learner(99);  // other initial weights: all must come from the state
    second.restore(*saved_state);
    FitOptions continuing = plan;
    continuing.resume = &*saved;
    const auto history = second.fit(continuing, quiet);
    REQUIRE(history.size() == expected.size());
    CHECK(history.back().val_loss == expected.back().val_loss);
    check_same_state(second.state(), through.state());
  }
}

TEST_CASE(
    "Learner: loss scaling by a power of two trains the weights of a fit without it, bit "
    "for bit") {
  // fp16 needs a GPU; the scaling itself is exact in fp32 too, so the CPU checks it is the
  // identity it should be on every step taken.
  TrainingObserver quiet;
  Learner plain = make_learner();
  plain.fit(sgdr(0.02, 1), quiet);
  Learner scaled = make_learner(7, [](LearnerOptions& options) { options.loss_scale.emplace(); });
  scaled.fit(sgdr(0.02, 1), quiet);
  check_same_state(scaled.state(), plain.state());
  REQUIRE(scaled.state().loss_scale.has_value());
  CHECK(scaled.state().loss_scale->good_steps == 6);  // six good steps, none skipped
  CHECK_FALSE(plain.state().loss_scale.has_value());
}

TEST_CASE("Learner: steps whose scaled gradients overflow are skipped and the scale backs off") {
  Learner learner = make_learner(7, [](LearnerOptions& options) {
    options.loss_scale.emplace();
    options.loss_scale->init_scale = std::ldexp(1.0, 127);  // every loss × scale overflows…
    options.loss_scale->backoff_factor = 0.75;              // …for all six steps (0.75⁶ = 0.18)
  });
  const LearnerState before = learner.state();
  TrainingObserver quiet;
  learner.fit(sgdr(0.02, 1), quiet);
  const LearnerState after = learner.state();
  // Six skipped steps: no weight moved (BatchNorm's running statistics did: the forward passes ran).
  for (std::size_t i = 0; i < before.weights.size(); ++i)
    if (before.weights[i].first.find("running_") == std::string::npos &&
        before.weights[i].first.find("num_batches") == std::string::npos)
      CHECK_MESSAGE(torch::equal(after.weights[i].second, before.weights[i].second),
                    before.weights[i].first);
  REQUIRE(after.loss_scale.has_value());
  CHECK(after.loss_scale->scale == doctest::Approx(std::ldexp(1.0, 127) * std::pow(0.75, 6)));
  CHECK(after.loss_scale->good_steps == 0);

  Learner restored = make_learner(7, [](LearnerOptions& options) { options.loss_scale.emplace(); });
  restored.restore(after);  // the scale travels with the state (resume, the stage cache)
  CHECK(restored.state().loss_scale->scale == after.loss_scale->scale);
}

// On a GPU (skipped without one, saying so): the learner's device plumbing end to end.
TEST_CASE("Learner on a GPU: fit, validate, predict and lr_find run there and agree with the CPU") {
  if (visible_gpus() == 0) {
    const std::string build = cuda_built() ? "CUDA" : "CPU-only";
    MESSAGE("skipped: no GPU visible to this LibTorch (" << build << " build)");
    return;
  }
  const auto on_gpu = [](LearnerOptions& options) { options.device = c10::Device(c10::kCUDA, 0); };
  TrainingObserver quiet;
  Learner cpu = make_learner();
  Learner gpu = make_learner(7, on_gpu);
  const Validation cpu_before = cpu.validate();
  const Validation gpu_before = gpu.validate();
  CHECK(gpu_before.loss == doctest::Approx(cpu_before.loss).epsilon(1e-4));

  const LearnerState before = gpu.state();
  LrFindOptions find;
  find.end_lr = 10;
  CHECK(!gpu.lr_find(find, quiet).lrs.empty());
  check_same_state(gpu.state(), before);  // lr_find left no trace there either

  const auto cpu_epochs = cpu.fit(sgdr(0.001, 4), quiet);
  const auto gpu_epochs = gpu.fit(sgdr(0.001, 4), quiet);
  CHECK(gpu_epochs[3].trn_loss_mean < 0.5 * gpu_epochs[0].trn_loss_mean);
  CHECK(gpu_epochs[3].val_loss == doctest::Approx(cpu_epochs[3].val_loss).epsilon(0.05));
  const torch::Tensor probs = gpu.predict(gpu.data().valid);
  CHECK(probs.device().is_cpu());
  CHECK((probs - cpu.predict(cpu.data().valid)).abs().max().item<double>() < 0.05);
  for (const auto& [name, tensor] : gpu.state().weights) CHECK(tensor.device().is_cpu());
}

TEST_CASE("Learner on a GPU: deterministic kernels give the same weights twice, and fp16 trains") {
  if (visible_gpus() == 0) {
    MESSAGE("skipped: no GPU visible to this LibTorch");
    return;
  }
  configure_kernels(/*deterministic=*/true);
  const auto on_gpu = [](LearnerOptions& options) { options.device = c10::Device(c10::kCUDA, 0); };
  TrainingObserver quiet;
  Learner first = make_learner(7, on_gpu);
  Learner second = make_learner(7, on_gpu);
  first.fit(sgdr(0.02, 2), quiet);
  second.fit(sgdr(0.02, 2), quiet);
  check_same_state(first.state(), second.state());

  Learner half = make_learner(7, [&](LearnerOptions& options) {
    on_gpu(options);
    options.compute.precision = Precision::kFp16;
    options.compute.channels_last = true;
    options.loss_scale.emplace();
  });
  const auto epochs = half.fit(sgdr(0.001, 4), quiet);
  CHECK(epochs[3].trn_loss_mean < 0.5 * epochs[0].trn_loss_mean);
  CHECK(half.state().loss_scale->scale > 0);
  configure_kernels(false);
}

TEST_CASE("FitCursor: save() round-trips through a resumed cursor, and impossible positions fail") {
  FitCursor cursor(3, 4);
  for (int batch = 0; batch < 4; ++batch) cursor.add_batch(1.0 + batch, 8);
  cursor.end_epoch({});
  cursor.add_batch(0.5, 8);
  const FitProgress saved = cursor.save("optimizer bytes", 1.5);
  CHECK(saved.epoch == 1);
  CHECK(saved.batches_done == 1);
  CHECK(saved.iteration == 5);
  CHECK(saved.optimizer_state == "optimizer bytes");

  FitCursor resumed(3, 4, &saved);
  CHECK(resumed.epoch() == 1);
  CHECK(resumed.batches_done() == 1);
  CHECK(resumed.earlier_seconds() == 1.5);
  CHECK(resumed.smoothed_loss() == cursor.smoothed_loss());
  CHECK(resumed.epoch_mean_loss() == cursor.epoch_mean_loss());
  cursor.add_batch(0.25, 8);
  resumed.add_batch(0.25, 8);
  CHECK(resumed.smoothed_loss() == cursor.smoothed_loss());
  CHECK(resumed.history().size() == 1);
  // Every batch loss, by iteration, continued across the resume: the training curve.
  CHECK(resumed.losses() == std::vector<double>{1, 2, 3, 4, 0.5, 0.25});
  CHECK(resumed.losses() == cursor.losses());
  FitProgress without_losses = saved;  // a resume point from before xp kept them
  without_losses.losses.clear();
  CHECK(FitCursor(3, 4, &without_losses).losses().empty());

  FitProgress wrong = saved;
  wrong.iteration = 4;  // not epoch 1 batch 1 of 4-batch epochs
  CHECK_THROWS_WITH_AS(FitCursor(3, 4, &wrong), doctest::Contains("cannot continue from"),
                       UserError);
  CHECK_THROWS_AS(FitCursor(3, 5, &saved), UserError);  // another fit's epochs
}
