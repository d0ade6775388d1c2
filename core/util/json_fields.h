// Reading a JSON object that xp wrote back into a typed struct, one field at a time (the decoding
// half of report/run_info's to_json/from_json pairs).
//
// Result folders outlive the xp that wrote them, so the reader is forgiving and exact at once: a
// missing field keeps the struct's default (a folder from an older xp), a field xp does not know is
// ignored (a newer xp), and a field of another type keeps the default too but is noted as a problem
// naming its path — "'lr_find[2].batches' should be a whole number ≥ 0, found \"x\"" — so that a
// reader which must not guess (xp run --resume) can refuse, while xp ls and report.html show the
// rest.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xp {

class JsonFields {
 public:
  // `object` must outlive this reader; `path` prefixes the problems' field names ("" at the top).
  JsonFields(const nlohmann::ordered_json& object, std::string path,
             std::vector<std::string>& problems);

  void read(const char* key, std::string& out);
  void read(const char* key, bool& out);
  void read(const char* key, int& out);
  void read(const char* key, std::int64_t& out);
  void read(const char* key, std::uint64_t& out);
  void read(const char* key, double& out);
  void read(const char* key, std::vector<std::string>& out);
  // An object of strings or of numbers, in the file's order.
  void read(const char* key, std::vector<std::pair<std::string, std::string>>& out);
  void read(const char* key, std::vector<std::pair<std::string, double>>& out);

  // Absent or null → nullopt.
  template <typename T>
  void read(const char* key, std::optional<T>& out) {
    const nlohmann::ordered_json* value = find(key);
    if (value == nullptr || value->is_null()) return;
    T parsed{};
    if (take(*value, parsed))
      out = std::move(parsed);
    else
      wrong_type(key, expected(parsed));
  }

  // A nested object, decoded by `decode(JsonFields&, T&)`.
  template <typename T, typename Decode>
  void read_object(const char* key, T& out, const Decode& decode) {
    const nlohmann::ordered_json* value = find(key);
    if (value == nullptr) return;
    if (!value->is_object()) return wrong_type(key, "an object");
    JsonFields fields(*value, child(key), problems_);
    decode(fields, out);
  }
  // The same, absent or null → nullopt.
  template <typename T, typename Decode>
  void read_object(const char* key, std::optional<T>& out, const Decode& decode) {
    const nlohmann::ordered_json* value = find(key);
    if (value == nullptr || value->is_null()) return;
    if (!value->is_object()) return wrong_type(key, "an object");
    T parsed{};
    read_object(key, parsed, decode);
    out = std::move(parsed);
  }

  // A list of objects, each decoded by `decode(JsonFields&, T&)`.
  template <typename T, typename Decode>
  void read_list(const char* key, std::vector<T>& out, const Decode& decode) {
    const nlohmann::ordered_json* value = find(key);
    if (value == nullptr) return;
    if (!value->is_array()) return wrong_type(key, "a list");
    out.clear();
    for (std::size_t i = 0; i < value->size(); ++i) {
      const std::string item_path = child(key) + "[" + std::to_string(i) + "]";
      if (!(*value)[i].is_object()) {
        problems_.push_back("'" + item_path + "' should be an object, found " + shown((*value)[i]));
        continue;
      }
      JsonFields fields((*value)[i], item_path, problems_);
      T item{};
      decode(fields, item);
      out.push_back(std::move(item));
    }
  }

 private:
  const nlohmann::ordered_json* find(const char* key) const;
  std::string child(const char* key) const;
  void wrong_type(const char* key, const char* expected);
  static std::string shown(const nlohmann::ordered_json& value);
  // `value` into `out` when it has the type xp writes `out` with; false otherwise.
  static bool take(const nlohmann::ordered_json& value, std::string& out);
  static bool take(const nlohmann::ordered_json& value, bool& out);
  static bool take(const nlohmann::ordered_json& value, int& out);
  static bool take(const nlohmann::ordered_json& value, std::int64_t& out);
  static bool take(const nlohmann::ordered_json& value, std::uint64_t& out);
  static bool take(const nlohmann::ordered_json& value, double& out);
  // What a field of out's type must be, for the problem's text: "a whole number ≥ 0", …
  static const char* expected(const std::string&) { return "a string"; }
  static const char* expected(bool) { return "true or false"; }
  static const char* expected(int) { return "a whole number"; }
  static const char* expected(std::int64_t) { return "a whole number"; }
  static const char* expected(std::uint64_t) { return "a whole number ≥ 0"; }
  static const char* expected(double) { return "a number"; }
  template <typename T>
  void read_scalar(const char* key, T& out);
  template <typename T>
  void read_pairs(const char* key, std::vector<std::pair<std::string, T>>& out);

  const nlohmann::ordered_json& object_;
  std::string path_;
  std::vector<std::string>& problems_;
};

}  // namespace xp
