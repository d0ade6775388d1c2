// `xp model`: a table of the network as a user needs to see it before training — architecture,
// input size and normalization, where the weights came from, and per layer group the modules,
// parameter count and how many of them train.
#pragma once

#include <string>

#include "core/models/classifier.h"

namespace xp::models {

struct SummaryContext {
  int input_size = 224;
  std::string weights;  // "" when randomly initialised
};

std::string summarize(ClassifierImpl& model, const SummaryContext& context);

}  // namespace xp::models
