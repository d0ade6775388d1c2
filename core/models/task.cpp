#include "core/models/task.h"

#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::models {

std::string_view task_name(Task task) {
  switch (task) {
    case Task::kSingleLabel:
      return "single_label";
    case Task::kMultiLabel:
      return "multi_label";
    case Task::kRegression:
      return "regression";
  }
  return "?";
}

Task parse_task(std::string_view name) {
  for (Task task : {Task::kSingleLabel, Task::kMultiLabel, Task::kRegression})
    if (task_name(task) == name) return task;
  throw ModelError(
      str_cat("unknown task '", name, "' (known: single_label, multi_label, regression)"));
}

}  // namespace xp::models
