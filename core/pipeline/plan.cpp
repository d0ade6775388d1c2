#include "core/pipeline/plan.h"

#include "core/data/augment.h"

#include "core/dist/backends.h"
#include "core/models/classifier.h"
#include "core/recipe/node.h"
#include "core/train/device.h"
#include "core/train/fused_step.h"
#include "core/util/build_info.h"
#include "core/util/strings.h"

namespace xp::pipeline {

std::int64_t Plan::total_epochs() const {
  std::int64_t total = 0;
  for (const auto& planned : stages) total += planned.stage->epochs();
  return total;
}

std::string Plan::describe() const {
  const auto& data = recipe.data;
  std::string out = str_cat("recipe  ", recipe.doc.path(), "  (name: ", recipe.run.name,
                            ", seed: ", recipe.run.seed, ")\n");
  std::string splits = str_cat("train=", data.train, " valid=", data.valid);
  if (data.source == data::Source::kCsv) {
    const auto& csv = data.csv;
    splits = str_cat("labels=", csv.labels, " images=", data.train, "/<id>", csv.suffix, " valid=",
                     csv.valid_ids.empty() && csv.valid_ids_file.empty()
                         ? str_cat("get_cv_idxs(valid_pct=", csv.valid_pct, ", cv_idx=", csv.cv_idx,
                                   ", seed=", csv.valid_seed, ")")
                         : std::string("valid_ids"));
  }
  if (!data.test.empty()) splits += " test=" + data.test;
  if (data.target != data::Target::kAuto) splits += " target=" + data::target_name(data.target);
  out += str_cat(
      "data    ", data::source_name(data.source), " ", data.path, "  ", splits,
      "  size=", data.size, " batch_size=", data.batch_size,
      data.augment.preset == data::AugmentPreset::kNone
          ? std::string()
          : "  augment=" + data::augment_preset_name(data.augment.preset),
      data.augment.max_zoom > 1.0 ? str_cat(" max_zoom=", data.augment.max_zoom) : std::string(),
      "\n");
  out += str_cat("model   ", recipe.model.arch,
                 " + fastai head (xtra_fc=", recipe.model.xtra_fc.size(), " hidden, ",
                 models::ClassifierImpl::kLayerGroups, " layer groups)\n");
  out += "stages\n";
  for (const auto& planned : stages) {
    const std::int64_t epochs = planned.stage->epochs();
    out += str_cat("  [", planned.index, "] ", planned.type, "  ", planned.stage->describe());
    if (epochs > 0) out += str_cat("  → ", epochs, epochs == 1 ? " epoch" : " epochs");
    out += "\n";
  }
  out += str_cat("total   ", total_epochs(), total_epochs() == 1 ? " epoch" : " epochs");
  return out;
}

std::vector<recipe::Diagnostic> Plan::training_refusals(int ranks) const {
  std::vector<recipe::Diagnostic> refusals;
  const recipe::Node root(recipe.doc.root(), recipe::KeyPath(), recipe.doc);
  const int gpus = train::visible_gpus();
  const std::string device = train::device_unavailable(recipe.run.device, gpus, train::cuda_built(),
                                                       build_info().libtorch);
  const train::Device resolved = train::resolve_device(recipe.run.device, gpus);
  const std::string data_parallel =
      train::data_parallel_unavailable(resolved, ranks, dist::nccl_built());
  if (!device.empty())
    refusals.push_back(root["device"].error(
        str_cat("'", root["device"].string(), "' is not available: ", device)));
  else if (!data_parallel.empty())
    refusals.push_back(root["device"].error(data_parallel));
  const std::string precision =
      train::precision_unavailable(recipe.run.compute.precision, resolved);
  if (device.empty() && !precision.empty()) refusals.push_back(root["precision"].error(precision));
  const std::string fused = train::fused_step_unavailable(recipe.run.compute.fused_optimizer);
  if (!fused.empty()) refusals.push_back(root["fused_optimizer"].error(fused));
  return refusals;
}

void require_trainable(const Plan& plan, int ranks) {
  std::vector<recipe::Diagnostic> refusals = plan.training_refusals(ranks);
  if (!refusals.empty()) throw recipe::RecipeError(std::move(refusals), plan.recipe.doc.sources());
}

Plan make_plan(recipe::Recipe recipe, const StageRegistry& registry) {
  Plan plan{std::move(recipe), {}, {}};
  std::vector<recipe::Diagnostic> errors;
  PlanContext context;
  context.layer_groups = models::ClassifierImpl::kLayerGroups;
  const auto& data = plan.recipe.data;
  // fastai's ConvLearner.pretrained freezes all but the head (engine.h build_model).
  context.frozen_groups = plan.recipe.model.weights.empty() ? 0 : context.layer_groups - 1;
  context.size = data.size;
  context.resize_cache = data.resize_cache;
  context.max_zoom = data.augment.max_zoom;
  context.augment = data.augment.preset != data::AugmentPreset::kNone;
  context.has_test = !data.test.empty();
  for (std::size_t idx = 0; idx < plan.recipe.stages.size(); ++idx) {
    const auto& entry = plan.recipe.stages[idx];
    const recipe::Node params = plan.recipe.node(entry.path);
    const StageDescriptor* descriptor = registry.find(entry.type);
    if (descriptor == nullptr) {
      // The schema knows every registered type; reaching here means the two disagree.
      errors.push_back(params.error(
          str_cat("unknown stage type '", entry.type, "' (known: ", join(registry.names()), ")"),
          true));
      continue;
    }
    auto stage = descriptor->create(params, context, errors);
    if (stage)
      plan.stages.push_back(
          {static_cast<int>(idx), entry.type, descriptor->version, std::move(stage),
           plan.recipe.doc.sources().where(plan.recipe.doc.locate(entry.path, true))});
  }
  if (!errors.empty()) throw recipe::RecipeError(errors, plan.recipe.doc.sources());
  plan.warnings = std::move(context.warnings);
  return plan;
}

std::vector<std::string> Plan::rendered_warnings() const {
  std::vector<std::string> out;
  for (const auto& warning : warnings) out.push_back(recipe::render(warning, recipe.doc.sources()));
  return out;
}

}  // namespace xp::pipeline
