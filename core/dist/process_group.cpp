#include "core/dist/process_group.h"

#include <torch/torch.h>

#if XP_HAVE_GLOO
// c10d compiles its Gloo process group only under this macro (PyTorch's build defines it).
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "core/util/error.h"

namespace xp::dist {

#if XP_HAVE_GLOO

namespace {

std::string alive_key(int rank) { return str_cat("xp/alive/", rank); }

// Every rank counts its heartbeats in the store, on a connection of its own, twice a second: when
// a collective fails, the ranks whose count stands still are the ones lost.
class Heartbeat {
 public:
  Heartbeat(const std::string& host, c10d::TCPStoreOptions options, int rank)
      : store_(c10::make_intrusive<c10d::TCPStore>(host, options)), key_(alive_key(rank)) {
    beat();  // before connect() returns: every rank has a count once the group exists
    thread_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!stopping_) {
        if (stopped_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; }))
          break;
        try {
          beat();
        } catch (const std::exception&) {
          return;  // the store (rank 0) is gone: the collectives say so
        }
      }
    });
  }
  ~Heartbeat() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    stopped_.notify_all();
    thread_.join();
  }

 private:
  void beat() {
    const std::string count = std::to_string(++count_);
    store_->set(key_, std::vector<std::uint8_t>(count.begin(), count.end()));
  }

  c10::intrusive_ptr<c10d::TCPStore> store_;
  std::string key_;
  std::uint64_t count_ = 0;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  std::unique_ptr<Heartbeat> heartbeat;
  int rank = 0;
  int size = 1;

  // Waits for `work`; a failure (a peer's connection closed, a timeout) becomes a RankLost naming
  // the ranks that stopped answering.
  template <typename Work>
  void wait(const Work& work) {
    try {
      work->wait();
    } catch (const std::exception& error) {
      throw RankLost(lost_message(error.what()));
    }
  }

  std::string lost_message(const std::string& error) {
    std::vector<int> lost;
    try {
      store->setTimeout(std::chrono::seconds(5));
      const auto counts = [&] {
        std::vector<std::string> seen(static_cast<std::size_t>(size));
        for (int other = 0; other < size; ++other) {
          if (other == rank || !store->check({alive_key(other)})) continue;
          const std::vector<std::uint8_t> value = store->get(alive_key(other));
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
    std::string ranks;
    for (const int other : lost) ranks += str_cat(ranks.empty() ? "" : ", ", other);
    return str_cat("rank ", rank, " of ", size, " lost contact with ",
                   lost.empty() ? std::string("another rank")
                                : str_cat(lost.size() == 1 ? "rank " : "ranks ", ranks),
                   lost.empty() ? "" : " (it stopped: killed, or failed — see its own error)",
                   "; the job cannot go on without it: ", error);
  }
};

bool gloo_built() { return true; }

namespace {

// Where this rank's Gloo connections listen, as torch.distributed chooses: GLOO_SOCKET_IFNAME's
// interface when set; loopback for a job on this machine alone (a rendezvous on 127.x or
// localhost); else the address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  if (master_addr == "localhost" || master_addr.rfind("127.", 0) == 0)
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

std::unique_ptr<ProcessGroup> ProcessGroup::connect(const LaunchEnv& env,
                                                    std::chrono::milliseconds timeout) {
  const std::string where = str_cat(env.master_addr, ":", env.master_port);
  auto impl = std::make_unique<Impl>();
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.master_port);
    options.isServer = env.rank == 0;
    options.numWorkers = static_cast<std::size_t>(env.world_size);
    options.waitWorkers = false;
    options.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    options.isServer = false;
    impl->heartbeat = std::make_unique<Heartbeat>(env.master_addr, options, env.rank);
  } catch (const std::exception& error) {
    throw UserError(str_cat("rank ", env.rank, " of ", env.world_size,
                            env.rank == 0 ? " cannot serve" : " cannot reach",
                            " the rendezvous store at ", where,
                            " (MASTER_ADDR:MASTER_PORT): ", error.what()));
  }
  try {
    auto options = c10d::ProcessGroupGloo::Options::create();
    options->timeout = timeout;
    options->devices.push_back(gloo_device(env.master_addr));
    impl->group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank, env.world_size, options);
  } catch (const std::exception& error) {
    throw UserError(str_cat("rank ", env.rank, " of ", env.world_size,
                            ": the Gloo process group did not form through ", where, ": ",
                            error.what()));
  }
  impl->rank = env.rank;
  impl->size = env.world_size;
  return std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(impl), env.rank, env.world_size));
}

void ProcessGroup::broadcast_from_rank0(std::vector<torch::Tensor>& tensors) {
  // c10d's broadcast takes one tensor per device, not a list of a model's tensors: one call each.
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one = {tensor};
    impl_->wait(impl_->group->broadcast(one));
  }
}

void ProcessGroup::allreduce_mean(std::vector<torch::Tensor>& tensors) {
  // As broadcast: a list given to c10d is one tensor per device, reduced together.
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one = {tensor};
    impl_->wait(impl_->group->allreduce(one));
    tensor.div_(size_);
  }
}

PendingCollective ProcessGroup::allreduce_sum_async(torch::Tensor& tensor) {
  std::vector<torch::Tensor> one = {tensor};
  auto work = impl_->group->allreduce(one);
  Impl* impl = impl_.get();
  return PendingCollective([impl, work] { impl->wait(work); });
}

std::vector<torch::Tensor> ProcessGroup::all_gather_rows(const torch::Tensor& rows) {
  // Gloo gathers tensors of one shape: the row counts first, then every part padded to the
  // largest, cut back after.
  std::vector<torch::Tensor> count_in = {torch::tensor({rows.size(0)}, torch::kInt64)};
  std::vector<std::vector<torch::Tensor>> counts_out(1);
  for (int rank = 0; rank < size_; ++rank)
    counts_out[0].push_back(torch::empty({1}, torch::kInt64));
  impl_->wait(impl_->group->allgather(counts_out, count_in));
  std::int64_t most = 0;
  for (const auto& count : counts_out[0]) most = std::max(most, count.item<std::int64_t>());
  if (most == 0) return std::vector<torch::Tensor>(static_cast<std::size_t>(size_), rows);

  std::vector<std::int64_t> padded_shape = rows.sizes().vec();
  padded_shape[0] = most;
  torch::Tensor padded = torch::zeros(padded_shape, rows.options());
  padded.slice(0, 0, rows.size(0)).copy_(rows);
  std::vector<torch::Tensor> part_in = {padded};
  std::vector<std::vector<torch::Tensor>> parts_out(1);
  for (int rank = 0; rank < size_; ++rank) parts_out[0].push_back(torch::empty_like(padded));
  impl_->wait(impl_->group->allgather(parts_out, part_in));
  std::vector<torch::Tensor> parts;
  for (int rank = 0; rank < size_; ++rank)
    parts.push_back(parts_out[0][static_cast<std::size_t>(rank)].slice(
        0, 0, counts_out[0][static_cast<std::size_t>(rank)].item<std::int64_t>()));
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
  const auto* begin = bytes.data_ptr<std::uint8_t>();
  return std::string(begin, begin + bytes.numel());
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
  std::vector<torch::Tensor> one = {torch::tensor({value}, torch::kInt64)};
  impl_->wait(impl_->group->broadcast(one));
  return one[0].item<std::int64_t>();
}

torch::Tensor ProcessGroup::share_from_rank0(const torch::Tensor& tensor) {
  // Its dtype and shape first, then its values into a tensor of that shape.
  std::vector<std::int64_t> header;
  if (rank_ == 0) {
    header.push_back(static_cast<std::int64_t>(tensor.scalar_type()));
    header.push_back(tensor.dim());
    for (const auto size : tensor.sizes()) header.push_back(size);
  }
  header.resize(2 + 16, 0);
  std::vector<torch::Tensor> head = {torch::tensor(header, torch::kInt64)};
  impl_->wait(impl_->group->broadcast(head));
  const auto* values = head[0].data_ptr<std::int64_t>();
  XP_ASSERT(values[1] <= 16, "share_from_rank0: a tensor of more than 16 dimensions");
  std::vector<torch::Tensor> body = {
      rank_ == 0 ? tensor.contiguous()
                 : torch::empty(std::vector<std::int64_t>(values + 2, values + 2 + values[1]),
                                static_cast<torch::ScalarType>(values[0]))};
  impl_->wait(impl_->group->broadcast(body));
  return body[0];
}

void ProcessGroup::barrier() { impl_->wait(impl_->group->barrier()); }

#else  // no Gloo headers in this build

struct ProcessGroup::Impl {};

bool gloo_built() { return false; }

std::unique_ptr<ProcessGroup> ProcessGroup::connect(const LaunchEnv&, std::chrono::milliseconds) {
  throw UserError(
      "this build of xp has no Gloo (c10d's CPU process group): install libgloo-dev "
      "(scripts/install-deps.sh) and build again");
}

void ProcessGroup::broadcast_from_rank0(std::vector<torch::Tensor>&) {}
void ProcessGroup::allreduce_mean(std::vector<torch::Tensor>&) {}
PendingCollective ProcessGroup::allreduce_sum_async(torch::Tensor&) { return {}; }
std::vector<torch::Tensor> ProcessGroup::all_gather_rows(const torch::Tensor& rows) {
  return {rows};
}
std::vector<std::string> ProcessGroup::all_gather_text(const std::string& text) { return {text}; }
std::int64_t ProcessGroup::broadcast_value(std::int64_t value) { return value; }
torch::Tensor ProcessGroup::share_from_rank0(const torch::Tensor& tensor) { return tensor; }
std::string ProcessGroup::share_text_from_rank0(const std::string& text) { return text; }
void ProcessGroup::barrier() {}

#endif

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl, int rank, int size)
    : impl_(std::move(impl)), rank_(rank), size_(size) {}

ProcessGroup::~ProcessGroup() = default;

}  // namespace xp::dist
