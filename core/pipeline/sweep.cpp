#include "core/pipeline/sweep.h"

#include <algorithm>
#include <filesystem>

#include "core/cache/file_identity.h"
#include "core/pipeline/stage_key.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

GridAxis parse_grid_option(const std::string& text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
    throw UserError(str_cat("--grid '", text,
                            "': expected KEY=V1,V2,… (e.g. --grid 'stages[2].fit.lr=0.01,0.03')"));
  GridAxis axis{trim(text.substr(0, equals)), {}};
  int depth = 0;
  char quote = 0;
  std::string value;
  const auto finish = [&] {
    const std::string trimmed = trim(value);
    if (trimmed.empty()) throw UserError(str_cat("--grid '", text, "': an empty value"));
    axis.values.push_back(trimmed);
    value.clear();
  };
  for (const char c : text.substr(equals + 1)) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      finish();
      continue;
    }
    value += c;
  }
  if (depth != 0 || quote)
    throw UserError(str_cat("--grid '", text, "': unbalanced brackets or quotes"));
  finish();
  return axis;
}

SweepSpec sweep_spec(const recipe::Recipe& recipe, const std::vector<GridAxis>& cli_axes) {
  SweepSpec spec;
  const auto& root = recipe.doc.root();
  if (root.contains("sweep")) {
    const auto& sweep = root["sweep"];
    for (const auto& [key, values] : sweep.at("grid").items()) {
      GridAxis axis{key, {}};
      for (const auto& value : values) axis.values.push_back(value.dump());
      spec.grid.push_back(std::move(axis));
    }
    spec.jobs = sweep.value("jobs", 1);
    spec.fail_fast = sweep.value("fail_fast", false);
  }
  for (const auto& axis : cli_axes) {
    auto same = std::find_if(spec.grid.begin(), spec.grid.end(),
                             [&](const GridAxis& other) { return other.key == axis.key; });
    if (same != spec.grid.end())
      *same = axis;
    else
      spec.grid.push_back(axis);
  }
  return spec;
}

std::vector<std::vector<std::string>> expand_grid(const std::vector<GridAxis>& grid) {
  std::vector<std::vector<std::string>> trials = {{}};
  for (const auto& axis : grid) {
    std::vector<std::vector<std::string>> next;
    for (const auto& trial : trials)
      for (const auto& value : axis.values) {
        next.push_back(trial);
        next.back().push_back(axis.key + "=" + value);
      }
    trials = std::move(next);
  }
  return trials;
}

std::string sweep_folder_name(const recipe::Recipe& recipe, const std::vector<GridAxis>& grid) {
  KeyFields fields;
  flatten_json(recipe.doc.root(), "",
               fields);  // `sweep` and the run name are left out, as for stage keys
  std::vector<std::string> keys;
  for (const auto& axis : grid) keys.push_back(axis.key);
  std::sort(keys.begin(), keys.end());
  std::string text;
  for (const auto& [path, value] : fields) text += path + "=" + value + "\n";
  // The paths the stage keys leave to the content identities: another dataset is another sweep.
  text += "data " + std::filesystem::absolute(recipe.data.path).lexically_normal().string() +
          "\nweights " + recipe.model.weights + "\ngrid " + join(keys, " ");
  return "sweep-" + cache::hash_hex(text).substr(0, 10);
}

}  // namespace xp::pipeline
