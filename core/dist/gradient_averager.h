// DDP's gradient average for one training step of a data-parallel job (issue #17), as PyTorch's
// DistributedDataParallel Reducer does it: the parameters are put in buckets in the reverse of
// their order (about the order backward produces their gradients), each bucket one flat tensor of
// at most 25 MiB (the first 1 MiB, so that communication starts early); as backward hands a
// parameter its gradient, a hook copies it into its bucket, and a full bucket's all-reduce starts
// at once, on Gloo's threads, while backward computes the next ones. finish() waits for them and
// writes the ranks' mean back into every parameter's .grad.
//
//   GradientAverager average(group, optimizer.parameters());   // one per optimizer
//   loss.backward();
//   average.finish();                                           // .grad: the ranks' mean
//   optimizer.step();
//
// A parameter backward reaches more than once (shared weights) or not at all is handled in
// finish(), from its .grad: correct, without the overlap.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/dist/process_group.h"

namespace xp::dist {

inline constexpr std::int64_t kFirstBucketBytes = std::int64_t{1} << 20;  // DDP's defaults
inline constexpr std::int64_t kBucketBytes = std::int64_t{25} << 20;

class GradientAverager {
 public:
  // `parameters`: the ones the optimizer steps (leaf tensors that require gradients).
  GradientAverager(ProcessGroup& group, std::vector<torch::Tensor> parameters,
                   std::int64_t bucket_bytes = kBucketBytes,
                   std::int64_t first_bucket_bytes = kFirstBucketBytes);
  ~GradientAverager();  // removes its hooks
  GradientAverager(const GradientAverager&) = delete;
  GradientAverager& operator=(const GradientAverager&) = delete;

  // After backward: waits for every bucket's all-reduce; each parameter's .grad is the mean of the
  // ranks' gradients. Readies the buckets for the next backward.
  void finish();
  std::size_t buckets() const { return buckets_.size(); }

 private:
  struct Slot {
    std::size_t bucket = 0;
    std::int64_t offset = 0;  // in the bucket's flat tensor
    int arrivals = 0;         // gradients the hook saw in this backward
  };
  struct Bucket {
    torch::Tensor flat;
    std::vector<std::size_t> parameters;  // indices into parameters_
    std::size_t arrived = 0;              // parameters with at least one gradient so far
    bool launched = false;
    bool stale = false;  // a gradient arrived after the all-reduce started: redo from .grad
    PendingCollective reduction;
  };
  void on_gradient(std::size_t parameter, const torch::Tensor& gradient);
  torch::Tensor slot_view(std::size_t parameter);
  void launch(Bucket& bucket);

  ProcessGroup& group_;
  std::vector<torch::Tensor> parameters_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  std::vector<unsigned> hooks_;
  std::mutex mutex_;  // hooks may run on autograd's device threads
};

}  // namespace xp::dist
