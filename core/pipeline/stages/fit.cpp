// Stage `fit`: fastai 0.7's learn.fit(lr, cycles, cycle_len=…, cycle_mult=…).
//
//   - fit: {lr: 1e-2, cycles: 3, cycle_len: 1}                 # learn.fit(1e-2, 3, cycle_len=1)
//   - fit: {lr: [1e-4, 1e-3, 1e-2], cycles: 3, cycle_len: 1, cycle_mult: 2}
#include <cstdio>

#include "core/pipeline/registry.h"
#include "core/train/learner.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

std::string format_lr(const std::vector<double>& lr) {
  std::vector<std::string> parts;
  for (double value : lr) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    parts.emplace_back(buffer);
  }
  return parts.size() == 1 ? parts[0] : "[" + join(parts) + "]";
}

class FitStage : public Stage {
 public:
  explicit FitStage(train::FitOptions options) : options_(std::move(options)) {}

  std::int64_t epochs() const override { return train::total_epochs(options_.schedule); }

  std::string describe() const override {
    const auto& schedule = options_.schedule;
    std::string text = str_cat("lr=", format_lr(options_.lr), " ", train::to_string(schedule.kind),
                               " cycles=", schedule.cycles);
    if (schedule.kind == train::ScheduleKind::kSgdr)
      text += str_cat(" cycle_len=", schedule.cycle_len, " cycle_mult=", schedule.cycle_mult);
    return text;
  }

  void run(StageContext& context) override { context.learner.fit(options_, context.observer); }

 private:
  train::FitOptions options_;
};

std::unique_ptr<Stage> create(const recipe::Node& params, PlanContext& context,
                              std::vector<recipe::Diagnostic>& errors) {
  train::FitOptions options;
  const std::size_t errors_before = errors.size();
  options.lr = params["lr"].numbers();
  if (options.lr.size() != 1 && options.lr.size() != static_cast<std::size_t>(context.layer_groups))
    errors.push_back(params["lr"].error(str_cat("has ", options.lr.size(), " values but the model has ",
                                                context.layer_groups, " layer groups; give one value or ",
                                                context.layer_groups)));
  auto& schedule = options.schedule;
  schedule.cycles = static_cast<int>(params["cycles"].integer());
  schedule.cycle_mult = static_cast<int>(params["cycle_mult"].integer());
  const bool has_cycle_len = params.has("cycle_len");
  schedule.cycle_len = has_cycle_len ? static_cast<int>(params["cycle_len"].integer()) : 1;
  // fastai: SGDR when cycle_len is given, a constant LR otherwise.
  const std::string kind = params.has("schedule") ? params["schedule"].string() : (has_cycle_len ? "sgdr" : "constant");
  schedule.kind = kind == "sgdr" ? train::ScheduleKind::kSgdr : train::ScheduleKind::kConstant;
  if (schedule.kind == train::ScheduleKind::kConstant && schedule.cycle_mult != 1)
    errors.push_back(params["cycle_mult"].error("cycle_mult only applies to the sgdr schedule (set cycle_len)"));
  options.momentum = params["momentum"].number();
  options.wd = params["wd"].number();
  if (errors.size() != errors_before) return nullptr;
  return std::make_unique<FitStage>(std::move(options));
}

}  // namespace

const StageDescriptor& fit_stage_descriptor() {
  static const StageDescriptor descriptor{
      "fit", "Train with SGD + momentum and fastai 0.7's schedule (constant, or SGDR with cycle_len/cycle_mult).",
      "fit: {lr: 0.01, cycles: 3, cycle_len: 1}", &create};
  return descriptor;
}

}  // namespace xp::pipeline
