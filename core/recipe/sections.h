// The recipe's top-level sections — run settings, data, model — each resolved on its own from the
// checked tree (schema defaults applied, so every key with a default is present) into typed
// options, with the checks the schema cannot make (paths exist, counts agree) as diagnostics.
// recipe.cpp runs them in order and throws one RecipeError with everything found.
#pragma once

#include <string>
#include <vector>

#include "core/recipe/recipe.h"

namespace xp::recipe {

RunSettings resolve_run(const Node& root);

// Whether data.path and the split folders/files it names exist, and keys of the csv source appear
// only under it. Runs on the raw tree even when the schema found problems, so a wrong path is
// reported with the others.
void check_data_paths(const Document& doc, std::vector<Diagnostic>& errors);
data::DataOptions resolve_data(const Node& data, const std::string& recipe_path,
                               std::vector<Diagnostic>& errors);

// Whether model.weights names an existing file of a format xp reads.
void check_weights_path(const Document& doc, std::vector<Diagnostic>& errors);
// `written` is the resolved tree's model section: the head's dropout, when derived from xtra_fc as
// fastai derives it, is written back so that the resolved recipe shows it.
models::ModelOptions resolve_model(const Node& model, Json& written, const std::string& recipe_path,
                                   std::vector<Diagnostic>& errors);

// A relative path (data folder, weights file) is resolved against the recipe's folder when it is
// not found from the working directory, so `xp run recipes/x.yaml` works from the repository root
// and elsewhere.
std::string resolve_near_recipe(const std::string& written, const std::string& recipe_path);

template <typename T>
std::vector<T> list_of(const Node& node) {
  std::vector<T> out;
  for (const auto& item : node.json()) out.push_back(item.get<T>());
  return out;
}

}  // namespace xp::recipe
