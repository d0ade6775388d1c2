// A finished run folder as a model to use (`xp predict`, `xp export`): fastai's load_learner. The
// network is rebuilt from the folder's recipe.yaml and loaded with its model.h5; the classes and
// target come from run.json; the inference settings are those the run's last stage used — the
// image size and batch size after its `resize` stages, the normalization, the training
// augmentation and the last `tta` stage's passes for TTA, the precision. Nothing outside the
// folder is read (the data and the pretrained weights the run started from may be gone), except
// the TorchScript file of an `arch: torchscript` body, which holds the body's code.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/models/classifier.h"
#include "core/models/task.h"
#include "core/recipe/recipe.h"
#include "core/train/inference.h"
#include "core/train/tta.h"

namespace xp::pipeline {

struct TrainedRun {
  std::filesystem::path folder;
  recipe::Recipe recipe;
  std::vector<std::string> classes;  // column order of the network's outputs
  models::Task task = models::Task::kSingleLabel;
  // Multi-label: the F2-best threshold the run's last predict or tta stage found; none without one.
  std::optional<double> threshold;
  std::filesystem::path weights;  // model.h5, or the checkpoint asked for
  models::Classifier model{nullptr};
  train::InferenceOptions inference;  // on the device asked for, or the best available
  train::TtaOptions tta;              // the last tta stage's n_aug and beta, else fastai's default
};

// `device`: "auto", "cpu", "cuda" or "cuda:N" (a missing GPU is refused). `checkpoint`: a name of
// the run's checkpoints/ to load instead of model.h5 ("" = model.h5). A run trained in fp16 (GPU
// only) is predicted in fp32 on the CPU. Throws UserError naming the folder and the missing or
// damaged file (no model.h5: the run did not complete) and ModelError for weights that do not fit.
TrainedRun open_trained_run(const std::filesystem::path& folder, const std::string& device = "auto",
                            const std::string& checkpoint = "");

// The image size and batch size in effect after the recipe's last stage: data.size and
// data.batch_size, changed by each `resize` stage.
std::pair<int, int> final_size_and_batch(const recipe::Recipe& recipe);

}  // namespace xp::pipeline
