// A TensorBoard event file in a run folder, so that `tensorboard --logdir results/` shows every
// run: scalars (per-iteration training loss and layer-group LRs, per-epoch validation loss and
// metric) and text (stage boundaries), written by xp itself in TensorFlow's record format — each
// record a little-endian length, its masked CRC-32C, the bytes of an `Event` protocol buffer and
// their masked CRC-32C — with the few protobuf fields TensorBoard reads encoded here, so that no
// protobuf or TensorFlow library is needed.
//
// A run resumed after a stop writes a second file that starts with a restart at the resume point
// (SessionLog START): TensorBoard then drops the steps the stopped run logged after that point, so
// the curves show each step once.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace xp::report {

class EventFile {
 public:
  // Creates events.out.tfevents.<unix time>.<host>.<pid> in `folder`, beginning with the
  // file-version event TensorBoard expects. Throws Error naming the file when it cannot.
  explicit EventFile(const std::filesystem::path& folder);
  ~EventFile();
  EventFile(const EventFile&) = delete;
  EventFile& operator=(const EventFile&) = delete;

  void scalar(const std::string& tag, std::int64_t step, double value);
  // Markdown text (TensorBoard's text plugin).
  void text(const std::string& tag, std::int64_t step, const std::string& text);
  // TensorBoard forgets what earlier files of the folder hold from `step` on.
  void restart_at(std::int64_t step);
  // Hands what was written to the operating system (each epoch and stage): a killed run keeps it.
  void flush();

  const std::filesystem::path& path() const { return path_; }

 private:
  // One Event: wall time, step, then `fields` (its other fields, encoded).
  void write_event(std::int64_t step, std::string_view fields);

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

// True for the names EventFile gives its files.
bool is_event_file_name(const std::string& name);

}  // namespace xp::report
