#include <algorithm>
#include <array>
#include <filesystem>

#include "core/models/weights/formats.h"
#include "core/recipe/sections.h"
#include "core/util/strings.h"

namespace xp::recipe {

namespace fs = std::filesystem;

// A weights file must exist and have a format xp reads.
void check_weights_path(const Document& doc, std::vector<Diagnostic>& errors) {
  const Json& root = doc.root();
  if (!root.contains("model") || !root["model"].is_object()) return;
  const Json& model = root["model"];
  if (!model.contains("weights") || !model["weights"].is_string()) return;
  const KeyPath path = KeyPath().child("model").child("weights");
  const std::string file = resolve_near_recipe(model["weights"].get<std::string>(), doc.path());
  const std::string extension = fs::path(file).extension().string();
  const auto& supported = models::weight_file_extensions();
  if (std::find(supported.begin(), supported.end(), extension) == supported.end())
    errors.push_back(
        doc.diagnostic(path, str_cat("'model.weights': unsupported file type '", extension,
                                     "' (supported: ", join(supported), ")")));
  else if (std::error_code error; !fs::exists(file, error))
    errors.push_back(
        doc.diagnostic(path, str_cat("'model.weights': file '", file, "' does not exist")));
  else if (!fs::is_regular_file(file, error))
    errors.push_back(doc.diagnostic(
        path, str_cat("'model.weights': '", file, "' is ",
                      fs::is_directory(file, error) ? "a folder" : "not a regular file",
                      "; name the weights file")));
}

models::ModelOptions resolve_model(const Node& model, Json& written, const std::string& recipe_path,
                                   std::vector<Diagnostic>& errors) {
  models::ModelOptions options;
  options.arch = model["arch"].string();
  if (model.has("dropout")) options.dropout = model["dropout"].numbers();
  options.xtra_fc = list_of<int>(model["xtra_fc"]);
  options.train_bn = model["train_bn"].json().get<bool>();
  if (model.has("weights"))
    options.weights = resolve_near_recipe(model["weights"].string(), recipe_path);
  if (model.has("split_at")) options.split_at = model["split_at"].string();
  const auto triple = [](const Node& node) {
    const std::vector<double> values = node.numbers();
    return std::array<float, 3>{static_cast<float>(values[0]), static_cast<float>(values[1]),
                                static_cast<float>(values[2])};
  };
  if (model.has("mean")) options.mean = triple(model["mean"]);
  if (model.has("std")) options.std = triple(model["std"]);
  const bool torchscript = options.arch == "torchscript";
  if (torchscript && options.weights.empty())
    errors.push_back(model["arch"].error(
        "arch 'torchscript' needs model.weights: the TorchScript body (torch.jit.save)"));
  if (!torchscript && model.has("split_at"))
    errors.push_back(
        model["split_at"].error(str_cat("split_at applies to arch torchscript only; ", options.arch,
                                        " is split as fastai splits it (see `xp model`)")));
  // fastai broadcasts a scalar ps to every head block (ps=0.5 → [0.5, 0.5]); without ps it uses
  // 0.25 for each hidden block and 0.5 for the last, whatever xtra_fc is.
  const std::size_t blocks = options.xtra_fc.size() + 1;
  if (!model.has("dropout")) {
    options.dropout.assign(blocks - 1, 0.25);
    options.dropout.push_back(0.5);
    written["dropout"] = options.dropout;  // the resolved recipe shows it
  }
  if (options.dropout.size() == 1) options.dropout.assign(blocks, options.dropout[0]);
  if (options.dropout.size() != blocks)
    errors.push_back(model["dropout"].error(
        str_cat("expected ", blocks, " values (one per head block: xtra_fc has ", blocks - 1,
                " hidden layers, plus the output), got ", options.dropout.size())));

  return options;
}

}  // namespace xp::recipe
