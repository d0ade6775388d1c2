#include "core/report/run_status.h"

#include "core/report/run_folder.h"
#include "core/util/atomic_file.h"
#include "core/util/json_fields.h"

namespace xp::report {

namespace {

constexpr RunState kStates[] = {RunState::kRunning, RunState::kComplete, RunState::kFailed,
                                RunState::kInterrupted};

template <typename T>
nlohmann::ordered_json or_null(const std::optional<T>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
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
    const auto json = nlohmann::ordered_json::parse(read_file(path));
    if (!json.is_object()) return std::nullopt;
    // A field of another type is left unset: a reader of a damaged folder (xp ls, report.html)
    // still gets the rest.
    std::vector<std::string> problems;
    JsonFields in(json, "", problems);
    std::string state;
    in.read("state", state);
    RunStatus status;
    bool known = false;
    for (const RunState candidate : kStates)
      if (state_name(candidate) == state) status.state = candidate, known = true;
    if (!known) return std::nullopt;
    in.read("stage", status.stage);
    in.read("stage_type", status.stage_type);
    in.read("epoch", status.epoch);
    in.read("heartbeat", status.heartbeat);
    std::int64_t pid = 0;
    in.read("pid", pid);
    status.pid = static_cast<long>(pid);
    in.read("error", status.error);
    return status;
  } catch (const std::exception&) {  // unreadable, or not JSON
    return std::nullopt;
  }
}

}  // namespace xp::report
