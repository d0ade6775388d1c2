#include "core/report/run_status.h"

#include "core/report/run_folder.h"
#include "core/util/atomic_file.h"

namespace xp::report {

namespace {

constexpr RunState kStates[] = {RunState::kRunning, RunState::kComplete, RunState::kFailed,
                                RunState::kInterrupted};

template <typename T>
nlohmann::ordered_json or_null(const std::optional<T>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

// A field's value when present with the type xp writes it with; a reader of a damaged folder (xp
// ls, report.html) still gets the rest.
template <typename T>
std::optional<T> field(const nlohmann::json& json, const char* key) {
  const auto found = json.find(key);
  if (found == json.end() || found->is_null()) return std::nullopt;
  try {
    return found->get<T>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string state_name(RunState state) {
  switch (state) {
    case RunState::kRunning:
      return "RUNNING";
    case RunState::kComplete:
      return "COMPLETE";
    case RunState::kFailed:
      return "FAILED";
    case RunState::kInterrupted:
      return "INTERRUPTED";
  }
  return "";
}

nlohmann::ordered_json to_json(const RunStatus& status) {
  nlohmann::ordered_json json;
  json["state"] = state_name(status.state);
  json["stage"] = or_null(status.stage);
  json["stage_type"] = or_null(status.stage_type);
  json["epoch"] = or_null(status.epoch);
  json["heartbeat"] = status.heartbeat;
  json["pid"] = status.pid;
  if (!status.error.empty()) json["error"] = status.error;
  return json;
}

std::optional<RunStatus> read_run_status(const std::filesystem::path& run_folder) {
  const auto path = run_folder / files::kStatus;
  std::error_code missing;
  if (!std::filesystem::exists(path, missing)) return std::nullopt;
  try {
    const nlohmann::json json = nlohmann::json::parse(read_file(path));
    if (!json.is_object()) return std::nullopt;
    RunStatus status;
    const std::string state = field<std::string>(json, "state").value_or("");
    bool known = false;
    for (const RunState candidate : kStates)
      if (state_name(candidate) == state) status.state = candidate, known = true;
    if (!known) return std::nullopt;
    status.stage = field<int>(json, "stage");
    status.stage_type = field<std::string>(json, "stage_type");
    status.epoch = field<std::int64_t>(json, "epoch");
    status.heartbeat = field<std::string>(json, "heartbeat").value_or("");
    status.pid = field<long>(json, "pid").value_or(0);
    status.error = field<std::string>(json, "error").value_or("");
    return status;
  } catch (const std::exception&) {  // unreadable, or not JSON
    return std::nullopt;
  }
}

}  // namespace xp::report
