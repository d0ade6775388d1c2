// The process group of a data-parallel job (issue #17): PyTorch's own c10d, not a protocol of
// xp's — the ranks meet through c10d's TCPStore on the launcher's MASTER_ADDR:MASTER_PORT (rank 0
// serves it) and talk through c10d's ProcessGroupGloo on the CPU, ProcessGroupNCCL on CUDA (one
// GPU per rank; host tensors travel through it). Gloo is there when the build found its headers
// (Debian: libgloo-dev, which Debian's LibTorch links; PyPI's LibTorch carries Gloo inside
// libtorch_cpu but not its headers, and builds against Debian's); NCCL with a CUDA LibTorch 2.x
// and NCCL's header (dist/nccl_backend.h). `gloo_built()`, `nccl_built()` say so, and connect()
// refuses a backend the build lacks.
//
//   const auto group = ProcessGroup::connect(dist::launch_env(), std::chrono::seconds(60));
//   group->broadcast_from_rank0(weights);    // every rank starts from rank 0's weights
//   group->allreduce_mean(gradients);        // DDP's gradient average
#pragma once

#include <c10/core/Device.h>
#include <torch/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/dist/backends.h"
#include "core/dist/launch_env.h"
#include "core/util/error.h"

namespace xp::dist {

// A collective failed because a rank stopped answering (killed, failed, its machine gone); the
// message names the lost ranks — those whose heartbeat in the store stood still.
class RankLost : public Error {
 public:
  using Error::Error;
};

// A collective under way (c10d's Work): wait() blocks until this rank's part of it is done, and
// rethrows its failure.
class PendingCollective {
 public:
  PendingCollective() = default;
  explicit PendingCollective(std::function<void()> wait) : wait_(std::move(wait)) {}
  void wait() {
    if (wait_) std::exchange(wait_, nullptr)();
  }

 private:
  std::function<void()> wait_;
};

class ProcessGroup {
 public:
  // Meets the other ranks of `env`, over Gloo for `device` CPU and NCCL for a GPU (this rank's
  // own). Throws UserError naming MASTER_ADDR:MASTER_PORT when the store cannot be reached (or
  // served) within `timeout`, when the group does not form, or when this build lacks the backend.
  // `timeout` bounds each collective; a rank whose heartbeat stands still for `silence_limit`
  // (dist/heartbeat.h) ends every collective sooner, with a RankLost naming it.
  static std::unique_ptr<ProcessGroup> connect(
      const LaunchEnv& env, std::chrono::milliseconds timeout,
      std::chrono::milliseconds silence_limit = std::chrono::seconds(60),
      c10::Device device = c10::kCPU);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  std::string backend() const;  // "gloo" | "nccl"
  // The RankLost message for a rank gone silent, "" while every rank shows life: what an error
  // that a lost rank caused indirectly (a CUDA call failing once NCCL was aborted) really means.
  std::string lost_contact() const;
  // This rank has done its last collective (dist/heartbeat.h): the others no longer watch it.
  void sign_off();
  // Every rank's `tensors` become rank 0's (in place).
  void broadcast_from_rank0(std::vector<torch::Tensor>& tensors);
  // Every rank's `tensors` become the mean over the ranks (in place): DDP's gradient average.
  void allreduce_mean(std::vector<torch::Tensor>& tensors);
  // `tensor` becomes the sum over the ranks, in place, once the returned collective is waited for:
  // what lets gradient buckets travel while backward computes the next ones.
  PendingCollective allreduce_sum_async(torch::Tensor& tensor);
  void allreduce_sum(torch::Tensor& tensor) { allreduce_sum_async(tensor).wait(); }
  // Every rank's `rows` (the same shape but for dim 0, host tensors), in rank order.
  std::vector<torch::Tensor> all_gather_rows(const torch::Tensor& rows);
  // Every rank's `text`, in rank order (host names, failure messages).
  std::vector<std::string> all_gather_text(const std::string& text);
  // Rank 0's `value` on every rank: a decision rank 0 alone can make (a cache hit) that every rank
  // must follow, for all to run the same collectives.
  std::int64_t broadcast_value(std::int64_t value);
  // Rank 0's host tensor, whatever its shape and dtype, on every rank (the others' `tensor` is
  // ignored): data rank 0 alone read.
  torch::Tensor share_from_rank0(const torch::Tensor& tensor);
  // Rank 0's `text` (any bytes) on every rank: files rank 0 alone read.
  std::string share_text_from_rank0(const std::string& text);
  void barrier();

 private:
  struct Impl;
  ProcessGroup(std::unique_ptr<Impl> impl, int rank, int size);
  std::unique_ptr<Impl> impl_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace xp::dist
