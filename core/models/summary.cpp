#include "core/models/summary.h"

#include <torch/torch.h>

#include <cstdio>

#include "core/util/error.h"

namespace xp::models {

namespace {

// 21797672 → "21,797,672"
std::string thousands(std::int64_t value) {
  std::string digits = std::to_string(value);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3)
    digits.insert(static_cast<std::size_t>(at), ",");
  return digits;
}

std::string triple(const std::array<float, 3>& values) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "[%.3f, %.3f, %.3f]", values[0], values[1], values[2]);
  return buffer;
}

}  // namespace

std::string summarize(ClassifierImpl& model, const SummaryContext& context) {
  const ArchDescriptor& arch = model.arch();
  std::string out = str_cat("model    ", arch.name, " — ", arch.summary, "\n");
  out += str_cat("input    3×", context.input_size, "×", context.input_size,
                 " RGB, normalized with mean ", triple(model.input_mean()), ", std ",
                 triple(model.input_std()), "\n");
  const int channels = model.body->feature_channels();
  out += str_cat("features ", 2 * channels, " (concat pooling of ", channels, " channels)\n");
  const auto body_groups = model.body->layer_group_text();
  const std::string group_modules[] = {body_groups[0], body_groups[1], "head"};
  out +=
      str_cat("weights  ",
              context.weights.empty() ? "random initialisation (torchvision's init, from the seed)"
                                      : context.weights,
              "\n");
  out += str_cat("frozen   ",
                 model.frozen_groups() == 0 ? std::string("nothing")
                                            : str_cat("layer groups 0-", model.frozen_groups() - 1),
                 "\n\n");
  char line[512];
  std::snprintf(line, sizeof line, "%-6s %14s %14s  %s\n", "group", "parameters", "trainable",
                "modules");
  out += line;
  std::int64_t total = 0;
  std::int64_t total_trainable = 0;
  const auto groups = model.layer_groups();
  for (std::size_t group_idx = 0; group_idx < groups.size(); ++group_idx) {
    std::int64_t count = 0;
    std::int64_t trainable = 0;
    for (const auto& parameter : groups[group_idx]) {
      count += parameter.numel();
      if (parameter.requires_grad()) trainable += parameter.numel();
    }
    total += count;
    total_trainable += trainable;
    std::snprintf(line, sizeof line, "%-6zu %14s %14s  %s\n", group_idx, thousands(count).c_str(),
                  thousands(trainable).c_str(), group_modules[group_idx].c_str());
    out += line;
  }
  std::snprintf(line, sizeof line, "%-6s %14s %14s", "total", thousands(total).c_str(),
                thousands(total_trainable).c_str());
  out += line;
  return out;
}

}  // namespace xp::models
