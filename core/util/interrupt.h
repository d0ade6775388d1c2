// Cooperative interruption: the runner's SIGINT handler calls request_interrupt(); the training
// loop checks interrupt_requested() at each batch boundary and throws xp::Interrupted, so a run
// stops between batches with its files consistent (exit code 130).
#pragma once

#include <atomic>

namespace xp {

inline std::atomic<bool>& interrupt_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}
inline void request_interrupt() { interrupt_flag().store(true); }
inline bool interrupt_requested() { return interrupt_flag().load(); }

}  // namespace xp
