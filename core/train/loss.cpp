#include "core/train/loss.h"

#include <torch/torch.h>

namespace xp::train {

torch::Tensor task_loss(models::Task task, const torch::Tensor& outputs,
                        const torch::Tensor& targets) {
  switch (task) {
    case models::Task::kSingleLabel:
      return torch::nll_loss(outputs, targets);
    case models::Task::kMultiLabel:
      return torch::binary_cross_entropy(outputs, targets.to(outputs.dtype()));
    case models::Task::kRegression:
      return torch::l1_loss(outputs, targets.to(outputs.dtype()));
  }
  return {};
}

}  // namespace xp::train
