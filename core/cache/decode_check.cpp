#include "core/cache/decode_check.h"

#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>

#include "core/cache/cache_layout.h"
#include "core/cache/file_identity.h"
#include "core/data/image_file.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/interrupt.h"
#include "core/util/parallel_for.h"

namespace xp::cache {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxReasonBytes =
    1000;  // a stored verdict longer than this is not one xp wrote

// The reason in a DataError's message, without its "data error: '<path>': " prefix.
std::string reason_of(const DataError& error) {
  const std::string message = error.what();
  const std::string prefix = str_cat("data error: '", error.path(), "': ");
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

// The cached verdict for the entry at `verdict_file`, when there is one.
std::optional<std::string> cached_verdict(const fs::path& verdict_file) {
  std::ifstream in(verdict_file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string reason(kMaxReasonBytes + 1, '\0');
  in.read(reason.data(), static_cast<std::streamsize>(reason.size()));
  reason.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad() || reason.size() > kMaxReasonBytes) return std::nullopt;
  return reason;
}

}  // namespace

DecodeCheckStats skip_undecodable(data::DataBundle& data, const fs::path& cache_root,
                                  int min_shorter_side, int workers) {
  const auto started = std::chrono::steady_clock::now();
  DecodeCheckStats stats;
  const fs::path folder = layout::decodable(cache_root);
  std::mutex stats_mutex;
  for (auto* split : {&data.train, &data.valid, &data.test}) {
    if (!*split || (*split)->in_memory()) continue;
    const data::ImageSet& set = **split;
    std::vector<std::string> reasons(set.files.size());  // "" = decodes
    parallel_for(set.files.size(), workers, [&](std::size_t idx) {
      if (interrupt_requested()) throw Interrupted();
      const std::string& file = set.files[idx];
      const fs::path verdict_file = file_entry(folder, file);
      if (const auto verdict = cached_verdict(verdict_file)) {
        reasons[idx] = *verdict;
        const std::lock_guard<std::mutex> lock(stats_mutex);
        ++stats.reused;
        return;
      }
      try {
        data::read_image_rgb(file, min_shorter_side);
      } catch (const DataError& error) {
        reasons[idx] = reason_of(error);
      }
      std::string cache_problem;
      try {
        fs::create_directories(verdict_file.parent_path());
        write_file_atomic(verdict_file, reasons[idx]);
      } catch (const std::exception& error) {
        cache_problem = error.what();
      }
      const std::lock_guard<std::mutex> lock(stats_mutex);
      ++stats.decoded;
      if (stats.cache_problem.empty()) stats.cache_problem = cache_problem;
    });
    std::vector<std::int64_t> kept;
    for (std::size_t idx = 0; idx < reasons.size(); ++idx) {
      if (reasons[idx].empty()) {
        kept.push_back(static_cast<std::int64_t>(idx));
      } else {
        data.skipped.push_back({set.name, set.files[idx], reasons[idx]});
        ++stats.undecodable;
      }
    }
    if (kept.empty() && !set.files.empty())
      throw DataError(set.files.front(), "no image of the ", set.name,
                      " split can be decoded (data.on_bad_image: skip)");
    if (kept.size() < set.files.size()) {
      *split = std::make_shared<data::ImageSet>(set.subset(kept));
    }
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

}  // namespace xp::cache
