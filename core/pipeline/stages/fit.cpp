// Stage `fit`: fastai 0.7's learn.fit(lr, cycles, cycle_len=…, cycle_mult=…), and fastai v2's
// fit_one_cycle and optimizers as options.
//
//   - fit: {lr: 1e-2, cycles: 3, cycle_len: 1}                 # learn.fit(1e-2, 3, cycle_len=1)
//   - fit: {lr: [1e-4, 1e-3, 1e-2], cycles: 3, cycle_len: 1, cycle_mult: 2}
//   - fit: {lr: 1e-2, cycles: 1, precompute: true}             # the head alone, on cached activations
//   - fit: {lr: 1e-3, schedule: one_cycle, cycle_len: 5, optimizer: adamw, wd: 0.01}  # fit_one_cycle(5)
#include "core/pipeline/precompute.h"
#include "core/pipeline/registry.h"
#include "core/report/run_folder.h"
#include "core/train/learner.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

std::string format_lr(const std::vector<double>& lr) {
  std::vector<std::string> parts;
  for (double value : lr) parts.push_back(str_printf("%g", value));
  return parts.size() == 1 ? parts[0] : "[" + join(parts) + "]";
}

class FitStage : public Stage {
 public:
  FitStage(train::FitOptions options, bool snapshots)
      : options_(std::move(options)), snapshots_(snapshots) {}

  std::int64_t epochs() const override { return train::total_epochs(options_.schedule); }

  std::string describe() const override {
    const auto& schedule = options_.schedule;
    std::string text = str_cat("lr=", format_lr(options_.lr), " ", train::to_string(schedule.kind));
    if (schedule.kind != train::ScheduleKind::kOneCycle)
      text += str_cat(" cycles=", schedule.cycles);
    if (schedule.kind == train::ScheduleKind::kSgdr)
      text += str_cat(" cycle_len=", schedule.cycle_len, " cycle_mult=", schedule.cycle_mult);
    if (schedule.kind == train::ScheduleKind::kOneCycle)
      text += str_cat(" cycle_len=", schedule.cycle_len,
                      str_printf(" pct_start=%g div=%g", schedule.pct_start, schedule.div));
    const auto& optimizer = options_.optimizer;
    if (optimizer.kind != train::OptimizerKind::kSgd)
      text += " " + train::to_string(optimizer.kind);
    if (optimizer.wd > 0)
      text += str_printf(" wd=%g%s", optimizer.wd,
                         optimizer.wd_mode == train::WeightDecay::kDecoupled ? " decoupled" : "");
    if (snapshots_) text += " snapshots";
    if (options_.precompute) text += " precompute";
    return text;
  }

  void run(StageContext& context) override {
    if (options_.precompute) ensure_precomputed(context);
    train::FitOptions options = options_;
    if (snapshots_) {
      // fastai 0.7's cycle_save_name: the weights at the end of every cycle, for snapshot ensembles.
      options.on_cycle_end = [&context](int cycle) {
        save_checkpoint(context, report::snapshot_name(context.stage_index, cycle));
      };
    }
    options.on_progress = context.on_fit_progress;
    options.resume = context.resume_fit;
    context.learner.fit(options, context.observer);
  }

 private:
  train::FitOptions options_;
  bool snapshots_ = false;
};

std::unique_ptr<Stage> create(const recipe::Node& params, PlanContext& context,
                              std::vector<recipe::Diagnostic>& errors) {
  train::FitOptions options;
  const std::size_t errors_before = errors.size();
  options.lr = params["lr"].numbers();
  if (const std::string mismatch = train::per_group_mismatch(
          options.lr.size(), static_cast<std::size_t>(context.layer_groups));
      !mismatch.empty())
    errors.push_back(params["lr"].error(mismatch));
  auto& schedule = options.schedule;
  schedule.cycles = static_cast<int>(params["cycles"].integer());
  schedule.cycle_mult = static_cast<int>(params["cycle_mult"].integer());
  const bool has_cycle_len = params.has("cycle_len");
  schedule.cycle_len = has_cycle_len ? static_cast<int>(params["cycle_len"].integer()) : 1;
  // fastai: SGDR when cycle_len is given, a constant LR otherwise.
  const std::string kind =
      params.has("schedule") ? params["schedule"].string() : (has_cycle_len ? "sgdr" : "constant");
  schedule.kind = kind == "sgdr"        ? train::ScheduleKind::kSgdr
                  : kind == "one_cycle" ? train::ScheduleKind::kOneCycle
                                        : train::ScheduleKind::kConstant;
  // fastai 0.7 accepts fit(lr, 3, cycle_mult=2) without cycle_len: no SGDR, but sum_geom(1, 2, 3) = 7
  // epochs at the constant LR. Accepted the same way, with a warning, since it is rarely meant.
  if (schedule.kind == train::ScheduleKind::kConstant && schedule.cycle_mult != 1 && !has_cycle_len)
    context.warnings.push_back(params["cycle_mult"].warning(str_cat(
        "without cycle_len there is no SGDR: as in fastai 0.7, cycle_mult only sets the length, ",
        str_printf("%.0f", train::total_epochs_unbounded(schedule)),
        " epochs at a constant LR; add cycle_len: 1 for cosine cycles")));
  else if (schedule.kind != train::ScheduleKind::kSgdr && schedule.cycle_mult != 1)
    errors.push_back(
        params["cycle_mult"].error("cycle_mult only applies to the sgdr schedule (set cycle_len)"));
  if (schedule.kind == train::ScheduleKind::kOneCycle) {
    // fit_one_cycle(n_epoch): one cycle of cycle_len epochs.
    if (schedule.cycles != 1)
      errors.push_back(
          params["cycles"].error("one_cycle is a single cycle of cycle_len epochs; set cycles: 1"));
    // fastai v2's defaults live in ScheduleOptions (not the schema, so that setting one of these
    // keys under another schedule can be told apart from a default and reported).
    if (params.has("pct_start")) schedule.pct_start = params["pct_start"].number();
    if (params.has("div")) schedule.div = params["div"].number();
    if (params.has("div_final")) schedule.div_final = params["div_final"].number();
    if (params.has("moms")) {
      const std::vector<double> moms = params["moms"].numbers();
      schedule.moms = {moms[0], moms[1], moms[2]};
    }
  } else {
    for (const char* key : {"pct_start", "div", "div_final", "moms"})
      if (params.has(key))
        errors.push_back(params[key].error("applies to schedule: one_cycle only"));
  }
  auto& optimizer = options.optimizer;
  optimizer.kind = train::parse_optimizer(params["optimizer"].string());
  optimizer.momentum = params["momentum"].number();
  optimizer.wd = params["wd"].number();
  optimizer.wd_mode = optimizer.kind == train::OptimizerKind::kAdamW
                          ? train::WeightDecay::kDecoupled
                          : train::WeightDecay::kL2;
  if (params.has("wd_mode")) {
    optimizer.wd_mode = train::parse_weight_decay(params["wd_mode"].string());
    if (optimizer.kind == train::OptimizerKind::kAdamW &&
        optimizer.wd_mode == train::WeightDecay::kL2)
      errors.push_back(params["wd_mode"].error(
          "adamw's weight decay is decoupled by definition; use adam for L2"));
  }
  if (const double epochs = train::total_epochs_unbounded(schedule);
      epochs > static_cast<double>(train::kMaxEpochsPerFit))
    errors.push_back(params[has_cycle_len ? "cycle_len" : "cycles"].error(
        str_cat("cycles ", schedule.cycles, ", cycle_len ", schedule.cycle_len, " and cycle_mult ",
                schedule.cycle_mult, " make ", str_printf("%.3g", epochs),
                " epochs; a fit has at most ", train::kMaxEpochsPerFit)));
  const bool snapshots = params["snapshots"].json().get<bool>();
  options.precompute = parse_precompute(params, context, errors);
  if (errors.size() != errors_before) return nullptr;
  return std::make_unique<FitStage>(std::move(options), snapshots);
}

}  // namespace

const StageDescriptor& fit_stage_descriptor() {
  static const StageDescriptor descriptor{"fit",
                                          "Train with SGD + momentum and fastai 0.7's schedule "
                                          "(constant, or SGDR with cycle_len/cycle_mult).",
                                          "fit: {lr: 0.01, cycles: 3, cycle_len: 1}", &create};
  return descriptor;
}

}  // namespace xp::pipeline
