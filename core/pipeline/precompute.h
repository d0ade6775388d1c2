// Precompute (fastai's precompute=True): the frozen body's activations of every training and
// validation image, under the validation transform, computed once and cached in HDF5
// (cache/activations.h) under <cache root>/activations/<hash>.h5. The key names everything they
// depend on, so a changed image, split, size, normalization, decode mode, architecture, body
// weight (a load, or a fit after unfreeze) or precision is a new key — never a stale file. fastai
// 0.7 keyed its cache on arch, cut, size and row count only (shared/reference/fastai.md §5).
#pragma once

#include <string>

#include "core/pipeline/stage.h"

namespace xp::pipeline {

// Reads a stage's `precompute` flag and checks it against the learner's planned state: an error
// when the body is not frozen there, a warning when data.augment is set (augmentation has no
// effect on cached activations: fastai's best-known confusion, PR #474).
bool parse_precompute(const recipe::Node& params, PlanContext& context,
                      std::vector<recipe::Diagnostic>& errors);

// Gives the learner the activations of its current body, data and transform: kept in memory when
// they already are, else read from the cache, else computed and written there. Prints one line
// per split and appends it to run.json's "precompute" list. Throws when the body is not frozen
// (the activations would go stale as soon as it trained).
void ensure_precomputed(StageContext& context);

}  // namespace xp::pipeline
