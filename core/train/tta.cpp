#include "core/train/tta.h"

#include <torch/torch.h>

#include "core/util/error.h"

namespace xp::train {

torch::Tensor combine_tta(const torch::Tensor& plain, const std::vector<torch::Tensor>& augmented,
                          const TtaOptions& options) {
  XP_ASSERT(static_cast<int>(augmented.size()) == options.n_aug, "TTA: ", augmented.size(),
            " augmented passes for n_aug ", options.n_aug);
  if (augmented.empty()) return plain;
  const torch::Tensor augmented_mean = torch::stack(augmented).mean(0);
  if (options.beta) return (1 - *options.beta) * augmented_mean + *options.beta * plain;
  // fastai 0.7 repeats the plain pass ceil(n_aug / 4) times in the stack it returns.
  const std::int64_t plain_copies = (options.n_aug + 3) / 4;
  const auto total = static_cast<double>(plain_copies + options.n_aug);
  return (static_cast<double>(plain_copies) * plain +
          static_cast<double>(options.n_aug) * augmented_mean) /
         total;
}

}  // namespace xp::train
