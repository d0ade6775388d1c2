#include "core/models/weights/state_dict.h"

#include <torch/torch.h>

#include <map>
#include <sstream>

#include "core/util/error.h"

namespace xp::models {

namespace {

std::string shape_text(const torch::IntArrayRef& sizes) {
  std::ostringstream out;
  out << "[";
  for (std::size_t dim = 0; dim < sizes.size(); ++dim) out << (dim ? ", " : "") << sizes[dim];
  out << "]";
  return out.str();
}

bool ignored(const std::string& name, const LoadOptions& options) {
  for (const auto& prefix : options.ignore_prefixes)
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace

const torch::Tensor* StateDict::find(const std::string& name) const {
  for (const auto& [key, tensor] : tensors)
    if (key == name) return &tensor;
  return nullptr;
}

void load_state_dict(torch::nn::Module& module, const StateDict& state, const std::string& source,
                     const LoadOptions& options) {
  std::map<std::string, torch::Tensor> targets;
  for (auto& item : module.named_parameters(/*recurse=*/true))
    targets.emplace(item.key(), item.value());
  for (auto& item : module.named_buffers(/*recurse=*/true))
    targets.emplace(item.key(), item.value());

  std::vector<std::string> problems;
  std::map<std::string, const torch::Tensor*> sources;
  for (const auto& [name, tensor] : state.tensors) {
    if (ignored(name, options)) continue;
    if (targets.count(name) == 0) {
      problems.push_back(str_cat("unexpected tensor '", name, "' ", shape_text(tensor.sizes())));
      continue;
    }
    sources[name] = &tensor;
  }
  // BatchNorm's num_batches_tracked appeared in PyTorch 0.4.1; files saved before (torchvision's
  // 2017 weights among them) lack it, and PyTorch then starts it at 0. So does xp.
  const auto predates_batch_counter = [](const std::string& name) {
    const std::string counter = "num_batches_tracked";
    return name.size() >= counter.size() &&
           name.compare(name.size() - counter.size(), counter.size(), counter) == 0;
  };
  for (const auto& [name, target] : targets) {
    const auto found = sources.find(name);
    if (found == sources.end() && predates_batch_counter(name)) continue;
    if (found == sources.end()) {
      problems.push_back(
          str_cat("missing tensor '", name, "' (expected shape ", shape_text(target.sizes()), ")"));
    } else if (found->second->sizes() != target.sizes()) {
      problems.push_back(str_cat("tensor '", name, "': expected shape ", shape_text(target.sizes()),
                                 ", found ", shape_text(found->second->sizes())));
    }
  }
  if (!problems.empty()) {
    std::string message =
        str_cat("weights '", source, "' do not match the model (", problems.size(), " problem",
                problems.size() == 1 ? "" : "s", "):");
    for (const auto& problem : problems) message += "\n  " + problem;
    throw ModelError(message);
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    const auto found = sources.find(name);
    if (found == sources.end())
      target.zero_();  // a num_batches_tracked the file predates
    else
      target.copy_(found->second->to(target.dtype()));
  }
}

}  // namespace xp::models
