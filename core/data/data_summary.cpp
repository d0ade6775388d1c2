#include "core/data/data_summary.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/data/image_file.h"
#include "core/data/loader.h"
#include "core/util/rng.h"

namespace xp::data {

namespace {

constexpr std::uint64_t kStatsSampleStream = 0x7u;

// A float [3, size, size] image in [0, 1] as an RGB uint8 tile.
cv::Mat to_tile(const torch::Tensor& chw) {
  const torch::Tensor hwc =
      chw.permute({1, 2, 0}).mul(255).round().clamp(0, 255).to(torch::kUInt8).contiguous();
  return cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3,
                 hwc.data_ptr<std::uint8_t>())
      .clone();
}

}  // namespace

std::vector<ImageSize> image_sizes(const ImageSet& set) {
  std::vector<ImageSize> sizes;
  sizes.reserve(static_cast<std::size_t>(set.size()));
  if (set.in_memory()) {
    sizes.assign(static_cast<std::size_t>(set.size()),
                 {static_cast<int>(set.images.size(1)), static_cast<int>(set.images.size(2))});
    return sizes;
  }
  for (const auto& file : set.files) {
    const auto [rows, cols] = header_dimensions(file);
    if (rows > 0) {
      sizes.push_back({rows, cols});
      continue;
    }
    const cv::Mat decoded = read_image_rgb(file);  // neither JPEG nor PNG: decode it
    sizes.push_back({decoded.rows, decoded.cols});
  }
  return sizes;
}

ChannelStats channel_stats(const ImageSet& set, int max_images, std::uint64_t seed) {
  std::vector<std::int64_t> samples;
  if (set.size() <= max_images) {
    for (std::int64_t sample = 0; sample < set.size(); ++sample) samples.push_back(sample);
  } else {
    Rng rng(seed, {kStatsSampleStream});
    samples = permutation(set.size(), rng);
    samples.resize(static_cast<std::size_t>(max_images));
  }
  std::array<double, 3> sum{};
  std::array<double, 3> sum_squares{};
  double pixels = 0;
  for (const std::int64_t sample : samples) {
    const cv::Mat image = sample_image(set, sample);
    const int channels = image.channels();
    for (int row = 0; row < image.rows; ++row) {
      const auto* line = image.ptr<std::uint8_t>(row);
      for (int col = 0; col < image.cols; ++col)
        for (int channel = 0; channel < 3; ++channel) {
          const double value = line[col * channels + (channels == 1 ? 0 : channel)] / 255.0;
          sum[channel] += value;
          sum_squares[channel] += value * value;
        }
    }
    pixels += static_cast<double>(image.rows) * image.cols;
  }
  ChannelStats stats;
  stats.images = static_cast<std::int64_t>(samples.size());
  if (pixels == 0) return stats;
  for (int channel = 0; channel < 3; ++channel) {
    stats.mean[channel] = sum[channel] / pixels;
    stats.std[channel] = std::sqrt(
        std::max(0.0, sum_squares[channel] / pixels - stats.mean[channel] * stats.mean[channel]));
  }
  return stats;
}

std::vector<std::vector<cv::Mat>> augmentation_preview(const ImageSet& set,
                                                       const AugmentOptions& augment, int size,
                                                       int images, int draws, std::uint64_t seed) {
  std::vector<std::int64_t> first(
      static_cast<std::size_t>(std::min<std::int64_t>(images, set.size())));
  for (std::size_t idx = 0; idx < first.size(); ++idx) first[idx] = static_cast<std::int64_t>(idx);
  // The first images keep their sample indices in the subset, so their draws are xp run's.
  const auto subset = std::make_shared<const ImageSet>(set.subset(first));
  PreprocessOptions unnormalized;
  unnormalized.size = size;
  unnormalized.mean = {0, 0, 0};
  unnormalized.std = {1, 1, 1};
  LoaderOptions options;
  options.batch_size = static_cast<int>(first.size());
  options.workers = 1;
  options.seed = seed;
  std::vector<std::vector<cv::Mat>> rows(first.size());
  DataLoader validation(subset, options, unnormalized);
  validation.start_epoch(0);
  const Batch plain = *validation.next();
  for (std::size_t row = 0; row < first.size(); ++row)
    rows[row].push_back(to_tile(plain.images[static_cast<std::int64_t>(row)]));
  options.augment = augment;
  DataLoader training(subset, options, unnormalized);
  for (int epoch = 0; epoch < draws; ++epoch) {
    training.start_epoch(epoch);
    const Batch batch = *training.next();
    for (std::size_t row = 0; row < first.size(); ++row)
      rows[row].push_back(to_tile(batch.images[static_cast<std::int64_t>(row)]));
  }
  return rows;
}

}  // namespace xp::data
