#include "core/dist/liveness.h"

#include "core/util/error.h"

namespace xp::dist {

Liveness::Liveness(const std::vector<int>& ranks, std::chrono::milliseconds limit) : limit_(limit) {
  for (const int rank : ranks) seen_[rank] = {"", Clock::time_point{}};
}

void Liveness::observe(int rank, const std::string& count, Clock::time_point now) {
  const auto found = seen_.find(rank);
  if (found == seen_.end() || found->second.count == count) return;
  found->second = {count, now};
}

std::vector<int> Liveness::watched() const {
  std::vector<int> ranks;
  for (const auto& entry : seen_) ranks.push_back(entry.first);
  return ranks;
}

std::vector<int> Liveness::silent(Clock::time_point now) const {
  std::vector<int> ranks;
  for (const auto& [rank, seen] : seen_)
    if (!seen.count.empty() && now - seen.changed > limit_) ranks.push_back(rank);
  return ranks;
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string list = ranks.size() == 1 ? "rank " : "ranks ";
  for (std::size_t i = 0; i < ranks.size(); ++i) list += str_cat(i ? ", " : "", ranks[i]);
  return list;
}

}  // namespace xp::dist
