#include "core/pipeline/export_run.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "core/models/batch_norm.h"
#include "core/models/traced_module.h"
#include "core/models/weights/h5.h"
#include "core/models/zoo.h"
#include "core/util/atomic_file.h"
#include "core/util/build_info.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

using Json = nlohmann::ordered_json;

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// Each layer of the head as torch.nn would construct it.
Json head_layout(torch::nn::Sequential& head) {
  namespace nn = torch::nn;
  Json layers = Json::array();
  for (const auto& module : head->children()) {
    if (auto* norm = module->as<models::BatchNorm1d>()) {
      layers.push_back({{"type", "BatchNorm1d"},
                        {"num_features", norm->features},
                        {"eps", norm->eps},
                        {"momentum", norm->momentum}});
    } else if (auto* dropout = module->as<nn::Dropout>()) {
      layers.push_back({{"type", "Dropout"}, {"p", dropout->options.p()}});
    } else if (auto* linear = module->as<nn::Linear>()) {
      layers.push_back({{"type", "Linear"},
                        {"in_features", linear->options.in_features()},
                        {"out_features", linear->options.out_features()}});
    } else if (module->as<nn::ReLU>()) {
      layers.push_back({{"type", "ReLU"}});
    } else if (module->as<nn::LogSoftmax>()) {
      layers.push_back({{"type", "LogSoftmax"}, {"dim", 1}});
    } else if (module->as<nn::Sigmoid>()) {
      layers.push_back({{"type", "Sigmoid"}});
    } else {
      XP_ASSERT(false, "a head layer export does not know: ", module->name());
    }
  }
  return layers;
}

std::string body_description(const models::ArchDescriptor& arch) {
  if (arch.family == models::Family::kTorchScript)
    return "the TorchScript module the run's model.weights named";
  if (arch.family == models::Family::kResNet)
    return str_cat("torchvision.models.", arch.name,
                   "() without avgpool and fc: ", "nn.Sequential(*list(model.children())[:-2])");
  return str_cat("torchvision.models.", arch.name, "().features");
}

std::string output_kind(models::Task task) {
  switch (task) {
    case models::Task::kSingleLabel:
      return "log_probabilities";
    case models::Task::kMultiLabel:
      return "probabilities";
    case models::Task::kRegression:
      break;
  }
  return "values";
}

// The network traced at the run's input size, saved with the metadata as its extra file.
void write_torchscript(TrainedRun& run, const nlohmann::ordered_json& metadata,
                       const std::filesystem::path& file) {
  const int64_t size = run.inference.preprocess.size;
  // Any values do: the trace records the operations, not the numbers. Two images, so that no
  // operation sees a batch of one.
  const torch::Tensor example = torch::zeros({2, 3, size, size});
  models::Classifier& model = run.model;
  const torch::jit::Module traced = models::trace_module(
      *model, [&model](torch::Tensor images) { return model->forward(images); }, example,
      "XpClassifier");
  write_via_temp(file, [&](const std::string& temp) {
    traced.save(temp, {{kTorchScriptMetadataFile, metadata.dump(2)}});
  });
}

// The string metadata of .pth and .safetensors: texts as they are, lists and numbers as JSON.
models::StringMetadata as_strings(const Json& metadata) {
  models::StringMetadata strings;
  for (const auto& [key, value] : metadata.items())
    strings.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  return strings;
}

}  // namespace

models::StateDict export_tensors(TrainedRun& run) {
  models::StateDict state;
  for (auto& [name, tensor] : models::state_dict_of(*run.model).tensors) {
    if (starts_with(name, "body."))
      state.tensors.emplace_back(name.substr(5), std::move(tensor));
    else
      state.tensors.emplace_back(name, std::move(tensor));  // "head.<i>.<tensor>"
  }
  return state;
}

Json export_metadata(TrainedRun& run) {
  const models::ArchDescriptor& arch = run.model->arch();
  const auto& preprocess = run.inference.preprocess;
  Json metadata = {
      {"format", "xp-classifier/1"},
      {"arch", std::string(arch.name)},
      {"body", body_description(arch)},
      {"pool", "torch.cat([adaptive_max_pool2d(x, 1), adaptive_avg_pool2d(x, 1)], 1).flatten(1)"},
      {"head", head_layout(run.model->head)},
      {"output", output_kind(run.task)},
      {"task", std::string(models::task_name(run.task))},
      {"classes", run.classes},
      {"input_size", preprocess.size},
      {"mean", preprocess.mean},
      {"std", preprocess.std},
      {"transform",
       "fastai 0.7's validation transform: RGB; shorter side scaled to input_size with "
       "cv2.INTER_AREA (each side floor(side * ratio)); centre crop input_size x input_size "
       "starting at ceil((side - input_size) / 2); pixels / 255, then (x - mean) / std"},
  };
  if (run.threshold) metadata["threshold"] = *run.threshold;
  metadata["xp_version"] = build_info().version;
  // The run's own folder name, also when it was named through results/<name>/latest.
  metadata["run"] = std::filesystem::weakly_canonical(run.folder).filename().string();
  return metadata;
}

void export_run(TrainedRun& run, ExportFormat format, const std::filesystem::path& file) {
  const Json metadata = export_metadata(run);
  if (format == ExportFormat::kTorchScript) {
    write_torchscript(run, metadata, file);
    return;
  }
  if (run.model->arch().family == models::Family::kTorchScript)
    throw ModelError(
        "xp export: this run's body is a TorchScript module (model.arch: torchscript), whose "
        "tensor names are its own, not torchvision's; export it with --format torchscript");
  const models::StateDict tensors = export_tensors(run);
  if (format == ExportFormat::kPth)
    models::write_pth(file, tensors, as_strings(metadata));
  else
    models::write_safetensors(file, tensors, as_strings(metadata));
}

}  // namespace xp::pipeline
