#include "core/train/loss_readout.h"

#include <torch/torch.h>

#include "core/util/error.h"

namespace xp::train {

LossReadout::LossReadout(std::int64_t every) : every_(every) {
  XP_ASSERT(every >= 1, "LossReadout reads at least one loss at a time, got ", every);
}

void LossReadout::add(const torch::Tensor& loss, std::int64_t batch_index,
                      std::int64_t batch_size) {
  pending_.push_back(loss.detach().reshape({}));  // a view: no work on the device
  meta_.push_back({0.0, batch_index, batch_size});
}

std::vector<LossReadout::Read> LossReadout::take() {
  std::vector<Read> reads = std::move(meta_);
  meta_.clear();
  if (pending_.empty()) return reads;
  // One stack, one conversion, one transfer: the one wait for the device.
  const torch::Tensor values = torch::stack(pending_).to(torch::kFloat64).cpu();
  pending_.clear();
  const double* host = values.data_ptr<double>();
  for (std::size_t idx = 0; idx < reads.size(); ++idx) reads[idx].loss = host[idx];
  return reads;
}

std::int64_t loss_readout_interval(bool on_gpu) {
  // ResNet-34 steps take tens of milliseconds on a GPU: 10 of them are well under a second, as
  // often as the progress bar redraws.
  return on_gpu ? 10 : 1;
}

}  // namespace xp::train
