// Runs body(0) … body(count - 1) on `threads` threads (the caller's among them), each index once, in
// no particular order. The first exception a body throws stops the others from taking new indices
// and is rethrown here once all threads have finished.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace xp {

template <typename Body>
void parallel_for(std::size_t count, int threads, const Body& body) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto work = [&] {
    for (std::size_t idx = next++; idx < count; idx = next++) {
      try {
        body(idx);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;  // stop the other threads early
      }
    }
  };
  std::vector<std::thread> pool;
  for (int thread_idx = 1;
       thread_idx < std::max(1, threads) && static_cast<std::size_t>(thread_idx) < count;
       ++thread_idx)
    pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace xp
