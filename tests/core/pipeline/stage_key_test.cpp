#include <doctest/doctest.h>

#include <algorithm>

#include "core/pipeline/plan.h"
#include "core/pipeline/registry.h"
#include "core/pipeline/stage_key.h"
#include "core/train/fused_step.h"
#include "core/util/build_info.h"
#include "tests/test_support.h"

using namespace xp::pipeline;
using xp::testing::TempDir;

namespace {

std::vector<StageKey> keys_of(const std::string& text, const std::vector<std::string>& sets = {},
                              const KeyInputs& inputs = {"data-1", "", "cpu"}) {
  StageRegistry registry;
  register_builtin_stages(registry);
  return stage_keys(make_plan(xp::recipe::parse_recipe("k.yaml", text, sets), registry), inputs);
}

std::string recipe(const std::string& path) {
  return "name: a\n"
         "seed: 3\n"
         "data: {source: idx, path: " +
         path +
         ", size: 32}\n"
         "model: {arch: resnet18}\n"
         "stages:\n"
         "  - fit: {lr: 0.01, cycles: 2, cycle_len: 1}\n"
         "  - unfreeze: {}\n"
         "  - fit: {lr: [0.001, 0.003, 0.01], cycles: 1}\n";
}

}  // namespace

TEST_CASE("stage keys ignore key order, number spelling, comments, run name, threads and workers") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const std::string path = dir.path().string();
  const auto base = keys_of(recipe(path));
  const auto reformatted = keys_of(
      "# the same experiment, written differently\n"
      "stages:\n"
      "  - fit: {cycle_len: 1, cycles: 2, lr: 1e-2}\n"
      "  - unfreeze: {}\n"
      "  - fit:\n"
      "      lr: [1.0e-3, 0.0030, 0.01]\n"
      "      cycles: 1\n"
      "model: {arch: resnet18}\n"
      "data: {size: 32, path: " +
      path +
      ", source: idx, workers: 7}\n"
      "name: b\n"
      "threads: 1\n"
      "seed: 3\n");
  REQUIRE(base.size() == 3);
  REQUIRE(reformatted.size() == 3);
  for (std::size_t idx = 0; idx < base.size(); ++idx)
    CHECK(base[idx].hash == reformatted[idx].hash);
}

TEST_CASE("a stage's key covers the stages before it and the inputs, not the stages after it") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const std::string path = dir.path().string();
  const auto base = keys_of(recipe(path));
  const auto later = keys_of(recipe(path), {"stages[2].fit.lr=0.02"});
  CHECK(later[0].hash == base[0].hash);
  CHECK(later[1].hash == base[1].hash);
  CHECK(later[2].hash != base[2].hash);
  const auto changes = key_changes(base[2].fields, later[2].fields);
  CHECK(std::find(changes.begin(), changes.end(), "stages[2].fit.lr[0]: removed (was 0.001)") !=
        changes.end());
  CHECK(std::find(changes.begin(), changes.end(), "stages[2].fit.lr: added 0.02") != changes.end());

  const auto first = keys_of(recipe(path), {"stages[0].fit.lr=0.02"});
  for (std::size_t idx = 0; idx < base.size(); ++idx) CHECK(first[idx].hash != base[idx].hash);
  CHECK(key_changes(base[0].fields, first[0].fields) ==
        std::vector<std::string>{"stages[0].fit.lr: 0.01 → 0.02"});

  // Whole numbers are keyed as doubles ("3.0") but said as written.
  CHECK(key_changes(base[0].fields, keys_of(recipe(path), {"seed=4"})[0].fields) ==
        std::vector<std::string>{"seed: 3 → 4"});
  CHECK(keys_of(recipe(path), {"seed=4"})[0].hash != base[0].hash);
  CHECK(keys_of(recipe(path), {"data.size=64"})[0].hash != base[0].hash);
  CHECK(keys_of(recipe(path), {}, {"data-2", "", "cpu"})[0].hash !=
        base[0].hash);  // the images or labels changed
  CHECK(keys_of(recipe(path), {}, {"data-1", "w-1", "cpu"})[0].hash !=
        base[0].hash);  // another weights file
  const auto data_changed = keys_of(recipe(path), {}, {"data-2", "", "cpu"});
  CHECK(key_changes(base[0].fields, data_changed[0].fields) ==
        std::vector<std::string>{"xp.data_identity: data-1 → data-2"});
  // The device the stages run on and the LibTorch xp runs with: their kernels give other last
  // bits, and `device: auto` is a GPU on one machine and the CPU on another.
  const auto on_gpu = keys_of(recipe(path), {}, {"data-1", "", "cuda"});
  CHECK(key_changes(base[0].fields, on_gpu[0].fields) ==
        std::vector<std::string>{"xp.device: cpu → cuda"});
  CHECK(base[0].fields.at("xp.libtorch") == xp::build_info().libtorch);
  CHECK(keys_of(recipe(path), {"precision=bf16"})[0].hash != base[0].hash);
}

TEST_CASE("the fused optimizer step is in the stage keys where it runs, and only there") {
  TempDir dir;
  xp::testing::write_tiny_idx_dataset(dir.path(), 2, 1);
  const std::string path = dir.path().string();
  // Unset: fused where this LibTorch has the kernels (2.4 on); the other steps give torch::optim's
  // numbers bit for bit, as every key made before the choice existed — those keys stay valid.
  const auto chosen = keys_of(recipe(path));
  const auto unfused = keys_of(recipe(path), {"fused_optimizer=false"});
  const auto fused = keys_of(recipe(path), {"fused_optimizer=true"});
  CHECK(chosen[0].fields.count("xp.optimizer_step") ==
        (xp::train::fused_step_available() ? 1u : 0u));
  CHECK(unfused[0].fields.count("xp.optimizer_step") == 0);
  CHECK(fused[0].fields.at("xp.optimizer_step") == "fused");
  CHECK(fused[0].hash != unfused[0].hash);
  if (!xp::train::fused_step_available())
    CHECK(key_changes(chosen[0].fields, unfused[0].fields) ==
          std::vector<std::string>{"fused_optimizer: added false"});
}

TEST_CASE("key_changes lists at most `limit` changes and counts the rest") {
  KeyFields before{{"a", "1"}, {"b", "2"}, {"c", "3"}};
  KeyFields now{{"a", "9"}, {"b", "8"}, {"c", "7"}};
  const auto changes = key_changes(before, now, 2);
  REQUIRE(changes.size() == 3);
  CHECK(changes[0] == "a: 1 → 9");
  CHECK(changes[2] == "… and 1 more");
}
