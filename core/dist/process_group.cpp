#include "core/dist/process_group.h"

#include <torch/torch.h>

#if XP_HAVE_GLOO
// c10d compiles its Gloo process group only under this macro (PyTorch's build defines it).
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include <algorithm>
#include <cstdlib>

#include "core/util/error.h"

namespace xp::dist {

#if XP_HAVE_GLOO

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
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
  return std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(impl), env.rank, env.world_size));
}

void ProcessGroup::broadcast_from_rank0(std::vector<torch::Tensor>& tensors) {
  // c10d's broadcast takes one tensor per device, not a list of a model's tensors: one call each.
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one = {tensor};
    impl_->group->broadcast(one)->wait();
  }
}

void ProcessGroup::allreduce_mean(std::vector<torch::Tensor>& tensors) {
  // As broadcast: a list given to c10d is one tensor per device, reduced together.
  for (auto& tensor : tensors) {
    std::vector<torch::Tensor> one = {tensor};
    impl_->group->allreduce(one)->wait();
    tensor.div_(size_);
  }
}

PendingCollective ProcessGroup::allreduce_sum_async(torch::Tensor& tensor) {
  std::vector<torch::Tensor> one = {tensor};
  auto work = impl_->group->allreduce(one);
  return PendingCollective([work] { work->wait(); });
}

std::vector<torch::Tensor> ProcessGroup::all_gather_rows(const torch::Tensor& rows) {
  // Gloo gathers tensors of one shape: the row counts first, then every part padded to the
  // largest, cut back after.
  std::vector<torch::Tensor> count_in = {torch::tensor({rows.size(0)}, torch::kInt64)};
  std::vector<std::vector<torch::Tensor>> counts_out(1);
  for (int rank = 0; rank < size_; ++rank)
    counts_out[0].push_back(torch::empty({1}, torch::kInt64));
  impl_->group->allgather(counts_out, count_in)->wait();
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
  impl_->group->allgather(parts_out, part_in)->wait();
  std::vector<torch::Tensor> parts;
  for (int rank = 0; rank < size_; ++rank)
    parts.push_back(parts_out[0][static_cast<std::size_t>(rank)].slice(
        0, 0, counts_out[0][static_cast<std::size_t>(rank)].item<std::int64_t>()));
  return parts;
}

void ProcessGroup::barrier() { impl_->group->barrier()->wait(); }

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
void ProcessGroup::barrier() {}

#endif

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl, int rank, int size)
    : impl_(std::move(impl)), rank_(rank), size_(size) {}

ProcessGroup::~ProcessGroup() = default;

}  // namespace xp::dist
