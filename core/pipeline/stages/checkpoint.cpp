// Stages `save` and `load`: fastai's learn.save(name) / learn.load(name) — the whole network's
// weights and BatchNorm statistics as an HDF5 checkpoint in the run folder (checkpoints/<name>.h5,
// the model.h5 format: one dataset per state-dict key, readable with h5py). Which layer groups are
// frozen is not part of a checkpoint, as in fastai.
//
//   - save: "224"      # learn.save('224')
//   - load: "224"      # learn.load('224'): back to the weights saved under that name in this run
#include <algorithm>

#include "core/models/weights/h5.h"
#include "core/pipeline/registry.h"
#include "core/report/console.h"
#include "core/report/run_folder.h"
#include "core/train/learner.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

class SaveStage : public Stage {
 public:
  explicit SaveStage(std::string name) : name_(std::move(name)) {}
  std::string describe() const override { return str_cat("weights → checkpoints/", name_, ".h5"); }
  void run(StageContext& context) override { save_checkpoint(context, name_); }

 private:
  std::string name_;
};

class LoadStage : public Stage {
 public:
  explicit LoadStage(std::string name) : name_(std::move(name)) {}
  std::string describe() const override { return str_cat("weights ← checkpoints/", name_, ".h5"); }
  void run(StageContext& context) override {
    const auto path = report::checkpoint_path(context.folder, name_);
    if (!std::filesystem::exists(path))
      throw UserError(str_cat("load: no checkpoint '", name_, "' in this run (", path.string(),
                              "); an earlier stage must `save: ", name_, "`"));
    models::load_state_dict(*context.learner.model(), models::read_h5(path.string()),
                            path.string());
    context.console.line(str_cat("load     ", path.string()));
  }

 private:
  std::string name_;
};

// `save: 224` names the checkpoint "224", as fastai's learn.save(f'{sz}') does.
std::string checkpoint_name(const recipe::Node& params) {
  return params.json().is_string() ? params.string() : std::to_string(params.integer());
}

std::unique_ptr<Stage> create_save(const recipe::Node& params, PlanContext& context,
                                   std::vector<recipe::Diagnostic>&) {
  context.saved_checkpoints.push_back(checkpoint_name(params));
  return std::make_unique<SaveStage>(context.saved_checkpoints.back());
}

// A load needs an earlier save of that name: found by `xp check`, not hours into a run.
std::unique_ptr<Stage> create_load(const recipe::Node& params, PlanContext& context,
                                   std::vector<recipe::Diagnostic>& errors) {
  const std::string name = checkpoint_name(params);
  const auto& saved = context.saved_checkpoints;
  if (std::find(saved.begin(), saved.end(), name) == saved.end()) {
    errors.push_back(params.error(
        str_cat("no earlier `save: ", name, "` stage in this recipe",
                saved.empty() ? std::string() : str_cat(" (saved before it: ", join(saved), ")"))));
    return nullptr;
  }
  return std::make_unique<LoadStage>(name);
}

}  // namespace

std::filesystem::path save_checkpoint(StageContext& context, const std::string& name) {
  const auto path = report::checkpoint_path(context.folder, name);
  std::filesystem::create_directories(path.parent_path());
  models::write_h5(path, models::state_dict_of(*context.learner.model()));
  context.console.line(str_cat("save     ", path.string()));
  return path;
}

const StageDescriptor& save_stage_descriptor() {
  static const StageDescriptor descriptor{
      "save", "learn.save(name): the network's weights as checkpoints/<name>.h5.", "save: \"224\"",
      &create_save};
  return descriptor;
}

const StageDescriptor& load_stage_descriptor() {
  static const StageDescriptor descriptor{
      "load", "learn.load(name): the weights an earlier `save: name` stage wrote.", "load: \"224\"",
      &create_load};
  return descriptor;
}

}  // namespace xp::pipeline
