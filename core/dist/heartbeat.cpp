#include "core/dist/heartbeat.h"

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/dist/liveness.h"
#include "core/util/error.h"

namespace xp::dist {

namespace {

using Clock = Liveness::Clock;
constexpr auto kBeatEvery = std::chrono::milliseconds(500);
const char* const kVerdictKey = "xp/silent";

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }
std::string text_of(const std::vector<std::uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

long whole_seconds(std::chrono::milliseconds duration) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(duration).count());
}

std::vector<int> others(int rank, int size) {
  std::vector<int> ranks;
  for (int other = 0; other < size; ++other)
    if (other != rank) ranks.push_back(other);
  return ranks;
}

std::string signed_off_key(int rank) { return str_cat("xp/done/", rank); }

}  // namespace

std::string heartbeat_key(int rank) { return str_cat("xp/alive/", rank); }

// What the beating thread and its owner share: the thread keeps it alive when the owner leaves it
// behind (stuck in a store call to a machine that is gone).
struct Heartbeat::State {
  State(c10::intrusive_ptr<c10d::TCPStore> store_in, int rank_in, int size_in,
        std::chrono::milliseconds limit, std::string where_in)
      : store(std::move(store_in)),
        rank(rank_in),
        where(std::move(where_in)),
        watch(rank_in == 0 ? others(0, size_in) : std::vector<int>{}, limit),
        last_contact(Clock::now()) {}

  void beat() { store->set(heartbeat_key(rank), bytes_of(std::to_string(++count))); }

  // Rank 0: reads the others' counts and posts a verdict on those gone silent. The others: read
  // rank 0's verdict, and whether it signed off (then the store goes with it).
  void look_around() {
    if (rank == 0) {
      for (const int other : watch.watched()) {
        if (store->check({signed_off_key(other)})) {
          watch.forget(other);
          continue;
        }
        const std::string key = heartbeat_key(other);
        watch.observe(other, store->check({key}) ? text_of(store->get(key)) : "", Clock::now());
      }
      const std::vector<int> silent = watch.silent(Clock::now());
      if (!silent.empty()) {
        const std::string found =
            str_cat(rank_list(silent), " (no heartbeat for ", whole_seconds(watch.limit()),
                    " s: its process hangs, or its machine or network is gone)");
        store->set(kVerdictKey, bytes_of(found));
        settle(found);
      }
    } else if (store->check({kVerdictKey})) {
      settle(text_of(store->get(kVerdictKey)));
    } else if (store->check({signed_off_key(0)})) {
      const std::lock_guard<std::mutex> lock(mutex);
      rank0_signed_off = true;
    }
    const std::lock_guard<std::mutex> lock(mutex);
    last_contact = Clock::now();
  }

  // Under the mutex: whether this rank no longer needs the others.
  bool done_with_job() const { return signed_off || rank0_signed_off; }

  void settle(const std::string& found) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (verdict.empty()) verdict = found;
  }

  static void run(const std::shared_ptr<State>& state) {
    bool told = false;  // this rank's sign-off is in the store
    for (;;) {
      bool signing_off = false;
      bool done = false;
      bool stop = false;
      {
        std::unique_lock<std::mutex> lock(state->mutex);
        stop = state->wake.wait_for(lock, kBeatEvery, [&] { return state->stopping; });
        signing_off = state->signed_off;
        done = state->done_with_job();
      }
      try {
        if (signing_off && !told) {
          state->store->set(signed_off_key(state->rank), bytes_of("1"));
          told = true;
        }
        if (stop) break;
        if (!done) {
          state->beat();
          state->look_around();
        }
      } catch (const std::exception&) {
        // The store does not answer: contact stops, and verdict() says so once the limit passes.
        if (stop) break;
      }
    }
    const std::lock_guard<std::mutex> lock(state->mutex);
    state->exited = true;
    state->wake.notify_all();
  }

  c10::intrusive_ptr<c10d::TCPStore> store;
  int rank;
  std::string where;
  Liveness watch;  // rank 0: every other rank; the others: none
  std::uint64_t count = 0;

  mutable std::mutex mutex;  // guards what follows
  std::condition_variable wake;
  bool stopping = false;
  bool exited = false;
  bool signed_off = false;        // this rank did its last collective
  bool rank0_signed_off = false;  // rank 0 did (its store goes when it ends)
  std::string verdict;
  Clock::time_point last_contact;
};

Heartbeat::Heartbeat(const std::string& host, int port, int rank, int size,
                     std::chrono::milliseconds silence_limit) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.isServer = false;
  options.numWorkers = static_cast<std::size_t>(size);
  options.waitWorkers = false;
  options.timeout = silence_limit;
  state_ = std::make_shared<State>(c10::make_intrusive<c10d::TCPStore>(host, options), rank, size,
                                   silence_limit, str_cat(host, ":", port));
  state_->beat();
  std::thread(State::run, state_).detach();
}

Heartbeat::~Heartbeat() {
  std::unique_lock<std::mutex> lock(state_->mutex);
  state_->stopping = true;
  state_->wake.notify_all();
  // A thread stuck in a store call (its host gone) is left to end with the process.
  state_->wake.wait_for(lock, std::chrono::seconds(2), [&] { return state_->exited; });
}

void Heartbeat::sign_off() {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  state_->signed_off = true;
  state_->wake.notify_all();
}

std::string Heartbeat::verdict() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->done_with_job()) return "";
  if (!state_->verdict.empty()) return state_->verdict;
  const auto quiet = Clock::now() - state_->last_contact;
  if (quiet <= state_->watch.limit()) return "";
  return str_cat("rank 0 (the rendezvous store at ", state_->where, " has not answered for ",
                 whole_seconds(std::chrono::duration_cast<std::chrono::milliseconds>(quiet)),
                 " s: rank 0's process hangs, or its machine or network is gone)");
}

}  // namespace xp::dist
