// `xp predict RUN_FOLDER PATH…`: a trained run's predictions for new images, fastai's
// learn.predict over many files — the run's validation transform (and with TTA its augmented
// passes, combined as its tta stage combines them), its weights and classes, on the device asked
// for. Files that cannot be read are listed and left out; the rest are predicted.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/pipeline/trained_run.h"

namespace xp::pipeline {

struct PredictRequest {
  std::vector<std::string> files;  // data::list_image_inputs
  bool tta = false;
  int top = 1;                 // single-label: classes per image, best first
  int batch_size = 0;          // 0: the run's last batch size
  double progress_every = 10;  // seconds between progress lines on `log`
};

struct UnreadableFile {
  std::string path;
  std::string reason;
};

struct PredictOutcome {
  std::string csv;  // report::image_predictions_csv, header included
  std::int64_t predicted = 0;
  std::vector<UnreadableFile> unreadable;
  double seconds = 0;  // decoding and the network, all passes
  int passes = 1;
};

// Predicts `request.files` with `run`; progress lines go to `log`. Throws UserError when no file
// could be read.
PredictOutcome predict_images(TrainedRun& run, const PredictRequest& request, std::ostream& log);

}  // namespace xp::pipeline
