// What the head predicts, as fastai 0.7's ConvnetBuilder(is_multi, is_reg) decides it
// (shared/reference/fastai.md §4.1): the head's last activation and the loss go together.
//
//   single_label  LogSoftmax  → NLL (= cross-entropy)     targets: class index per image (int64 [B])
//   multi_label   Sigmoid     → binary cross-entropy      targets: n-hot (float [B, C])
//   regression    none        → L1                        targets: values (float [B, C])
#pragma once

#include <string>
#include <string_view>

namespace xp::models {

enum class Task { kSingleLabel, kMultiLabel, kRegression };

std::string_view task_name(Task task);
// Parses "single_label" | "multi_label" | "regression"; throws ModelError otherwise.
Task parse_task(std::string_view name);

}  // namespace xp::models
