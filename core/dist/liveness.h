// Which ranks of a job have gone silent (issue #17). Every rank counts heartbeats in the
// rendezvous store; a watcher reads the counts now and then and tells a rank whose count has stood
// still for longer than a limit: its process hangs, or its machine or network is gone. A rank that
// dies outright closes its connections and the collectives say so at once; this catches what does
// not close anything — a machine switched off, a cable pulled, a process stopped — in a bounded time
// instead of a collective's timeout (30 minutes by default). LibTorch-free.
//
//   Liveness watch({1, 2}, std::chrono::seconds(60));
//   watch.observe(1, "17", now);        // each round, each watched rank's count as read
//   watch.silent(now)                   // {2} once rank 2's count stood still for 60 s
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace xp::dist {

class Liveness {
 public:
  using Clock = std::chrono::steady_clock;

  // Watches `ranks`. A rank not seen yet is not silent: it may still be on its way to the
  // rendezvous, which has a timeout of its own (every rank beats once before the group forms).
  Liveness(const std::vector<int>& ranks, std::chrono::milliseconds limit);

  // `rank`'s heartbeat count as read at `now` ("" when it has none yet).
  void observe(int rank, const std::string& count, Clock::time_point now);
  // Stops watching `rank` (it finished its part of the job).
  void forget(int rank) { seen_.erase(rank); }
  // The ranks still watched, in rank order.
  std::vector<int> watched() const;
  // The watched ranks seen beating whose count has not changed for longer than the limit, in
  // rank order.
  std::vector<int> silent(Clock::time_point now) const;
  std::chrono::milliseconds limit() const { return limit_; }

 private:
  struct Seen {
    std::string count;
    Clock::time_point changed;
  };
  std::chrono::milliseconds limit_;
  std::map<int, Seen> seen_;
};

// "rank 2", "ranks 1, 3".
std::string rank_list(const std::vector<int>& ranks);

}  // namespace xp::dist
