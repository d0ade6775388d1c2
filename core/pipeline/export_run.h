// `xp export RUN_FOLDER --format pth|safetensors --out FILE`: a trained run's network for PyTorch
// users (fastai's learn.export, in PyTorch's own formats). The body's tensors carry torchvision's
// names ("conv1.weight", "layer1.0.bn1.running_mean"), so a torchvision model of the same
// architecture loads them; the head's are "head.<i>.<tensor>" of an nn.Sequential that the
// metadata describes layer by layer. The metadata (strings; lists and numbers as JSON) says
// everything else a PyTorch script needs to give xp's predictions:
//
//   format       "xp-classifier/1"
//   arch         torchvision's name ("resnet34"); body: which part of that model the body is
//   pool         the concat pooling between body and head: [adaptive max, adaptive avg], flattened
//   head         [{"type": "BatchNorm1d", "num_features": 1024}, {"type": "Dropout", "p": 0.5},
//                 {"type": "Linear", "in_features": 1024, "out_features": 3}, {"type": "LogSoftmax"}]
//   output       what the head's last layer gives: log_probabilities | probabilities | values
//   task, classes (JSON list, output column order), threshold (multi-label, when the run found one)
//   input_size, mean, std (JSON lists, RGB, for pixels scaled to [0, 1]), transform
//   xp_version, run (the run folder's name)
//
// README.md ("Using a trained model") has the PyTorch code that rebuilds the network from it.
//
// `--format torchscript` writes the whole network instead — body, concat pooling and head, traced
// in eval mode (models/traced_module.h) — as a TorchScript archive that torch::jit::load (C++) and
// torch.jit.load (Python) run without xp or torchvision, the same metadata as JSON in its extra
// file "metadata.json". Its tensors keep xp's names ("body.conv1.weight", "head.2.weight").
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/models/weights/write.h"
#include "core/pipeline/export_format.h"
#include "core/pipeline/trained_run.h"

namespace xp::pipeline {

// The tensors as written: body under torchvision's names, head under "head.".
models::StateDict export_tensors(TrainedRun& run);
// The metadata above as one JSON object: lists and numbers as JSON values (the .pth and
// .safetensors files hold them as JSON text, the TorchScript archive's metadata.json as they are).
nlohmann::ordered_json export_metadata(TrainedRun& run);

// The extra file of a TorchScript export that holds the metadata, as one JSON object.
inline constexpr const char* kTorchScriptMetadataFile = "metadata.json";

// Writes `run`'s network to `file` (atomically). Throws ModelError for a TorchScript body in the
// pth and safetensors formats (its names are the script's, not torchvision's): torchscript takes it.
void export_run(TrainedRun& run, ExportFormat format, const std::filesystem::path& file);

}  // namespace xp::pipeline
