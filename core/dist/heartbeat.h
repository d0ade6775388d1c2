// A rank's heartbeat in a data-parallel job (issue #17): on a connection of its own to the
// rendezvous store, a thread counts this rank's beats twice a second; rank 0 also watches every
// other rank's count (dist/liveness.h) and, when one stands still past the silence limit, posts a
// verdict in the store that every rank reads. A rank that loses the store itself (rank 0's machine
// gone) reaches the same verdict from its own side: no contact for longer than the limit.
//
// The collectives poll verdict() while they wait (dist/process_group.cpp), so a rank that falls
// silent without closing its connections ends the others within about the limit, naming it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace xp::dist {

// The store key under which `rank` counts its beats.
std::string heartbeat_key(int rank);

class Heartbeat {
 public:
  // Connects to the store at host:port and beats once before returning (so every rank has a count
  // once the group exists). Throws what the store's connection throws.
  Heartbeat(const std::string& host, int port, int rank, int size,
            std::chrono::milliseconds silence_limit);
  // Stops the thread; one stuck in a store call to a vanished host is left behind, not waited for.
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // "" while the job shows life; else what fell silent, e.g. "rank 2 (no heartbeat for 60 s: its
  // process hangs, or its machine or network is gone)".
  std::string verdict() const;
  // This rank has done its last collective: its silence from now on is no loss (a rank that ends
  // first must not fail one still writing its results), and it judges no one any more. Told to
  // the others through the store before the heartbeat stops.
  void sign_off();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace xp::dist
