#include "core/recipe/recipe.h"

#include "core/recipe/schema.h"

namespace xp::recipe {

namespace {

namespace fs = std::filesystem;

// Stage parameters may be written as `lr_find:` (null) or `lr_find: {}`; both mean "no parameters".
void normalize_stage_params(Json& root) {
  if (!root.contains("stages") || !root["stages"].is_array()) return;
  for (auto& stage : root["stages"]) {
    if (!stage.is_object()) continue;
    for (auto& [type, params] : stage.items())
      if (params.is_null()) params = Json::object();
  }
}

// The data path is resolved against the recipe's folder when relative and not found from the
// working directory, so `xp run recipes/x.yaml` works from the repository root and elsewhere.
std::string resolve_data_path(const std::string& written, const std::string& recipe_path) {
  if (fs::path(written).is_absolute() || fs::exists(written)) return written;
  const fs::path beside = fs::path(recipe_path).parent_path() / written;
  return fs::exists(beside) ? beside.string() : written;
}

void check_data(const Node& data, data::DataOptions& options, std::vector<Diagnostic>& errors) {
  if (!fs::is_directory(options.path)) {
    errors.push_back(data["path"].error(str_cat("folder '", options.path, "' does not exist")));
    return;
  }
  if (options.source == "idx") {
    for (const auto& [key, prefix] : {std::pair{"train", options.train}, std::pair{"valid", options.valid}}) {
      for (const char* kind : {"-images-idx3-ubyte.gz", "-labels-idx1-ubyte.gz"}) {
        const fs::path file = fs::path(options.path) / (prefix + kind);
        if (!fs::exists(file)) {
          const bool written = data.has(key);
          const Node at = written ? data[key] : data["path"];
          errors.push_back(at.error(str_cat("expected IDX file '", file.string(), "' (split '", prefix,
                                            "'), which does not exist")));
        }
      }
    }
  }
}

template <typename T>
std::vector<T> list_of(const Node& node) {
  std::vector<T> out;
  for (const auto& item : node.json()) out.push_back(item.get<T>());
  return out;
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
  if (!errors.empty()) throw RecipeError(errors, doc.sources());
  schema.apply_defaults(doc.root());

  Recipe recipe{std::move(doc), {}, {}, {}, {}};
  const Node root(recipe.doc.root(), KeyPath(), recipe.doc);
  recipe.run.name = root["name"].string();
  recipe.run.seed = static_cast<unsigned long long>(root["seed"].integer());
  recipe.run.threads = static_cast<int>(root["threads"].integer());
  recipe.run.device = root["device"].string();

  const Node data = root["data"];
  auto& d = recipe.data;
  d.source = data["source"].string();
  d.path = resolve_data_path(data["path"].string(), recipe.doc.path());
  d.train = data["train"].string();
  d.valid = data["valid"].string();
  if (data.has("classes")) d.classes = list_of<std::string>(data["classes"]);
  d.size = static_cast<int>(data["size"].integer());
  d.batch_size = static_cast<int>(data["batch_size"].integer());
  d.workers = static_cast<int>(data["workers"].integer());
  if (data.has("train_limit")) d.train_limit = data["train_limit"].integer();
  if (data.has("valid_limit")) d.valid_limit = data["valid_limit"].integer();
  check_data(data, d, errors);

  const Node model = root["model"];
  recipe.model.arch = model["arch"].string();
  recipe.model.dropout = model["dropout"].numbers();
  recipe.model.xtra_fc = list_of<int>(model["xtra_fc"]);
  // fastai broadcasts a scalar ps to every head block (ps=0.5 → [0.5, 0.5]).
  const std::size_t blocks = recipe.model.xtra_fc.size() + 1;
  if (recipe.model.dropout.size() == 1) recipe.model.dropout.assign(blocks, recipe.model.dropout[0]);
  if (recipe.model.dropout.size() != blocks)
    errors.push_back(model["dropout"].error(str_cat("expected ", blocks, " values (one per head block: xtra_fc has ",
                                                    blocks - 1, " hidden layers, plus the output), got ",
                                                    recipe.model.dropout.size())));

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

}  // namespace xp::recipe
