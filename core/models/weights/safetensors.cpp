#include "core/models/weights/safetensors.h"

#include <torch/torch.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/models/weights/tensor_bytes.h"
#include "core/util/error.h"

namespace xp::models {

namespace {

constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;  // the format caps headers at 100 MB

struct DtypeInfo {
  torch::ScalarType type;
  std::int64_t bytes;
};

const std::map<std::string, DtypeInfo>& dtypes() {
  static const std::map<std::string, DtypeInfo> table = {
      {"F64", {torch::kFloat64, 8}},   {"F32", {torch::kFloat32, 4}}, {"F16", {torch::kFloat16, 2}},
      {"BF16", {torch::kBFloat16, 2}}, {"I64", {torch::kInt64, 8}},   {"I32", {torch::kInt32, 4}},
      {"I16", {torch::kInt16, 2}},     {"I8", {torch::kInt8, 1}},     {"U8", {torch::kUInt8, 1}},
      {"BOOL", {torch::kBool, 1}},
  };
  return table;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ModelError(str_cat("weights '", path, "': not a valid .safetensors file: ", what));
}

}  // namespace

std::string safetensors_dtype(torch::ScalarType dtype) {
  for (const auto& [name, info] : dtypes())
    if (info.type == dtype) return name;
  throw ModelError(str_cat("dtype ", c10::toString(dtype), " has no safetensors name"));
}

StateDict read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw ModelError(str_cat("weights '", path, "': cannot open"));
  const auto file_size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  if (file_size < 8)
    fail(path, str_cat("file has ", file_size, " bytes, fewer than the 8-byte header length"));
  unsigned char length_bytes[8];
  in.read(reinterpret_cast<char*>(length_bytes), 8);
  std::uint64_t header_length = 0;
  for (int byte = 7; byte >= 0; --byte) header_length = (header_length << 8) | length_bytes[byte];
  if (header_length > kMaxHeaderBytes || header_length > file_size - 8)
    fail(path, str_cat("header length ", header_length, " exceeds the file (", file_size,
                       " bytes); truncated?"));
  std::string header_text(header_length, '\0');
  in.read(header_text.data(), static_cast<std::streamsize>(header_length));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& error) {
    fail(path, str_cat("header is not JSON (", error.what(), ")"));
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");

  const std::uint64_t data_size = file_size - 8 - header_length;
  std::vector<char> data(data_size);
  in.read(data.data(), static_cast<std::streamsize>(data_size));
  if (!in) fail(path, "cannot read the tensor data");

  // Tensors in data-offset order, which is the order the writer laid them out.
  std::vector<std::tuple<std::uint64_t, std::string, torch::Tensor>> ordered;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
        !info.contains("data_offsets"))
      fail(path, str_cat("entry '", name, "' lacks dtype, shape or data_offsets"));
    const std::string dtype = info["dtype"].is_string() ? info["dtype"].get<std::string>() : "?";
    const auto type = dtypes().find(dtype);
    if (type == dtypes().end())
      fail(path, str_cat("tensor '", name, "' has unsupported dtype '", dtype, "'"));
    std::vector<std::int64_t> shape;
    if (!info["shape"].is_array()) fail(path, str_cat("tensor '", name, "' has a bad shape"));
    for (const auto& dim : info["shape"]) {
      if (!dim.is_number_integer() || dim.get<std::int64_t>() < 0)
        fail(path, str_cat("tensor '", name, "' has a bad shape"));
      shape.push_back(dim.get<std::int64_t>());
    }
    const auto bytes = tensor_bytes(shape, type->second.bytes);
    if (!bytes) fail(path, str_cat("tensor '", name, "' has a shape whose size overflows 64 bits"));
    const auto& offsets = info["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail(path, str_cat("tensor '", name, "' has bad data_offsets"));
    const auto begin = offsets[0].get<std::uint64_t>();
    const auto end = offsets[1].get<std::uint64_t>();
    if (end < begin || end > data_size)
      fail(path, str_cat("tensor '", name, "' data [", begin, ", ", end, ") lies outside the ",
                         data_size, " data bytes; truncated?"));
    if (end - begin != static_cast<std::uint64_t>(*bytes))
      fail(path, str_cat("tensor '", name, "' has ", end - begin,
                         " bytes but its shape and dtype need ", *bytes));
    torch::Tensor tensor = torch::empty(shape, type->second.type);
    std::memcpy(tensor.data_ptr(), data.data() + begin, end - begin);
    ordered.emplace_back(begin, name, tensor);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  StateDict state;
  for (auto& [offset, name, tensor] : ordered) state.tensors.emplace_back(name, tensor);
  return state;
}

}  // namespace xp::models
