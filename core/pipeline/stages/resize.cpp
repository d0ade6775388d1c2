// Stage `resize`: fastai's progressive resizing, learn.set_data(get_data(sz, bs)) — the same
// images at a new size (and optionally batch size), the network kept. As fastai's
// ConvLearner.set_data, it then freezes every layer group but the head; unfreeze again to
// fine-tune the body at the new size.
//
//   - resize: {size: 299}                  # learn.set_data(get_data(299, bs))
//   - resize: {size: 299, batch_size: 32}
#include "core/models/classifier.h"
#include "core/pipeline/registry.h"
#include "core/report/console.h"
#include "core/train/learner.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

class ResizeStage : public Stage {
 public:
  ResizeStage(int size, int batch_size) : size_(size), batch_size_(batch_size) {}

  std::string describe() const override {
    return str_cat("size=", size_,
                   batch_size_ > 0 ? str_cat(" batch_size=", batch_size_) : std::string(),
                   ", then freeze (as fastai's set_data)");
  }

  void run(StageContext& context) override {
    auto& learner = context.learner;
    const int batch_size = batch_size_ > 0 ? batch_size_ : learner.options().batch_size;
    learner.set_data(size_, batch_size);
    learner.model()->freeze_to(models::ClassifierImpl::kLayerGroups - 1);
    context.console.line(str_cat("resize   images now ", size_, " px, batch size ", batch_size,
                                 "; head only trains"));
  }

 private:
  int size_;
  int batch_size_;  // 0 = keep
};

std::unique_ptr<Stage> create(const recipe::Node& params, PlanContext& context,
                              std::vector<recipe::Diagnostic>& errors) {
  const int size = static_cast<int>(params["size"].integer());
  const int batch_size =
      params.has("batch_size") ? static_cast<int>(params["batch_size"].integer()) : 0;
  const double needed = size * context.max_zoom;
  if (context.resize_cache > 0 && context.resize_cache < needed) {
    errors.push_back(
        params["size"].error(str_cat("size ", size, " needs images of at least ", needed,
                                     " px (size x max_zoom) but data.resize_cache shrinks them to ",
                                     context.resize_cache, "; raise data.resize_cache")));
    return nullptr;
  }
  context.size = size;
  context.frozen_groups = context.layer_groups - 1;
  return std::make_unique<ResizeStage>(size, batch_size);
}

}  // namespace

const StageDescriptor& resize_stage_descriptor() {
  static const StageDescriptor descriptor{"resize",
                                          "New image size (and batch size) for the same data, "
                                          "model kept, then freeze (learn.set_data).",
                                          "resize: {size: 299}", &create};
  return descriptor;
}

}  // namespace xp::pipeline
