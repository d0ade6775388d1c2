// status.json: where a run stands (schemas/status.schema.json), one typed struct with its one
// encoding. RunRecord writes it at every stage and epoch and at the run's end; xp ls, xp sweep and
// xp run --resume read it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace xp::report {

enum class RunState { kRunning, kComplete, kFailed, kInterrupted };

// "RUNNING" | "COMPLETE" | "FAILED" | "INTERRUPTED"
std::string state_name(RunState state);

struct RunStatus {
  RunState state = RunState::kRunning;
  std::optional<int> stage;  // the stage in progress (or last), none before the first
  std::optional<std::string> stage_type;
  std::optional<std::int64_t> epoch;  // the epoch in progress within the stage, from 0
  std::string heartbeat;              // UTC, ISO 8601: when this was written
  long pid = 0;                       // the process that wrote it
  std::string error;                  // FAILED and INTERRUPTED: why
};

nlohmann::ordered_json to_json(const RunStatus& status);
// A run folder's status.json; nullopt when it is missing, is not a JSON object, or has no state
// xp writes. Other fields missing or of another type are left unset (a damaged file still shows
// its state in xp ls and report.html).
std::optional<RunStatus> read_run_status(const std::filesystem::path& run_folder);

}  // namespace xp::report
