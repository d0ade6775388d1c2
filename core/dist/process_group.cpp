#include "core/dist/process_group.h"

#include <torch/torch.h>

#if XP_HAVE_GLOO
// c10d compiles its Gloo process group only under this macro (PyTorch's build defines it).
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "core/dist/c10d_compat.h"
#include "core/dist/heartbeat.h"
#include "core/dist/liveness.h"
#include "core/dist/local_address.h"
#include "core/dist/nccl_backend.h"
#include "core/util/error.h"

namespace xp::dist {

namespace {

// How often a rank waiting in a collective looks at the heartbeat's verdict.
constexpr auto kVerdictPoll = std::chrono::seconds(1);
const char* const kNoGloo =
    "this build of xp has no Gloo (c10d's CPU process group): install libgloo-dev "
    "(scripts/install-deps.sh) and build again";
const char* const kNoNccl =
    "a data-parallel run on CUDA needs NCCL, which this build of xp does not have: build xp "
    "against a CUDA LibTorch 2.x where NCCL's header is found (README, 'On a GPU'), or run "
    "with run.device: cpu";
// How long an NCCL rank whose job lost a rank gets to leave by itself, after its communicators
// were aborted, before it is ended (it may be stuck in a CUDA call that nothing else ends).
constexpr auto kNcclGrace = std::chrono::seconds(30);

}  // namespace

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Collectives> group;
  std::unique_ptr<Heartbeat> heartbeat;
  // Where the collectives' tensors live: the CPU for Gloo, this rank's GPU for NCCL (host tensors
  // travel through it).
  c10::Device device = c10::kCPU;
  int rank = 0;
  int size = 1;
  bool abandoned = false;  // a collective was left waiting on a rank gone silent
  std::thread nccl_guard;  // NCCL: ends this rank when the job lost one (watch_nccl)
  std::mutex guard_mutex;
  std::condition_variable guard_wake;
  bool closing = false;
  bool left = false;  // this rank took the verdict itself (a RankLost was thrown)

  ~Impl() {
    if (nccl_guard.joinable()) {
      {
        const std::lock_guard<std::mutex> lock(guard_mutex);
        closing = true;
      }
      guard_wake.notify_all();
      nccl_guard.join();
    }
    // That collective holds the backend's threads, which its destructor would join (for up to
    // the collective timeout): they are left to end with the process.
    if (abandoned) {
      (void)group.release();
      (void)store.release();
    }
  }

  std::string silent_message(const std::string& silent) const {
    return str_cat("rank ", rank, " of ", size, " lost contact with ", silent,
                   "; the job cannot go on without it");
  }

  // NCCL's waits do not block the host (the GPU's stream waits), so a rank gone silent shows up as
  // a CUDA call that never returns, where wait() cannot see the verdict: this thread aborts the
  // communicators when the verdict comes (the stuck calls then fail) and, if the rank is still
  // here after kNcclGrace, names the lost rank and ends the process (exit 1; its last resume
  // point is intact, its status.json still says RUNNING).
  void watch_nccl() {
    nccl_guard = std::thread([this] {
      std::unique_lock<std::mutex> lock(guard_mutex);
      std::string silent;
      while (silent.empty()) {
        if (guard_wake.wait_for(lock, kVerdictPoll, [this] { return closing; })) return;
        silent = heartbeat->verdict();
      }
      abort_nccl_backend(*group);
      if (guard_wake.wait_for(lock, kNcclGrace, [this] { return closing || left; })) return;
      std::fprintf(stderr, "xp: %s\n", silent_message(silent).c_str());
      std::fflush(stderr);
      std::_Exit(1);
    });
  }

  // Host tensors travel through the backend's device (NCCL's are on the GPU).
  torch::Tensor on_wire(const torch::Tensor& tensor) const {
    return tensor.device() == device ? tensor : tensor.to(device);
  }

  // Waits for `work`; a failure (a peer's connection closed, a timeout) becomes a RankLost naming
  // the ranks that stopped answering, and so does the heartbeat's verdict on a rank gone silent
  // (which closes nothing: without the verdict, the wait would last the collective timeout).
  template <typename Work>
  void wait(const Work& work) {
    for (;;) {
      try {
        work->wait(kVerdictPoll);
        return;
      } catch (const std::exception& error) {
        if (work->isCompleted()) throw RankLost(lost_message(error.what()));
        const std::string silent = heartbeat->verdict();
        if (!silent.empty()) {
          abandoned = true;
          {
            const std::lock_guard<std::mutex> lock(guard_mutex);
            left = true;
          }
          throw RankLost(silent_message(silent));
        }
      }
    }
  }

  std::string lost_message(const std::string& error) {
    std::vector<int> lost;
    try {
      store->setTimeout(std::chrono::seconds(5));
      const auto counts = [&] {
        std::vector<std::string> seen(static_cast<std::size_t>(size));
        for (int other = 0; other < size; ++other) {
          if (other == rank || !store->check({heartbeat_key(other)})) continue;
          const std::vector<std::uint8_t> value = store->get(heartbeat_key(other));
          seen[static_cast<std::size_t>(other)].assign(value.begin(), value.end());
        }
        return seen;
      };
      const auto before = counts();
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      const auto after = counts();
      for (int other = 0; other < size; ++other)
        if (other != rank &&
            (after[static_cast<std::size_t>(other)].empty() ||
             before[static_cast<std::size_t>(other)] == after[static_cast<std::size_t>(other)]))
          lost.push_back(other);
    } catch (const std::exception&) {
      lost = {0};  // the store rank 0 serves is gone with it
    }
    return str_cat("rank ", rank, " of ", size, " lost contact with ",
                   lost.empty() ? std::string("another rank") : rank_list(lost),
                   lost.empty() ? ""
                                : " (it stopped answering: its process ended or hangs, or its "
                                  "machine or network is gone — see its own error)",
                   "; the job cannot go on without it: ", error);
  }
};

#if XP_HAVE_GLOO
bool gloo_built() { return true; }
#else
bool gloo_built() { return false; }
#endif

namespace {

#if XP_HAVE_GLOO
// Where this rank's Gloo connections listen: GLOO_SOCKET_IFNAME's interface when set (as in
// torch.distributed); else the address its traffic to the rendezvous host leaves from — loopback
// for a job on this machine alone. torch.distributed's default, the address the host name
// resolves to, is often 127.0.1.1 (Debian's /etc/hosts), which other machines cannot reach.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  return c10d::ProcessGroupGloo::createDeviceForHostname(local_address_toward(master_addr));
}
#endif

c10::intrusive_ptr<Collectives> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                  const LaunchEnv& env,
                                                  std::chrono::milliseconds timeout) {
#if XP_HAVE_GLOO
  auto options = c10d::ProcessGroupGloo::Options::create();
  options->timeout = timeout;
  options->devices.push_back(gloo_device(env.master_addr));
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
#else
  (void)store, (void)env, (void)timeout;
  throw UserError(kNoGloo);
#endif
}

}  // namespace

std::unique_ptr<ProcessGroup> ProcessGroup::connect(const LaunchEnv& env,
                                                    std::chrono::milliseconds timeout,
                                                    std::chrono::milliseconds silence_limit,
                                                    c10::Device device) {
  const std::string where = str_cat(env.master_addr, ":", env.master_port);
  auto impl = std::make_unique<Impl>();
  impl->rank = env.rank;
  impl->size = env.world_size;
  impl->device = device;
  if (device.is_cuda() ? !nccl_built() : !gloo_built())
    throw UserError(device.is_cuda() ? kNoNccl : kNoGloo);
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.master_port);
    options.isServer = env.rank == 0;
    options.numWorkers = static_cast<std::size_t>(env.world_size);
    options.waitWorkers = false;
    options.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    impl->heartbeat = std::make_unique<Heartbeat>(env.master_addr, env.master_port, env.rank,
                                                  env.world_size, silence_limit);
  } catch (const std::exception& error) {
    throw UserError(str_cat("rank ", env.rank, " of ", env.world_size,
                            env.rank == 0 ? " cannot serve" : " cannot reach",
                            " the rendezvous store at ", where,
                            " (MASTER_ADDR:MASTER_PORT): ", error.what()));
  }
  std::unique_ptr<ProcessGroup> group(new ProcessGroup(std::move(impl), env.rank, env.world_size));
  Impl& made = *group->impl_;
  try {
    if (device.is_cuda()) {
      made.group = make_nccl_backend(made.store, env.rank, env.world_size, device.index(), timeout);
      made.watch_nccl();
      // NCCL's communicators form at the first collective: here, where a failure is the group's.
      group->barrier();
    } else {
      made.group = make_gloo_backend(made.store, env, timeout);
    }
  } catch (const std::exception& error) {
    throw UserError(str_cat(
        "rank ", env.rank, " of ", env.world_size, ": the ", device.is_cuda() ? "NCCL" : "Gloo",
        " process group did not form through ", where, ": ", error.what(),
        device.is_cuda()
            ? str_cat(" (each rank needs a GPU of its own: this one is on ", device.str(), ", ",
                      env.local_world_size, " ranks share this machine)")
            : std::string()));
  }
  return group;
}

std::string ProcessGroup::backend() const { return impl_->device.is_cuda() ? "nccl" : "gloo"; }

void ProcessGroup::sign_off() { impl_->heartbeat->sign_off(); }

std::string ProcessGroup::lost_contact() const {
  const std::string silent = impl_->heartbeat->verdict();
  return silent.empty() ? "" : impl_->silent_message(silent);
}

void ProcessGroup::broadcast_from_rank0(std::vector<torch::Tensor>& tensors) {
  // c10d's broadcast takes one tensor per device, not a list of a model's tensors: one call each.
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one = {impl_->on_wire(tensor)};
    impl_->wait(impl_->group->broadcast(one));
    if (!one[0].is_same(tensor)) tensor.copy_(one[0]);
  }
}

void ProcessGroup::allreduce_mean(std::vector<torch::Tensor>& tensors) {
  // As broadcast: a list given to c10d is one tensor per device, reduced together.
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one = {impl_->on_wire(tensor)};
    impl_->wait(impl_->group->allreduce(one));
    if (!one[0].is_same(tensor)) tensor.copy_(one[0]);
    tensor.div_(size_);
  }
}

PendingCollective ProcessGroup::allreduce_sum_async(torch::Tensor& tensor) {
  std::vector<torch::Tensor> one = {impl_->on_wire(tensor)};
  auto work = impl_->group->allreduce(one);
  Impl* impl = impl_.get();
  torch::Tensor target = tensor;
  torch::Tensor wire = one[0];
  return PendingCollective([impl, work, target, wire]() mutable {
    impl->wait(work);
    if (!wire.is_same(target)) target.copy_(wire);
  });
}

std::vector<torch::Tensor> ProcessGroup::all_gather_rows(const torch::Tensor& rows) {
  // Gloo and NCCL gather tensors of one shape: the row counts first, then every part padded to
  // the largest, cut back after.
  const auto wire = torch::TensorOptions().device(impl_->device);
  std::vector<torch::Tensor> count_in = {
      torch::tensor({rows.size(0)}, torch::kInt64).to(impl_->device)};
  std::vector<std::vector<torch::Tensor>> counts_out(1);
  for (int rank = 0; rank < size_; ++rank)
    counts_out[0].push_back(torch::empty({1}, wire.dtype(torch::kInt64)));
  impl_->wait(impl_->group->allgather(counts_out, count_in));
  std::vector<std::int64_t> counts;
  for (const auto& count : counts_out[0]) counts.push_back(count.item<std::int64_t>());
  const std::int64_t most = *std::max_element(counts.begin(), counts.end());
  if (most == 0) return std::vector<torch::Tensor>(static_cast<std::size_t>(size_), rows);

  std::vector<std::int64_t> padded_shape = rows.sizes().vec();
  padded_shape[0] = most;
  torch::Tensor padded = torch::zeros(padded_shape, rows.options().device(impl_->device));
  padded.slice(0, 0, rows.size(0)).copy_(rows);
  std::vector<torch::Tensor> part_in = {padded};
  std::vector<std::vector<torch::Tensor>> parts_out(1);
  for (int rank = 0; rank < size_; ++rank) parts_out[0].push_back(torch::empty_like(padded));
  impl_->wait(impl_->group->allgather(parts_out, part_in));
  std::vector<torch::Tensor> parts;
  for (int rank = 0; rank < size_; ++rank)
    parts.push_back(parts_out[0][static_cast<std::size_t>(rank)]
                        .slice(0, 0, counts[static_cast<std::size_t>(rank)])
                        .to(rows.device()));
  return parts;
}

namespace {

// Text as the uint8 tensor collectives carry, and back.
torch::Tensor bytes_of(const std::string& text) {
  torch::Tensor bytes = torch::empty({static_cast<std::int64_t>(text.size())}, torch::kUInt8);
  std::copy(text.begin(), text.end(), bytes.data_ptr<std::uint8_t>());
  return bytes;
}

std::string text_of(const torch::Tensor& bytes) {
  const torch::Tensor host = bytes.cpu().contiguous();
  const auto* begin = host.data_ptr<std::uint8_t>();
  return std::string(begin, begin + host.numel());
}

}  // namespace

std::vector<std::string> ProcessGroup::all_gather_text(const std::string& text) {
  std::vector<std::string> texts;
  for (const auto& part : all_gather_rows(bytes_of(text))) texts.push_back(text_of(part));
  return texts;
}

std::string ProcessGroup::share_text_from_rank0(const std::string& text) {
  return text_of(share_from_rank0(bytes_of(text)));
}

std::int64_t ProcessGroup::broadcast_value(std::int64_t value) {
  std::vector<torch::Tensor> one = {impl_->on_wire(torch::tensor({value}, torch::kInt64))};
  impl_->wait(impl_->group->broadcast(one));
  return one[0].item<std::int64_t>();  // on a GPU: waits for the broadcast
}

torch::Tensor ProcessGroup::share_from_rank0(const torch::Tensor& tensor) {
  // Its dtype and shape first, then its values into a tensor of that shape (on rank 0's device
  // for Gloo, back on the host for NCCL).
  std::vector<std::int64_t> header;
  if (rank_ == 0) {
    header.push_back(static_cast<std::int64_t>(tensor.scalar_type()));
    header.push_back(tensor.dim());
    for (const auto size : tensor.sizes()) header.push_back(size);
  }
  header.resize(2 + 16, 0);
  std::vector<torch::Tensor> head = {impl_->on_wire(torch::tensor(header, torch::kInt64))};
  impl_->wait(impl_->group->broadcast(head));
  const torch::Tensor shape = head[0].cpu();
  const auto* values = shape.data_ptr<std::int64_t>();
  XP_ASSERT(values[1] <= 16, "share_from_rank0: a tensor of more than 16 dimensions");
  std::vector<torch::Tensor> body = {
      rank_ == 0 ? impl_->on_wire(tensor.contiguous())
                 : torch::empty(std::vector<std::int64_t>(values + 2, values + 2 + values[1]),
                                torch::TensorOptions()
                                    .dtype(static_cast<torch::ScalarType>(values[0]))
                                    .device(impl_->device))};
  impl_->wait(impl_->group->broadcast(body));
  return impl_->device.is_cpu() ? body[0] : body[0].cpu();
}

void ProcessGroup::barrier() {
  // NCCL's own barrier guesses each rank's GPU; a one-value all-reduce read back on the host is a
  // barrier on either backend.
  if (impl_->device.is_cpu()) {
    impl_->wait(impl_->group->barrier());
    return;
  }
  std::vector<torch::Tensor> one = {
      torch::zeros({1}, torch::TensorOptions().device(impl_->device))};
  impl_->wait(impl_->group->allreduce(one));
  (void)one[0].item<float>();
}

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl, int rank, int size)
    : impl_(std::move(impl)), rank_(rank), size_(size) {}

ProcessGroup::~ProcessGroup() = default;

}  // namespace xp::dist
