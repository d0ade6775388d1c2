#include "core/report/event_file.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/util/crc32c.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::report {

namespace {

constexpr const char* kPrefix = "events.out.tfevents.";

// Protocol buffer wire format: a key (field number << 3 | wire type), then the value — a varint
// (0), 8 little-endian bytes (1), a varint length and the bytes (2), or 4 little-endian bytes (5).
void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void put_key(std::string& out, int field, int wire_type) {
  put_varint(out, static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
}

template <typename Bits>
void put_little_endian(std::string& out, Bits bits) {
  for (std::size_t byte = 0; byte < sizeof(Bits); ++byte)
    out += static_cast<char>((bits >> (8 * byte)) & 0xFF);
}

void put_bytes(std::string& out, int field, std::string_view bytes) {
  put_key(out, field, 2);
  put_varint(out, bytes.size());
  out.append(bytes);
}

void put_int(std::string& out, int field, std::int64_t value) {
  put_key(out, field, 0);
  put_varint(out, static_cast<std::uint64_t>(value));
}

void put_double(std::string& out, int field, double value) {
  put_key(out, field, 1);
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_little_endian(out, bits);
}

void put_float(std::string& out, int field, float value) {
  put_key(out, field, 5);
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_little_endian(out, bits);
}

// The field numbers of tensorflow/core/util/event.proto and framework/summary.proto.
namespace event {
constexpr int kWallTime = 1, kStep = 2, kFileVersion = 3, kSummary = 5, kSessionLog = 7;
}
namespace summary_value {  // Summary.Value (a Summary is `repeated Value value = 1`)
constexpr int kTag = 1, kSimpleValue = 2, kTensor = 8, kMetadata = 9;
}

std::string summary_of(std::string_view value) {
  std::string summary;
  put_bytes(summary, 1, value);
  return summary;
}

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "localhost";
  std::string host(name.data());
  for (char& c : host)
    if (c == '/' || c == ' ') c = '_';
  return host.empty() ? "localhost" : host;
}

}  // namespace

bool is_event_file_name(const std::string& name) { return name.rfind(kPrefix, 0) == 0; }

EventFile::EventFile(const std::filesystem::path& folder) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  const std::string name = str_cat(kPrefix, seconds, ".", host_name(), ".", getpid());
  path_ = folder / name;
  // A second file of the same process and second gets a suffix that sorts after the first's name:
  // TensorBoard reads a folder's files in name order.
  std::error_code error;
  for (int again = 1; std::filesystem::exists(path_, error); ++again)
    path_ = folder / str_cat(name, ".", again);
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_)
    throw Error(str_cat("cannot create the TensorBoard event file '", path_.string(),
                        "': ", std::strerror(errno)));
  std::string fields;
  put_bytes(fields, event::kFileVersion, "brain.Event:2");
  write_event(0, fields);
  flush();
}

EventFile::~EventFile() {
  if (file_) std::fclose(file_);
}

void EventFile::scalar(const std::string& tag, std::int64_t step, double value) {
  std::string value_message;
  put_bytes(value_message, summary_value::kTag, tag);
  put_float(value_message, summary_value::kSimpleValue, static_cast<float>(value));
  std::string fields;
  put_bytes(fields, event::kSummary, summary_of(value_message));
  write_event(step, fields);
}

void EventFile::text(const std::string& tag, std::int64_t step, const std::string& text) {
  // The text plugin reads a string tensor, marked with its plugin name in the value's metadata.
  std::string plugin_data, metadata, shape, tensor;
  put_bytes(plugin_data, 1, "text");    // PluginData.plugin_name
  put_bytes(metadata, 1, plugin_data);  // SummaryMetadata.plugin_data
  put_int(tensor, 1, 7);                // TensorProto.dtype = DT_STRING
  put_bytes(tensor, 2, shape);          // TensorProto.tensor_shape: a scalar
  put_bytes(tensor, 8, text);           // TensorProto.string_val
  std::string value_message;
  put_bytes(value_message, summary_value::kTag, tag);
  put_bytes(value_message, summary_value::kTensor, tensor);
  put_bytes(value_message, summary_value::kMetadata, metadata);
  std::string fields;
  put_bytes(fields, event::kSummary, summary_of(value_message));
  write_event(step, fields);
}

void EventFile::restart_at(std::int64_t step) {
  std::string session_log;
  put_int(session_log, 1, 1);  // SessionLog.status = START
  std::string fields;
  put_bytes(fields, event::kSessionLog, session_log);
  write_event(step, fields);
  flush();
}

void EventFile::flush() {
  if (std::fflush(file_) != 0)
    throw Error(str_cat("cannot write the TensorBoard event file '", path_.string(),
                        "': ", std::strerror(errno)));
}

void EventFile::write_event(std::int64_t step, std::string_view fields) {
  const double wall_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string data;
  put_double(data, event::kWallTime, wall_time);
  put_int(data, event::kStep, step);
  data.append(fields);
  std::string length;
  put_little_endian(length, static_cast<std::uint64_t>(data.size()));
  std::string record = length;
  put_little_endian(record, masked_crc32c(length));
  record += data;
  put_little_endian(record, masked_crc32c(data));
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size())
    throw Error(str_cat("cannot write the TensorBoard event file '", path_.string(),
                        "': ", std::strerror(errno)));
}

}  // namespace xp::report
