#include <algorithm>
#include <filesystem>

#include "core/data/augment.h"
#include "core/recipe/schema.h"
#include "core/recipe/sections.h"
#include "core/util/strings.h"

namespace xp::recipe {

namespace fs = std::filesystem;

namespace {

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

}  // namespace

std::string resolve_near_recipe(const std::string& written, const std::string& recipe_path) {
  if (fs::path(written).is_absolute() || fs::exists(written)) return written;
  const fs::path beside = fs::path(recipe_path).parent_path() / written;
  return fs::exists(beside) ? beside.string() : written;
}

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

namespace {

// The csv source's keys; those with defaults have them from the schema's csv branch.
data::CsvOptions resolve_csv(const Node& data) {
  data::CsvOptions csv;
  csv.labels = data["labels"].string();  // required under csv (check_data_paths)
  if (data.has("label_column")) csv.label_column = data["label_column"].string();
  csv.label_separator = data["label_separator"].string();
  csv.suffix = data["suffix"].string();
  csv.valid_pct = data["valid_pct"].number();
  csv.cv_idx = static_cast<int>(data["cv_idx"].integer());
  csv.valid_seed = static_cast<std::uint32_t>(data["valid_seed"].integer());
  if (data.has("valid_ids")) {
    if (data["valid_ids"].json().is_string())
      csv.valid_ids_file = data["valid_ids"].string();
    else
      csv.valid_ids = list_of<std::string>(data["valid_ids"]);
  }
  return csv;
}

}  // namespace

data::DataOptions resolve_data(const Node& data, const std::string& recipe_path,
                               std::vector<Diagnostic>& errors) {
  data::DataOptions d;
  d.source = data::parse_source(data["source"].string());  // one of the schema's enum
  d.path = resolve_near_recipe(data["path"].string(), recipe_path);
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
  if (d.source == data::Source::kCsv) d.csv = resolve_csv(data);
  return d;
}

}  // namespace xp::recipe
