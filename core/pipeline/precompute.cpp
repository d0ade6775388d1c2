#include "core/pipeline/precompute.h"

#include <torch/torch.h>

#include <chrono>
#include <optional>

#include "core/cache/activations.h"
#include "core/cache/cache_layout.h"
#include "core/cache/data_identity.h"
#include "core/cache/file_identity.h"
#include "core/recipe/node.h"
#include "core/report/console.h"
#include "core/report/run_record.h"
#include "core/train/features.h"
#include "core/train/learner.h"
#include "core/util/error.h"
#include "core/util/file_lock.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

// Bumped whenever what an activation file holds changes meaning (pooling, layout, transform code).
constexpr const char* kActivationFormat = "xp-activations 1";

// The body's parameters and buffers (BatchNorm statistics), in module order.
std::string body_hash(models::ClassifierImpl& model) {
  std::string hashes;
  for (const auto& parameter : model.body->parameters()) hashes += cache::tensor_hash(parameter);
  for (const auto& buffer : model.body->buffers()) hashes += cache::tensor_hash(buffer);
  return cache::hash_hex(hashes);
}

struct SplitActivations {
  torch::Tensor features;
  bool reused = false;
  std::filesystem::path file;
  double seconds = 0;
};

// What the activations of every split depend on besides its images: the format, the body and its
// weights, the transform, the precision.
std::string body_and_transform_key(train::Learner& learner) {
  auto& model = *learner.model();
  const auto& options = learner.options();
  const auto& preprocess = options.preprocess;
  return str_cat(
      kActivationFormat, "\narch ", model.arch().name, "\nbody ", body_hash(model),
      "\ntransform scale+center_crop size ", preprocess.size,
      str_printf(" mean %.9g %.9g %.9g std %.9g %.9g %.9g", preprocess.mean[0], preprocess.mean[1],
                 preprocess.mean[2], preprocess.std[0], preprocess.std[1], preprocess.std[2]),
      " reduced_decode ", options.reduced_decode ? 1 : 0, "\nprecision ",
      train::to_string(options.compute.precision),
      options.compute.channels_last ? " channels_last" : "");
}

// The cache key text of one split's activations.
std::string split_key(const std::string& body_and_transform, const data::ImageSet& split) {
  return str_cat(body_and_transform, "\nsplit ", split.name, " ", split.size(), " images ",
                 cache::split_identity(split));
}

// The split's activations for `key`: read from the cache when it holds them, else computed and
// written. In a data-parallel job rank 0 alone reads and writes the cache and says whether it held
// them; if not, every rank computes its shard of the split and the shards are gathered.
SplitActivations obtain(StageContext& context, const std::shared_ptr<const data::ImageSet>& split,
                        const std::string& key) {
  auto& learner = context.learner;
  dist::ProcessGroup* group = learner.options().group.get();
  const bool writer = !group || group->rank() == 0;
  const auto started = std::chrono::steady_clock::now();
  SplitActivations out;
  out.file = cache::layout::activation_file(context.cache_root, cache::hash_hex(key));
  // One process computes a file while others sharing the cache wait for it, then read it.
  std::optional<FileLock> lock;
  if (writer) lock.emplace(cache::layout::lock_for(out.file));
  if (writer && std::filesystem::exists(out.file)) {
    try {
      cache::Activations cached = cache::read_activations(out.file);
      // The key text guards against a hash collision; the rows against a file cut short.
      if (cached.key == key && cached.features.size(0) == split->size() &&
          cached.ids == split->ids) {
        out.features = std::move(cached.features);
        out.reused = true;
      } else {
        context.console.line(str_cat("warning: ", out.file.string(),
                                     " does not hold the expected activations; recomputing"));
      }
    } catch (const CacheError& error) {
      context.console.line(str_cat("warning: ", error.what(), "; recomputing"));
    }
  }
  if (group) {
    out.reused = group->broadcast_value(out.reused ? 1 : 0) != 0;
    if (out.reused) out.features = group->share_from_rank0(out.features);
  }
  if (!out.reused) {
    const auto& options = learner.options();
    out.features =
        train::compute_features(*learner.model(), split, options.batch_size, options.workers,
                                options.preprocess, options.compute, options.reduced_decode, group)
            .features;
    if (writer) {
      std::filesystem::create_directories(out.file.parent_path());
      cache::write_activations(out.file, {out.features, split->labels, split->ids, key});
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace

bool parse_precompute(const recipe::Node& params, PlanContext& context,
                      std::vector<recipe::Diagnostic>& errors) {
  if (!params.has("precompute") || !params["precompute"].json().get<bool>()) return false;
  const recipe::Node flag = params["precompute"];
  if (context.frozen_groups < context.layer_groups - 1)
    errors.push_back(flag.error(str_cat(
        "precompute trains the head alone on cached body activations, so the body must be frozen "
        "here, but ",
        context.frozen_groups == 0 ? std::string("every layer group is trainable")
                                   : str_cat("layer groups ", context.frozen_groups, "-",
                                             context.layer_groups - 2, " are trainable"),
        " (no pretrained weights, or an unfreeze before); add `- freeze: {}` before this stage")));
  if (context.augment && !context.precompute_augment_warned) {
    context.precompute_augment_warned = true;  // once per recipe is enough
    context.warnings.push_back(flag.warning(
        "data.augment has no effect while precompute is on: the head trains on activations of the "
        "validation "
        "transform (as in fastai 0.7); the fits with precompute: false see augmented images"));
  }
  return true;
}

void ensure_precomputed(StageContext& context) {
  auto& learner = context.learner;
  auto& model = *learner.model();
  XP_CHECK(model.frozen_groups() >= models::ClassifierImpl::kLayerGroups - 1,
           "precompute needs the body frozen (only the head trains on cached activations), but "
           "layer groups ",
           model.frozen_groups(), "-", models::ClassifierImpl::kLayerGroups - 2,
           " are trainable; add a `freeze` stage before it or set precompute: false");
  const auto& data = learner.data();
  // Hashing the body's weights and the split's files or pixels is the costly part: once per stage.
  const std::string common = body_and_transform_key(learner);
  const std::string train_key = split_key(common, *data.train);
  const std::string valid_key = split_key(common, *data.valid);
  const std::string key = cache::hash_hex(train_key + valid_key);
  if (learner.precomputed() != nullptr && learner.precomputed()->key == key) return;
  train::Precomputed precomputed;
  precomputed.key = key;
  for (const auto& split : {data.train, data.valid}) {
    SplitActivations activations =
        obtain(context, split, split == data.train ? train_key : valid_key);
    context.console.line(str_cat("precompute  ", split->name, ": ", split->size(), " activations ",
                                 activations.reused ? "reused from " : "computed into ",
                                 activations.file.string(),
                                 str_printf(" (%.1f s)", activations.seconds)));
    context.record.add(report::PrecomputeInfo{
        context.stage_index, split->name, activations.file.string(), activations.reused,
        split->size(), activations.features.size(1), activations.seconds});
    (split == data.train ? precomputed.train : precomputed.valid) = std::move(activations.features);
  }
  learner.set_precomputed(std::move(precomputed));
}

}  // namespace xp::pipeline
