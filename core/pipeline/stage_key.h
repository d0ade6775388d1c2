// The stage cache's content keys (DESIGN.md "Caches"). Stage k's key covers everything its result
// depends on: the recipe's data, model, seed, precision and device, stages 0..k with their
// parameters and each stage type's semantics version, the content identity of the data (files or
// pixels, labels) and of the pretrained weights file — which stand in for data.path and
// model.weights. Run name, threads and data.workers are left out: they do not change results. The recipe is flattened into canonical "path = value" fields
// (keys sorted, numbers in one form), so key order, formatting, comments and `1e-2` vs `0.01` do
// not matter; the fields are kept with the key so that a miss can say which value changed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/pipeline/plan.h"

namespace xp::pipeline {

using KeyFields = std::map<std::string, std::string>;  // "stages[2].fit.lr" → "0.01"

struct StageKey {
  std::string hash;  // 16 hex digits: the entry's name in the cache
  KeyFields fields;  // what the hash covers
};

// What the recipe text cannot tell: the content identities of the inputs.
struct KeyInputs {
  std::string data;     // cache::data_identity of the loaded data
  std::string weights;  // cache::file_identity of model.weights ("" when none)
  std::string device;   // the device type the stages run on: "cpu" | "cuda" (train::device_type)
  int ranks = 1;        // a data-parallel job's size
};

// Which recipe keys flatten_json keeps: those that can change a result (the stage keys' view: not
// the run's name, threads, the paths whose content identities stand for them…), or every one (what
// a person comparing two runs wants to see).
enum class RecipeFields { affecting_results, all };

// A JSON tree as canonical fields below `prefix`.
void flatten_json(const nlohmann::ordered_json& value, const std::string& prefix, KeyFields& out,
                  RecipeFields which = RecipeFields::affecting_results);

// One key per stage of the plan, in order.
std::vector<StageKey> stage_keys(const Plan& plan, const KeyInputs& inputs);
// The plan's keys with the inputs found: `data_identity` (cache::data_identity of the loaded data)
// and the identity of the recipe's model.weights file.
// `ranks`: the data-parallel job's size (1: one process).
std::vector<StageKey> recipe_stage_keys(const Plan& plan, const std::string& data_identity,
                                        const std::string& device, int ranks = 1);

// What differs from `before` to `now`, one line each: "stages[2].fit.lr: 0.01 → 0.03",
// "data.size: added 299", "model.dropout: removed". At most `limit` lines, then "… and N more".
std::vector<std::string> key_changes(const KeyFields& before, const KeyFields& now,
                                     std::size_t limit = 6);

}  // namespace xp::pipeline
