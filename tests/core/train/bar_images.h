// Small in-memory image sets a network learns within an epoch or two: the learner's tests'.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "core/data/dataset.h"

namespace xp::testing {

inline constexpr int kBarClasses = 4;
inline constexpr int kBarSide = 32;

// `per_class` RGB images of kBarSide² pixels per class; class c is a bright horizontal bar at rows
// 8c … 8c+3 over seeded noise: learnable within an epoch or two.
inline std::shared_ptr<const data::ImageSet> bars(const std::string& name, int per_class,
                                                  std::uint64_t seed) {
  torch::manual_seed(seed);
  const int count = per_class * kBarClasses;
  data::ImageSet set;
  set.name = name;
  set.images = torch::randint(0, 60, {count, kBarSide, kBarSide, 3}, torch::kUInt8);
  set.labels = torch::arange(count, torch::kInt64).remainder(kBarClasses);
  for (int i = 0; i < count; ++i) {
    const int row = 8 * (i % kBarClasses);
    set.images[i].slice(0, row, row + 4).fill_(220);
  }
  for (int i = 0; i < count; ++i) set.ids.push_back(name + "#" + std::to_string(i));
  return std::make_shared<const data::ImageSet>(set);
}

inline data::DataBundle bar_data() {
  data::DataBundle bundle;
  bundle.train = bars("train", 12, 1);
  bundle.valid = bars("valid", 4, 2);
  bundle.classes = {"a", "b", "c", "d"};
  return bundle;
}

}  // namespace xp::testing
