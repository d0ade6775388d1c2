// The loss of each task, fastai 0.7's _get_crit (shared/reference/fastai.md §4.1). The head has
// already applied the task's activation (log-softmax or sigmoid), so these are the plain losses.
#pragma once

#include <torch/types.h>

#include "core/models/task.h"

namespace xp::train {

// Mean loss over the batch. `outputs` is the head's output in fp32.
torch::Tensor task_loss(models::Task task, const torch::Tensor& outputs,
                        const torch::Tensor& targets);

}  // namespace xp::train
