// What a person looks at before training (the seed notebook's data exploration, `xp data`):
// the image size distribution, the channel statistics, and what augmentation does to images.
#pragma once

#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "core/data/dataset.h"

namespace xp::data {

struct ImageSize {
  int rows = 0;
  int cols = 0;
};

// The pixel size of every image of `set`, in order. JPEG and PNG sizes come from their headers;
// other formats are decoded.
std::vector<ImageSize> image_sizes(const ImageSet& set);

struct ChannelStats {
  std::array<double, 3> mean{};  // RGB, pixels scaled to [0, 1]
  std::array<double, 3> std{};
  std::int64_t images = 0;  // how many images were measured
};

// Per-channel mean and standard deviation over the pixels of up to `max_images` images of `set`
// at their own size (a seeded sample when the split is larger): compare with the model's
// normalization (ImageNet: 0.485 0.456 0.406 / 0.229 0.224 0.225).
ChannelStats channel_stats(const ImageSet& set, int max_images, std::uint64_t seed);

// The seed's plots(ims) for augmentation: for each of the first `images` images of `set`, a row of
// size×size RGB tiles: the validation transform, then `draws` training transforms (the draws of
// epochs 0, 1, … that `xp run` would make for that image).
std::vector<std::vector<cv::Mat>> augmentation_preview(const ImageSet& set,
                                                       const AugmentOptions& augment, int size,
                                                       int images, int draws, std::uint64_t seed);

}  // namespace xp::data
