#include "core/models/head.h"

#include <torch/torch.h>

#include "core/models/batch_norm.h"

#include "core/util/error.h"

namespace xp::models {

torch::nn::Sequential make_head(const HeadOptions& options) {
  namespace nn = torch::nn;
  XP_CHECK(options.dropout.size() == options.xtra_fc.size() + 1, "model.dropout needs ",
           options.xtra_fc.size() + 1, " values (one per head block), got ",
           options.dropout.size());
  nn::Sequential head;
  int in = options.in_features;
  auto add_block = [&](int out, double dropout) {
    head->push_back(BatchNorm1d(in));
    if (dropout > 0) head->push_back(nn::Dropout(dropout));
    nn::Linear linear(in, out);
    nn::init::kaiming_normal_(linear->weight, 0.0, torch::kFanIn, torch::kReLU);
    nn::init::zeros_(linear->bias);
    head->push_back(linear);
    in = out;
  };
  for (std::size_t idx = 0; idx < options.xtra_fc.size(); ++idx) {
    add_block(options.xtra_fc[idx], options.dropout[idx]);
    head->push_back(nn::ReLU());
  }
  add_block(options.classes, options.dropout.back());
  switch (options.task) {
    case Task::kSingleLabel:
      head->push_back(nn::LogSoftmax(1));
      break;
    case Task::kMultiLabel:
      head->push_back(nn::Sigmoid());
      break;
    case Task::kRegression:
      break;
  }
  return head;
}

}  // namespace xp::models
