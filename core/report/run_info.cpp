#include "core/report/run_info.h"

#include <set>

#include "core/report/run_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_fields.h"
#include "core/util/strings.h"

namespace xp::report {

namespace {

using Json = nlohmann::ordered_json;

// Each record's keys are listed once, in its `fields(io, record)`, and that one list encodes
// (Writer), decodes (Reader) and names the keys xp knows (KeyNames): a key cannot be written under
// one spelling and read under another. The Writer only reads the record it is handed (see encode).

template <typename Io>
void fields(Io& io, HostInfo& x) {
  io("hostname", x.hostname);
  io("cpu", x.cpu);
  io("hardware_threads", x.hardware_threads);
  io("cpu_features", x.cpu_features);
}

template <typename Io>
void fields(Io& io, GpuInfo& x) {
  io("name", x.name);
  io("memory_gib", x.memory_gib);
  io("driver", x.driver);
  io("cuda", x.cuda);
  io("cudnn", x.cudnn);
}

template <typename Io>
void fields(Io& io, DistributedInfo& x) {
  io("world_size", x.world_size);
  io("backend", x.backend);
  io("launcher", x.launcher);
  io("hosts", x.hosts);
}

template <typename Io>
void fields(Io& io, Resumption& x) {
  io("at", x.at);
  io("command_line", x.command_line);
}

template <typename Io>
void fields(Io& io, PlannedStageInfo& x) {
  io("stage", x.stage);
  io("type", x.type);
  io("description", x.description);
  io("epochs", x.epochs);
}

template <typename Io>
void fields(Io& io, DataCounts& x) {
  io("train_images", x.train_images);
  io("valid_images", x.valid_images);
  io("test_images", x.test_images);
  io("skipped_images", x.skipped_images);
}

template <typename Io>
void fields(Io& io, DecodeCheckInfo& x) {
  io("decoded", x.decoded);
  io("reused", x.reused);
  io("undecodable", x.undecodable);
  io("cache_problem", x.cache_problem);
}

template <typename Io>
void fields(Io& io, ResizeCacheInfo& x) {
  io("shorter_side", x.shorter_side);
  io("folder", x.folder);
  io("written", x.written);
  io("reused", x.reused);
  io("already_small", x.already_small);
}

template <typename Io>
void fields(Io& io, LrSuggestionsInfo& x) {
  io("valley", x.valley);
  io("slide", x.slide);
  io("minimum", x.minimum);
  io("steep", x.steep);
}

template <typename Io>
void fields(Io& io, LrFindInfo& x) {
  io("stage", x.stage);
  io("batches", x.batches);
  io("scheduled", x.scheduled);
  io("diverged", x.diverged);
  io.object("suggestions", x.suggestions);
}

template <typename Io>
void fields(Io& io, PrecomputeInfo& x) {
  io("stage", x.stage);
  io("split", x.split);
  io("file", x.file);
  io("reused", x.reused);
  io("rows", x.rows);
  io("features", x.features);
  io("seconds", x.seconds);
}

template <typename Io>
void fields(Io& io, TimingInfo& x) {
  io("stage", x.stage);
  io("type", x.type);
  io("seconds", x.seconds);
  io("cached", x.cached);
}

template <typename Io>
void fields(Io& io, StageCacheInfo& x) {
  io("stage", x.stage);
  io.unless_empty("key", x.key);
  io("hit", x.hit);
  io.unless_empty("from", x.from);
  io("seconds_saved", x.seconds_saved);
  io("seconds", x.seconds);
  io.unless_empty("error", x.error);
}

template <typename Io>
void fields(Io& io, PredictionInfo& x) {
  io("stage", x.stage);
  io("valid_images", x.valid_images);
  io("n_aug", x.n_aug);
  io.unless_empty("combine", x.combine);
  io.unless_empty("plain", x.plain);
  io.unless_empty("tta", x.tta);
  io.unless_empty("scores", x.scores);
  io("threshold", x.threshold);
  io("test_images", x.test_images);
  io.unless_empty("submission", x.submission);
  io("seconds", x.seconds);
}

template <typename Io>
void fields(Io& io, RunInfo& x) {
  io("xp_version", x.xp_version);
  io("git_sha", x.git_sha);
  io("git_dirty", x.git_dirty);
  io("compiler", x.compiler);
  io("build_type", x.build_type);
  io("libraries", x.libraries);
  io.object("host", x.host);
  io("device", x.device);
  io.object("gpu", x.gpu);
  io("threads", x.threads);
  io.object("distributed", x.distributed);
  io("precision", x.precision);
  io("optimizer_step", x.optimizer_step);
  io("seed", x.seed);
  io("recipe", x.recipe);
  io("command_line", x.command_line);
  io("started", x.started);
  io.or_null("ended", x.ended);
  io.list("resumed", x.resumed);
  io("name", x.name);
  io.list("plan", x.plan);
  io.unless_empty("stage_keys", x.stage_keys);
  io.unless_empty("key_fields", x.key_fields);
  io("target", x.target);
  io.unless_empty("classes", x.classes);
  io.object("data", x.data);
  io.object("decode_check", x.decode_check);
  io.object("resize_cache", x.resize_cache);
  io("weights", x.weights);
  io.list(stage_lists::kLrFind, x.lr_find);
  io.list(stage_lists::kPrecompute, x.precompute);
  io.list("timings", x.timings);
  io.list("stage_cache", x.stage_cache);
  io.list(stage_lists::kTta, x.tta);
  io.list(stage_lists::kPredict, x.predict);
}

class Writer {
 public:
  explicit Writer(Json& out) : out_(out) {}

  template <typename T>
  void operator()(const char* key, const T& value) {
    out_[key] = scalar(value);
  }
  template <typename T>
  void operator()(const char* key, const std::optional<T>& value) {
    if (value) out_[key] = scalar(*value);
  }
  template <typename T>
  void unless_empty(const char* key, const T& value) {
    if (!value.empty()) (*this)(key, value);
  }
  template <typename T>
  void or_null(const char* key, const std::optional<T>& value) {
    out_[key] = value ? scalar(*value) : Json(nullptr);
  }
  template <typename T>
  void object(const char* key, const T& value) {
    out_[key] = encode(value);
  }
  template <typename T>
  void object(const char* key, const std::optional<T>& value) {
    if (value) out_[key] = encode(*value);
  }
  template <typename T>
  void list(const char* key, const std::vector<T>& values) {
    if (values.empty()) return;
    Json items = Json::array();
    for (const auto& value : values) items.push_back(encode(value));
    out_[key] = std::move(items);
  }

  template <typename T>
  static Json encode(const T& record) {
    Json out = Json::object();
    Writer writer(out);
    fields(writer, const_cast<T&>(record));  // the Writer only reads
    return out;
  }

 private:
  template <typename T>
  static Json scalar(const T& value) {
    return Json(value);
  }
  template <typename T>
  static Json scalar(const std::vector<std::pair<std::string, T>>& pairs) {
    Json out = Json::object();
    for (const auto& [name, value] : pairs) out[name] = value;
    return out;
  }

  Json& out_;
};

class Reader {
 public:
  explicit Reader(JsonFields& in) : in_(in) {}

  template <typename T>
  void operator()(const char* key, T& value) {
    in_.read(key, value);
  }
  template <typename T>
  void unless_empty(const char* key, T& value) {
    in_.read(key, value);
  }
  template <typename T>
  void or_null(const char* key, T& value) {
    in_.read(key, value);
  }
  template <typename T>
  void object(const char* key, T& value) {
    in_.read_object(key, value, decode<T>);
  }
  template <typename T>
  void object(const char* key, std::optional<T>& value) {
    in_.read_object(key, value, decode<T>);
  }
  template <typename T>
  void list(const char* key, std::vector<T>& values) {
    in_.read_list(key, values, decode<T>);
  }

  template <typename T>
  static void decode(JsonFields& in, T& record) {
    Reader reader(in);
    fields(reader, record);
  }

 private:
  JsonFields& in_;
};

template <typename T>
T decode(const Json& json, std::vector<std::string>& problems) {
  T record{};
  JsonFields in(json, "", problems);
  Reader::decode(in, record);
  return record;
}

// The top-level keys of run.json that this xp knows.
class KeyNames {
 public:
  template <typename T>
  void operator()(const char* key, const T&) {
    keys.insert(key);
  }
  template <typename T>
  void unless_empty(const char* key, const T&) {
    keys.insert(key);
  }
  template <typename T>
  void or_null(const char* key, const T&) {
    keys.insert(key);
  }
  template <typename T>
  void object(const char* key, const T&) {
    keys.insert(key);
  }
  template <typename T>
  void list(const char* key, const T&) {
    keys.insert(key);
  }

  std::set<std::string> keys;
};

// A JSON object file; a discarded value when missing, unreadable or not JSON.
Json read_json_object(const std::filesystem::path& path) {
  std::error_code missing;
  if (!std::filesystem::exists(path, missing)) return Json(Json::value_t::discarded);
  try {
    return Json::parse(read_file(path), nullptr, false);
  } catch (const Error&) {
    return Json(Json::value_t::discarded);
  }
}

const std::set<std::string>& run_json_keys() {
  static const std::set<std::string> keys = [] {
    KeyNames names;
    RunInfo run;
    fields(names, run);
    return names.keys;
  }();
  return keys;
}

}  // namespace

Json to_json(const RunInfo& run) {
  Json json = Writer::encode(run);
  for (const auto& [key, value] : run.unknown.items())
    if (!json.contains(key)) json[key] = value;
  return json;
}

Json to_json(const Resumption& resumption) { return Writer::encode(resumption); }
Json to_json(const LrFindInfo& lr_find) { return Writer::encode(lr_find); }
Json to_json(const PrecomputeInfo& precompute) { return Writer::encode(precompute); }
Json to_json(const TimingInfo& timing) { return Writer::encode(timing); }
Json to_json(const StageCacheInfo& stage_cache) { return Writer::encode(stage_cache); }
Json to_json(const PredictionInfo& prediction) { return Writer::encode(prediction); }

RunInfo read_run_info(const Json& json, std::vector<std::string>& problems) {
  RunInfo run = decode<RunInfo>(json, problems);
  if (json.is_object())
    for (const auto& [key, value] : json.items())
      if (!run_json_keys().count(key)) run.unknown[key] = value;
  return run;
}

LrFindInfo read_lr_find_info(const Json& json, std::vector<std::string>& problems) {
  return decode<LrFindInfo>(json, problems);
}

PrecomputeInfo read_precompute_info(const Json& json, std::vector<std::string>& problems) {
  return decode<PrecomputeInfo>(json, problems);
}

PredictionInfo read_prediction_info(const Json& json, std::vector<std::string>& problems) {
  return decode<PredictionInfo>(json, problems);
}

RunInfo read_run_json(const std::filesystem::path& run_folder) {
  const Json json = read_json_object(run_folder / files::kRun);
  if (!json.is_object())
    throw Error(
        str_cat("'", run_folder.string(), "' is not a run folder (no readable ", files::kRun, ")"));
  std::vector<std::string> problems;  // shown as defaults: a damaged field is no reason to fail
  return read_run_info(json, problems);
}

std::optional<PredictionInfo> read_tta_json(const std::filesystem::path& run_folder) {
  const Json json = read_json_object(run_folder / files::kTta);
  if (!json.is_object()) return std::nullopt;
  std::vector<std::string> problems;
  return read_prediction_info(json, problems);
}

}  // namespace xp::report
