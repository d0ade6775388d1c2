// Per-batch training losses read back from the device in groups. Reading one loss on the host
// (Tensor::item) waits until the GPU has run everything queued before it: doing that after every
// batch would keep the host from queueing batch k+1 while the GPU runs batch k. The learner queues
// each batch's loss here and reads `every` of them with one transfer. On the CPU nothing runs
// ahead of the host, and `every` is 1.
//
//   LossReadout readout(every);
//   readout.add(loss, batch.index, batch_size);
//   if (readout.due()) for (const auto& read : readout.take()) use(read.loss);
//   ...
//   for (const auto& read : readout.take()) use(read.loss);  // the rest, at the epoch's end
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace xp::train {

class LossReadout {
 public:
  struct Read {
    double loss = 0;
    std::int64_t batch_index = 0;
    std::int64_t batch_size = 0;
  };

  explicit LossReadout(std::int64_t every);

  // A batch's loss: a scalar tensor on any device, not yet read.
  void add(const torch::Tensor& loss, std::int64_t batch_index, std::int64_t batch_size);
  bool due() const { return static_cast<std::int64_t>(pending_.size()) >= every_; }
  // Losses queued and not yet read.
  std::int64_t pending() const { return static_cast<std::int64_t>(pending_.size()); }
  // Every queued loss, read in one transfer, in the order added; the queue is left empty.
  std::vector<Read> take();

 private:
  std::int64_t every_;
  std::vector<torch::Tensor> pending_;
  std::vector<Read> meta_;  // loss not yet filled in
};

// How many losses the learner reads at a time: on the CPU 1; on a GPU a few, about a
// progress-bar refresh's worth of batches.
std::int64_t loss_readout_interval(bool on_gpu);

}  // namespace xp::train
