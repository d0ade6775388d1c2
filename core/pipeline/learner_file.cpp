#include "core/pipeline/learner_file.h"

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/cache/file_identity.h"
#include "core/models/weights/h5.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

constexpr const char* kModelPrefix = "model.";
constexpr const char* kRng = "xp.rng";
constexpr const char* kDeviceRng = "xp.rng_device";  // runs on a GPU only
constexpr const char* kOptimizer = "xp.optimizer";
constexpr const char* kMeta = "xp.meta";
constexpr int kFormatVersion = 1;
// RunProgress's fields in xp.meta; named "extra" since format 1, when they were the caller's own.
constexpr const char* kRunProgress = "extra";

torch::Tensor bytes_tensor(const std::string& bytes) {
  torch::Tensor tensor = torch::empty({static_cast<std::int64_t>(bytes.size())}, torch::kUInt8);
  if (!bytes.empty()) std::memcpy(tensor.data_ptr(), bytes.data(), bytes.size());
  return tensor;
}

std::string tensor_bytes(const torch::Tensor& tensor) {
  const torch::Tensor bytes = tensor.contiguous();
  return std::string(static_cast<const char*>(bytes.data_ptr()),
                     static_cast<std::size_t>(bytes.numel()));
}

// One hash over every tensor's name and bytes, in name order (HDF5 lists a file's datasets by name).
std::string checksum(const models::StateDict& state) {
  std::map<std::string, std::string> digests;
  for (const auto& [name, tensor] : state.tensors) {
    if (name == kMeta) continue;
    const torch::Tensor bytes = tensor.contiguous();
    digests[name] =
        cache::bytes_hash_hex(bytes.data_ptr(), static_cast<std::size_t>(bytes.nbytes()));
  }
  std::string text;
  for (const auto& [name, digest] : digests) text += name + "=" + digest + ";";
  return cache::hash_hex(text);
}

nlohmann::json stats_json(const train::EpochStats& stats) {
  return {{"epoch", stats.epoch},       {"lr", stats.lr},
          {"trn_loss", stats.trn_loss}, {"trn_loss_mean", stats.trn_loss_mean},
          {"val_loss", stats.val_loss}, {"metric", stats.metric},
          {"seconds", stats.seconds}};
}

train::EpochStats stats_of(const nlohmann::json& json) {
  train::EpochStats stats;
  stats.epoch = json.at("epoch");
  stats.lr = json.at("lr");
  stats.trn_loss = json.at("trn_loss");
  stats.trn_loss_mean = json.at("trn_loss_mean");
  stats.val_loss = json.at("val_loss");
  stats.metric = json.at("metric");
  stats.seconds = json.at("seconds");
  return stats;
}

}  // namespace

std::string weights_digest(const std::vector<std::pair<std::string, torch::Tensor>>& weights) {
  models::StateDict dict;
  dict.tensors = weights;
  return checksum(dict);
}

void write_learner_file(const std::filesystem::path& path, const LearnerFile& file) {
  models::StateDict dict;
  for (const auto& [name, tensor] : file.state.weights)
    dict.tensors.emplace_back(kModelPrefix + name, tensor);
  dict.tensors.emplace_back(kRng, file.state.rng);
  if (file.state.device_rng.defined()) dict.tensors.emplace_back(kDeviceRng, file.state.device_rng);
  nlohmann::json meta = {{"format", kFormatVersion},
                         {"frozen_groups", file.state.frozen_groups},
                         {"bn_freeze", file.state.bn_freeze},
                         {"size", file.state.size},
                         {"batch_size", file.state.batch_size},
                         {"epochs_done", file.state.epochs_done},
                         {kRunProgress, nlohmann::json::object()}};
  if (file.state.loss_scale)
    meta["loss_scale"] = {{"scale", file.state.loss_scale->scale},
                          {"good_steps", file.state.loss_scale->good_steps}};
  if (file.run)
    meta[kRunProgress] = {{"next_stage", file.run->next_stage},
                          {"metric_rows", file.run->metric_rows},
                          {"last_metric", file.run->last_metric},
                          {"stage_keys", file.run->stage_keys}};
  if (file.fit) {
    const train::FitProgress& fit = *file.fit;
    dict.tensors.emplace_back(kOptimizer, bytes_tensor(fit.optimizer_state));
    nlohmann::json history = nlohmann::json::array();
    for (const auto& stats : fit.history) history.push_back(stats_json(stats));
    // Doubles go through JSON as their shortest exact decimal form: they read back bit for bit.
    meta["fit"] = {{"epoch", fit.epoch},
                   {"batches_done", fit.batches_done},
                   {"iteration", fit.iteration},
                   {"smoothed_average", fit.smoothed_average},
                   {"smoothed_count", fit.smoothed_count},
                   {"epoch_loss_sum", fit.epoch_loss_sum},
                   {"epoch_loss_weight", fit.epoch_loss_weight},
                   {"epoch_seconds", fit.epoch_seconds},
                   {"history", history},
                   {"losses", fit.losses}};
  }
  meta["checksum"] = checksum(dict);
  dict.tensors.emplace_back(kMeta, bytes_tensor(meta.dump()));
  models::write_h5(path, dict);
}

LearnerFile read_learner_file(const std::filesystem::path& path) {
  models::StateDict dict;
  try {
    dict = models::read_h5(path.string());
  } catch (const Error& error) {
    throw CacheError(str_cat("learner state '", path.string(), "' cannot be read: ", error.what()));
  }
  const torch::Tensor* meta_bytes = dict.find(kMeta);
  const torch::Tensor* rng = dict.find(kRng);
  if (!meta_bytes || !rng)
    throw CacheError(
        str_cat("learner state '", path.string(), "': no ", kMeta, " or ", kRng, " dataset"));
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(tensor_bytes(*meta_bytes));
  } catch (const nlohmann::json::exception& error) {
    throw CacheError(str_cat("learner state '", path.string(), "': ", kMeta, " is not valid JSON (",
                             error.what(), ")"));
  }
  // A field missing or of the wrong type (a file from elsewhere, or edited): one located error, not
  // the JSON library's.
  LearnerFile file;
  try {
    if (meta.value("format", 0) != kFormatVersion)
      throw CacheError(str_cat("learner state '", path.string(), "': format ",
                               meta.value("format", 0), ", expected ", kFormatVersion));
    if (meta.value("checksum", "") != checksum(dict))
      throw CacheError(str_cat("learner state '", path.string(),
                               "': its tensors do not match their checksum (damaged file)"));

    const std::string prefix = kModelPrefix;
    for (const auto& [name, tensor] : dict.tensors)
      if (name.rfind(prefix, 0) == 0)
        file.state.weights.emplace_back(name.substr(prefix.size()), tensor);
    file.state.rng = *rng;
    if (const torch::Tensor* device_rng = dict.find(kDeviceRng))
      file.state.device_rng = *device_rng;
    file.state.frozen_groups = meta.at("frozen_groups");
    file.state.bn_freeze =
        meta.value("bn_freeze", false);  // absent in files from before the bn_freeze stage
    file.state.size = meta.at("size");
    file.state.batch_size = meta.at("batch_size");
    file.state.epochs_done = meta.at("epochs_done");
    if (meta.contains("loss_scale"))  // fp16 runs only
      file.state.loss_scale = train::LossScaleState{meta["loss_scale"].at("scale"),
                                                    meta["loss_scale"].at("good_steps")};
    const nlohmann::json& run = meta.at(kRunProgress);
    if (run.contains("next_stage")) {
      RunProgress progress;
      progress.next_stage = run.at("next_stage");
      progress.metric_rows = run.at("metric_rows");
      progress.last_metric = run.at("last_metric");
      progress.stage_keys = run.at("stage_keys").get<std::vector<std::string>>();
      file.run = std::move(progress);
    }
    if (meta.contains("fit")) {
      const nlohmann::json& json = meta["fit"];
      const torch::Tensor* optimizer = dict.find(kOptimizer);
      if (!optimizer)
        throw CacheError(
            str_cat("learner state '", path.string(), "': a fit in progress but no ", kOptimizer));
      train::FitProgress fit;
      fit.epoch = json.at("epoch");
      fit.batches_done = json.at("batches_done");
      fit.iteration = json.at("iteration");
      fit.smoothed_average = json.at("smoothed_average");
      fit.smoothed_count = json.at("smoothed_count");
      fit.epoch_loss_sum = json.at("epoch_loss_sum");
      fit.epoch_loss_weight = json.at("epoch_loss_weight");
      fit.epoch_seconds = json.at("epoch_seconds");
      for (const auto& stats : json.at("history")) fit.history.push_back(stats_of(stats));
      // Absent from resume points written before the training curve was kept.
      fit.losses = json.value("losses", std::vector<double>{});
      fit.optimizer_state = tensor_bytes(*optimizer);
      file.fit = std::move(fit);
    }
  } catch (const nlohmann::json::exception& error) {
    throw CacheError(str_cat("learner state '", path.string(), "': its ", kMeta,
                             " does not hold what xp writes (", error.what(), ")"));
  }
  return file;
}

}  // namespace xp::pipeline
