// fastai 0.7's classifier head (ConvnetBuilder; shared/reference/fastai.md §4.1):
//
//   [BatchNorm1d(ni) → Dropout(ps[i]) → Linear(ni, h_i) → ReLU] for each h_i in xtra_fc,
//   BatchNorm1d(ni) → Dropout(ps[-1]) → Linear(ni, classes) → the task's activation
//
// The activation is LogSoftmax for single-label classification, Sigmoid for multi-label, none for
// regression (task.h).
// A dropout of 0 omits the Dropout layer, as fastai does. Linear layers get Kaiming-normal weights
// and zero bias; BatchNorm keeps PyTorch's default init.
#pragma once

#include <torch/nn/modules/container/sequential.h>

#include <vector>

#include "core/models/task.h"

namespace xp::models {

struct HeadOptions {
  int in_features = 1024;  // 2 × body channels (concat pooling)
  int classes = 2;
  std::vector<int> xtra_fc = {512};
  std::vector<double> dropout = {0.25, 0.5};  // one per block: xtra_fc.size() + 1 values
  Task task = Task::kSingleLabel;
};

// Builds the head as a Sequential ending in the task's activation.
torch::nn::Sequential make_head(const HeadOptions& options);

}  // namespace xp::models
