#include "core/recipe/recipe.h"

#include "core/data/augment.h"
#include "core/models/weights/load.h"
#include "core/recipe/schema.h"
#include "core/util/strings.h"

#include <algorithm>

namespace xp::recipe {

namespace {

namespace fs = std::filesystem;

// Keys of the csv source (fastai's from_csv) that mean nothing to folders or idx.
constexpr const char* kCsvOnlyKeys[] = {"labels",     "label_column", "label_separator",
                                        "suffix",     "valid_pct",    "cv_idx",
                                        "valid_seed", "valid_ids"};

// A csv-only key, or a multi-label/regression target, under another source is a mistake: say so.
void check_not_csv(const Document& doc, const Json& data, std::vector<Diagnostic>& errors) {
  const KeyPath data_path = KeyPath().child("data");
  const Json& written = doc.root()["data"];
  const std::string source = data.value("source", "");
  for (const char* key : kCsvOnlyKeys)
    if (written.contains(key))
      errors.push_back(
          doc.diagnostic(data_path.child(key),
                         str_cat("'data.", key, "' applies to source csv only, not ", source)));
  const std::string target = data.value("target", "auto");
  if (target == "multi_label" || target == "regression")
    errors.push_back(
        doc.diagnostic(data_path.child("target"),
                       str_cat("'data.target': ", target, " labels come from a csv source; ",
                               source, " has one class per image")));
}

// Stage parameters may be written as `lr_find:` (null), `lr_find: {}` or a bare `- lr_find`: all mean
// "no parameters".
void normalize_stage_params(Json& root) {
  if (!root.contains("stages") || !root["stages"].is_array()) return;
  for (auto& stage : root["stages"]) {
    // `- unfreeze` reads like the fastai line it replaces; it means `- unfreeze: {}`.
    if (stage.is_string()) stage = Json::object({{stage.get<std::string>(), Json::object()}});
    if (!stage.is_object()) continue;
    for (auto& [type, params] : stage.items())
      if (params.is_null()) params = Json::object();
  }
}

// A relative path (data folder, weights file) is resolved against the recipe's folder when it is not found from the
// working directory, so `xp run recipes/x.yaml` works from the repository root and elsewhere.
std::string resolve_near_recipe(const std::string& written, const std::string& recipe_path) {
  if (fs::path(written).is_absolute() || fs::exists(written)) return written;
  const fs::path beside = fs::path(recipe_path).parent_path() / written;
  return fs::exists(beside) ? beside.string() : written;
}

// Checks that the data folder and its split files exist. Runs on the raw tree (defaults filled into
// a copy) even when the schema found problems, so a wrong path is reported with the other errors.
void check_data_paths(const Document& doc, std::vector<Diagnostic>& errors) {
  Json root = doc.root();
  Schema::builtin().apply_defaults(root);
  if (!root.contains("data") || !root["data"].is_object()) return;
  const Json& data = root["data"];
  if (!data.contains("path") || !data["path"].is_string()) return;
  const KeyPath data_path = KeyPath().child("data");
  const std::string folder = resolve_near_recipe(data["path"].get<std::string>(), doc.path());
  if (!fs::is_directory(folder)) {
    errors.push_back(doc.diagnostic(data_path.child("path"),
                                    str_cat("'data.path': folder '", folder, "' does not exist")));
    return;
  }
  // data.<key>, a path below data.path, must name an existing folder (or file). The error points
  // at the key when the recipe wrote it, else (a default) at data.path.
  const auto expect = [&](const char* key, bool is_folder, const char* what,
                          const char* hint = "") {
    if (!data.contains(key) || !data[key].is_string()) return;
    const fs::path target = fs::path(folder) / data[key].get<std::string>();
    if (is_folder ? fs::is_directory(target) : fs::is_regular_file(target)) return;
    const bool written = doc.root()["data"].contains(key);
    errors.push_back(doc.diagnostic(data_path.child(written ? key : "path"),
                                    str_cat("'data.", key, "': expected ", what, " '",
                                            target.string(), "'", hint, ", which does not exist")));
  };
  if (data.value("source", "") == "folders") {
    check_not_csv(doc, data, errors);
    for (const char* key : {"train", "valid", "test"})
      expect(key, true, "the folder", " (<path>/<split>/<class>/<image>)");
    return;
  }
  if (data.value("source", "") == "csv") {
    if (!data.contains("labels"))
      errors.push_back(doc.diagnostic(
          data_path.child("source"),
          "source csv needs data.labels: the labels CSV below data.path (id,labels rows)"));
    expect("labels", false, "the labels CSV");
    expect("train", true, "the folder of the CSV's images");
    expect("test", true, "the test folder");
    expect("valid_ids", false, "the file of validation ids");
    return;
  }
  if (data.value("source", "") != "idx") return;
  check_not_csv(doc, data, errors);
  for (const char* key : {"train", "valid"}) {
    if (!data.contains(key) || !data[key].is_string()) continue;
    const std::string prefix = data[key].get<std::string>();
    for (const char* kind : {"-images-idx3-ubyte.gz", "-labels-idx1-ubyte.gz"}) {
      const fs::path file = fs::path(folder) / (prefix + kind);
      if (fs::exists(file)) continue;
      // Point at the split key when the recipe wrote it, else at data.path.
      const bool written = doc.root()["data"].contains(key);
      errors.push_back(
          doc.diagnostic(data_path.child(written ? key : "path"),
                         str_cat("'data.", key, "': expected IDX file '", file.string(),
                                 "' (split '", prefix, "'), which does not exist")));
    }
  }
}

template <typename T>
std::vector<T> list_of(const Node& node) {
  std::vector<T> out;
  for (const auto& item : node.json()) out.push_back(item.get<T>());
  return out;
}

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

}  // namespace

Node Recipe::node(const KeyPath& path) const {
  const Json* value = &doc.root();
  for (const auto& element : path.elements())
    value = element.is_index ? &(*value)[element.index] : &(*value)[element.key];
  return Node(*value, path, doc);
}

Recipe parse_recipe_document(Document doc) {
  normalize_stage_params(doc.root());
  const Schema& schema = Schema::builtin();
  std::vector<Diagnostic> errors = schema.check(doc);
  check_data_paths(doc, errors);
  check_weights_path(doc, errors);
  if (!errors.empty()) throw RecipeError(errors, doc.sources());
  schema.apply_defaults(doc.root());

  Recipe recipe{std::move(doc), {}, {}, {}, {}};
  const Node root(recipe.doc.root(), KeyPath(), recipe.doc);
  recipe.run.name = root["name"].string();
  recipe.run.seed = static_cast<unsigned long long>(root["seed"].integer());
  recipe.run.threads = static_cast<int>(root["threads"].integer());
  // The schema allows only the words these read.
  recipe.run.device = train::parse_device(root["device"].string());
  recipe.run.compute.precision = train::parse_precision(root["precision"].string());
  recipe.run.compute.channels_last = root["channels_last"].json().get<bool>();

  const Node data = root["data"];
  auto& d = recipe.data;
  d.source = data::parse_source(data["source"].string());  // one of the schema's enum
  d.path = resolve_near_recipe(data["path"].string(), recipe.doc.path());
  d.train = data["train"].string();
  d.valid = data["valid"].string();
  if (data.has("test")) d.test = data["test"].string();
  d.on_bad_image = data["on_bad_image"].string() == "skip" ? data::BadImagePolicy::kSkip
                                                           : data::BadImagePolicy::kError;
  d.max_image_pixels = data["max_image_pixels"].integer();
  if (data.has("classes")) d.classes = list_of<std::string>(data["classes"]);
  d.size = static_cast<int>(data["size"].integer());
  d.augment = {data::parse_augment_preset(data["augment"].string()), data["max_zoom"].number()};
  d.batch_size = static_cast<int>(data["batch_size"].integer());
  d.workers = static_cast<int>(data["workers"].integer());
  d.reduced_decode = data["reduced_decode"].json().get<bool>();
  if (data.has("resize_cache")) {
    d.resize_cache = static_cast<int>(data["resize_cache"].integer());
    const double needed = d.size * d.augment.max_zoom;
    if (d.resize_cache < needed)
      errors.push_back(data["resize_cache"].error(
          str_cat("is smaller than the ", needed, " pixels the transform needs (size ", d.size,
                  " × max_zoom ", d.augment.max_zoom, "); cached images would be scaled back up")));
    if (d.source == data::Source::kIdx)
      errors.push_back(data["resize_cache"].error(
          "applies to image files (folders, csv); idx images are in memory"));
  }
  if (data.has("train_limit")) d.train_limit = data["train_limit"].integer();
  if (data.has("valid_limit")) d.valid_limit = data["valid_limit"].integer();
  if (data.has("keep_classes")) {
    const recipe::Node keep = data["keep_classes"];
    for (std::size_t idx = 0; idx < keep.size(); ++idx) {
      const std::string name = keep.json()[idx].get<std::string>();
      // idx data names its classes in the recipe: check them here, with a position.
      if (!d.classes.empty() &&
          std::find(d.classes.begin(), d.classes.end(), name) == d.classes.end())
        errors.push_back(
            keep.error(str_cat("'", name, "' is not one of data.classes (", join(d.classes), ")")));
      d.keep_classes.push_back(name);
    }
  }
  d.target = data::parse_target(data["target"].string());
  auto& csv = d.csv;
  if (data.has("labels")) csv.labels = data["labels"].string();
  if (data.has("label_column")) csv.label_column = data["label_column"].string();
  // csv-only keys have no schema defaults (a resolved idx recipe would list them); CsvOptions has them.
  if (data.has("label_separator")) csv.label_separator = data["label_separator"].string();
  if (data.has("suffix")) csv.suffix = data["suffix"].string();
  if (data.has("valid_pct")) csv.valid_pct = data["valid_pct"].number();
  if (data.has("cv_idx")) csv.cv_idx = static_cast<int>(data["cv_idx"].integer());
  if (data.has("valid_seed"))
    csv.valid_seed = static_cast<std::uint32_t>(data["valid_seed"].integer());
  if (data.has("valid_ids")) {
    if (data["valid_ids"].json().is_string())
      csv.valid_ids_file = data["valid_ids"].string();
    else
      csv.valid_ids = list_of<std::string>(data["valid_ids"]);
  }

  const Node model = root["model"];
  recipe.model.arch = model["arch"].string();
  if (model.has("dropout")) recipe.model.dropout = model["dropout"].numbers();
  recipe.model.xtra_fc = list_of<int>(model["xtra_fc"]);
  recipe.model.train_bn = model["train_bn"].json().get<bool>();
  if (model.has("weights"))
    recipe.model.weights = resolve_near_recipe(model["weights"].string(), recipe.doc.path());
  if (model.has("split_at")) recipe.model.split_at = model["split_at"].string();
  const auto triple = [](const Node& node) {
    const std::vector<double> values = node.numbers();
    return std::array<float, 3>{static_cast<float>(values[0]), static_cast<float>(values[1]),
                                static_cast<float>(values[2])};
  };
  if (model.has("mean")) recipe.model.mean = triple(model["mean"]);
  if (model.has("std")) recipe.model.std = triple(model["std"]);
  const bool torchscript = recipe.model.arch == "torchscript";
  if (torchscript && recipe.model.weights.empty())
    errors.push_back(model["arch"].error(
        "arch 'torchscript' needs model.weights: the TorchScript body (torch.jit.save)"));
  if (!torchscript && model.has("split_at"))
    errors.push_back(model["split_at"].error(
        str_cat("split_at applies to arch torchscript only; ", recipe.model.arch,
                " is split as fastai splits it (see `xp model`)")));
  // fastai broadcasts a scalar ps to every head block (ps=0.5 → [0.5, 0.5]); without ps it uses
  // 0.25 for each hidden block and 0.5 for the last, whatever xtra_fc is.
  const std::size_t blocks = recipe.model.xtra_fc.size() + 1;
  if (!model.has("dropout")) {
    recipe.model.dropout.assign(blocks - 1, 0.25);
    recipe.model.dropout.push_back(0.5);
    recipe.doc.root()["model"]["dropout"] = recipe.model.dropout;  // the resolved recipe shows it
  }
  if (recipe.model.dropout.size() == 1)
    recipe.model.dropout.assign(blocks, recipe.model.dropout[0]);
  if (recipe.model.dropout.size() != blocks)
    errors.push_back(model["dropout"].error(
        str_cat("expected ", blocks, " values (one per head block: xtra_fc has ", blocks - 1,
                " hidden layers, plus the output), got ", recipe.model.dropout.size())));

  const KeyPath stages_path = KeyPath().child("stages");
  const Json& stages = recipe.doc.root()["stages"];
  for (std::size_t idx = 0; idx < stages.size(); ++idx)
    for (const auto& [type, unused] : stages[idx].items())
      recipe.stages.push_back({type, stages_path.child(idx).child(type)});

  if (!errors.empty()) throw RecipeError(errors, recipe.doc.sources());
  return recipe;
}

Recipe load_recipe(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  return parse_recipe_document(Document::load(path, overrides));
}

Recipe parse_recipe(const std::string& name, const std::string& text,
                    const std::vector<std::string>& overrides) {
  return parse_recipe_document(Document::parse(name, text, overrides));
}

Document with_absolute_paths(const Recipe& recipe) {
  Document resolved = recipe.doc;
  resolved.root()["data"]["path"] =
      std::filesystem::absolute(recipe.data.path).lexically_normal().string();
  if (!recipe.model.weights.empty())
    resolved.root()["model"]["weights"] =
        std::filesystem::absolute(recipe.model.weights).lexically_normal().string();
  return resolved;
}

}  // namespace xp::recipe
