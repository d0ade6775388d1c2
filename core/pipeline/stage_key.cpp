#include "core/pipeline/stage_key.h"

#include <set>

#include "core/cache/file_identity.h"
#include "core/train/fused_step.h"
#include "core/util/build_info.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

// Bumped when what a stage cache entry holds changes meaning (learner_file.h, replayed outputs).
constexpr const char* kStageCacheFormat =
    "2";  // 2: weights in their own file, shared between stages
// Bumped when the initial model a recipe and seed give changes (pipeline/engine.cpp build_model).
constexpr const char* kModelInit =
    "2";  // 2: the head drawn from the seed alone, not after the body's draws

// Recipe keys that never change a result, and the two paths whose content identities stand in for
// them (KeyInputs): the same images or weights reached by another path are the same experiment.
// data.max_image_pixels only decides which files are listed, which the data identity covers.
const std::set<std::string> kIgnored = {
    "name",      "threads",       "data.workers",         "sweep",
    "data.path", "model.weights", "data.max_image_pixels"};

std::string canonical_scalar(const nlohmann::ordered_json& value) {
  // Integers and floats alike as the shortest text that reads back to the same double.
  if (value.is_number()) return nlohmann::json(value.get<double>()).dump();
  return value.dump();
}

// A canonical scalar as a person writes it: whole numbers without canonical_scalar's ".0".
std::string as_written(const std::string& canonical) {
  const auto fraction = canonical.rfind(".0");
  const bool whole_number = fraction != std::string::npos && fraction + 2 == canonical.size() &&
                            canonical.find_first_not_of("-0123456789") == fraction;
  return whole_number ? canonical.substr(0, fraction) : canonical;
}

}  // namespace

void flatten_json(const nlohmann::ordered_json& value, const std::string& prefix, KeyFields& out,
                  RecipeFields which) {
  if (which == RecipeFields::affecting_results && kIgnored.count(prefix)) return;
  if (value.is_object()) {
    if (value.empty()) out[prefix] = "{}";
    for (const auto& [key, child] : value.items())  // std::map sorts the paths
      flatten_json(child, prefix.empty() ? key : prefix + "." + key, out, which);
  } else if (value.is_array()) {
    if (value.empty()) out[prefix] = "[]";
    for (std::size_t idx = 0; idx < value.size(); ++idx)
      flatten_json(value[idx], str_cat(prefix, "[", idx, "]"), out, which);
  } else {
    out[prefix] = canonical_scalar(value);
  }
}

std::vector<StageKey> stage_keys(const Plan& plan, const KeyInputs& inputs) {
  const auto& root = plan.recipe.doc.root();
  KeyFields common;
  for (const auto& [key, value] : root.items())
    if (key != "stages") flatten_json(value, key, common);
  common["xp.stage_cache_format"] = kStageCacheFormat;
  common["xp.model_init"] = kModelInit;
  common["xp.data_identity"] = inputs.data;
  if (!inputs.weights.empty()) common["xp.weights_identity"] = inputs.weights;
  // Kernels differ between devices and between LibTorch versions: results differ in their last
  // bits, and a replayed stage must be the one this xp would have computed.
  common["xp.device"] = inputs.device;
  common["xp.libtorch"] = build_info().libtorch;
  // A data-parallel run's BatchNorm sees each rank's part of the batch (unless sync_bn): not what
  // one process computes. Absent for one process, whose keys stay as they were.
  if (inputs.ranks > 1) common["xp.ranks"] = std::to_string(inputs.ranks);
  // PyTorch's fused optimizer kernels round otherwise than torch::optim's step. Absent for the
  // others, whose results are torch::optim's bit for bit (as every key before the choice was).
  if (train::use_fused_step(plan.recipe.run.compute.fused_optimizer))
    common["xp.optimizer_step"] = "fused";

  std::vector<StageKey> keys;
  KeyFields fields = common;
  for (const auto& planned : plan.stages) {
    const std::string prefix = str_cat("stages[", planned.index, "]");
    flatten_json(root.at("stages").at(static_cast<std::size_t>(planned.index)), prefix, fields);
    fields[prefix + ".version"] = str_cat(planned.type, " ", planned.version);
    std::string text;
    for (const auto& [path, value] : fields) text += path + "=" + value + "\n";
    keys.push_back({cache::hash_hex(text), fields});
  }
  return keys;
}

std::vector<std::string> key_changes(const KeyFields& before, const KeyFields& now,
                                     std::size_t limit) {
  std::vector<std::string> changes;
  for (const auto& [path, value] : now) {
    const auto old = before.find(path);
    if (old == before.end())
      changes.push_back(str_cat(path, ": added ", as_written(value)));
    else if (old->second != value)
      changes.push_back(str_cat(path, ": ", as_written(old->second), " → ", as_written(value)));
  }
  for (const auto& [path, value] : before)
    if (!now.count(path))
      changes.push_back(str_cat(path, ": removed (was ", as_written(value), ")"));
  if (changes.size() > limit) {
    const std::size_t more = changes.size() - limit;
    changes.resize(limit);
    changes.push_back(str_cat("… and ", more, " more"));
  }
  return changes;
}

std::vector<StageKey> recipe_stage_keys(const Plan& plan, const std::string& data_identity,
                                        const std::string& device, int ranks) {
  KeyInputs inputs;
  inputs.data = data_identity;
  inputs.device = device;
  inputs.ranks = ranks;
  if (!plan.recipe.model.weights.empty())
    inputs.weights = cache::file_identity(plan.recipe.model.weights);
  return stage_keys(plan, inputs);
}

}  // namespace xp::pipeline
