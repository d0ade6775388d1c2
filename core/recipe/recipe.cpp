#include "core/recipe/recipe.h"

#include "core/recipe/schema.h"
#include "core/recipe/sections.h"

namespace xp::recipe {

namespace {

namespace fs = std::filesystem;

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

}  // namespace

RunSettings resolve_run(const Node& root) {
  RunSettings run;
  run.name = root["name"].string();
  run.seed = static_cast<unsigned long long>(root["seed"].integer());
  run.threads = static_cast<int>(root["threads"].integer());
  // The schema allows only the words these read.
  run.device = train::parse_device(root["device"].string());
  run.compute.precision = train::parse_precision(root["precision"].string());
  run.compute.channels_last = root["channels_last"].json().get<bool>();
  run.compute.deterministic = root["deterministic"].json().get<bool>();
  // No schema default: recipes without the key keep the stage keys they had.
  run.sync_bn = root.has("sync_bn") && root["sync_bn"].json().get<bool>();
  if (root.has("fused_optimizer"))
    run.compute.fused_optimizer = root["fused_optimizer"].json().get<bool>();
  return run;
}

Node Recipe::node(const KeyPath& path) const {
  const Json* value = &doc.root();
  for (const auto& element : path.elements())
    value = element.is_index ? &(*value)[element.index] : &(*value)[element.key];
  return Node(*value, path, doc);
}

Recipe parse_recipe_document(Document doc, bool check_paths) {
  normalize_stage_params(doc.root());
  const Schema& schema = Schema::builtin();
  std::vector<Diagnostic> errors = schema.check(doc);
  if (check_paths) {
    check_data_paths(doc, errors);
    check_weights_path(doc, errors);
  }
  if (!errors.empty()) throw RecipeError(errors, doc.sources());
  schema.apply_defaults(doc.root());

  Recipe recipe{std::move(doc), {}, {}, {}, {}};
  const Node root(recipe.doc.root(), KeyPath(), recipe.doc);
  recipe.run = resolve_run(root);
  recipe.data = resolve_data(root["data"], recipe.doc.path(), errors);
  recipe.model =
      resolve_model(root["model"], recipe.doc.root()["model"], recipe.doc.path(), errors);

  const KeyPath stages_path = KeyPath().child("stages");
  const Json& stages = recipe.doc.root()["stages"];
  for (std::size_t idx = 0; idx < stages.size(); ++idx)
    for (const auto& [type, unused] : stages[idx].items())
      recipe.stages.push_back({type, stages_path.child(idx).child(type)});

  if (!errors.empty()) throw RecipeError(errors, recipe.doc.sources());
  return recipe;
}

Recipe load_recipe(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  return parse_recipe_document(Document::load(path, overrides), true);
}

Recipe load_run_recipe(const std::filesystem::path& path) {
  return parse_recipe_document(Document::load(path, {}), false);
}

Recipe parse_recipe(const std::string& name, const std::string& text,
                    const std::vector<std::string>& overrides) {
  return parse_recipe_document(Document::parse(name, text, overrides), true);
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
