#include "core/cache/resize_cache.h"

#include <algorithm>
#include <chrono>

#include "core/cache/cache_layout.h"
#include "core/cache/file_identity.h"
#include "core/data/image_codec.h"
#include "core/data/image_file.h"
#include "core/data/preprocess.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/parallel_for.h"

namespace xp::cache {

namespace fs = std::filesystem;

namespace {

constexpr int kJpegQuality = 95;

enum class Outcome { kWritten, kReused, kKept };

// The file to read for `source` (its copy, or itself), creating the cache entry when missing.
std::string cached_file(const std::string& source, const fs::path& folder, int shorter_side,
                        Outcome& outcome) {
  const fs::path base = file_entry(folder, source);
  const bool png = data::image_extension(source) == ".png";
  const fs::path copy = fs::path(base).replace_extension(png ? ".png" : ".jpg");
  const fs::path keep = fs::path(base).replace_extension(".keep");
  std::error_code error;
  if (fs::exists(copy, error) && data::image_file_problem(copy.string()).empty()) {
    outcome = Outcome::kReused;
    return copy.string();
  }
  if (fs::exists(keep, error)) {
    outcome = Outcome::kKept;
    return source;
  }
  fs::create_directories(base.parent_path());
  // Reduced decoding keeps more than shorter_side pixels, so "within N" is judged on the original.
  const cv::Mat rgb = data::read_image_rgb(source, shorter_side + 1);
  if (std::min(rgb.rows, rgb.cols) <= shorter_side) {
    write_file_atomic(keep, "");
    outcome = Outcome::kKept;
    return source;
  }
  std::string encoded;
  try {
    encoded = data::encode_image(copy.extension().string(),
                                 data::scale_shorter_side(rgb, shorter_side), kJpegQuality);
  } catch (const std::exception& failure) {
    throw CacheError(str_cat("cannot encode the resized copy of '", source, "': ", failure.what()));
  }
  write_file_atomic(copy, encoded);
  outcome = Outcome::kWritten;
  return copy.string();
}

}  // namespace

ResizeCacheStats apply_resize_cache(data::DataBundle& data, const fs::path& root, int shorter_side,
                                    int workers) {
  const auto started = std::chrono::steady_clock::now();
  ResizeCacheStats stats;
  stats.folder = layout::resized(root, shorter_side);
  for (auto* split : {&data.train, &data.valid, &data.test}) {
    if (!*split || (*split)->in_memory()) continue;
    auto resized = std::make_shared<data::ImageSet>(**split);
    std::vector<Outcome> outcomes(resized->files.size());
    parallel_for(resized->files.size(), workers, [&](std::size_t idx) {
      resized->files[idx] =
          cached_file(resized->files[idx], stats.folder, shorter_side, outcomes[idx]);
    });
    for (const Outcome outcome : outcomes) {
      if (outcome == Outcome::kWritten)
        ++stats.written;
      else if (outcome == Outcome::kReused)
        ++stats.reused;
      else
        ++stats.kept;
    }
    *split = std::move(resized);
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

}  // namespace xp::cache
