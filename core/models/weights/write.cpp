#include "core/models/weights/write.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <climits>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/models/weights/pickle.h"
#include "core/models/weights/safetensors.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace xp::models {

namespace {

// Host, contiguous, dense: what both formats store (channels_last or GPU tensors are not).
torch::Tensor storable(const torch::Tensor& tensor) {
  return tensor.detach().to(torch::kCPU).contiguous();
}

// Python's pickle, protocol 2, for what torch.save writes of a state dict: dicts, OrderedDicts,
// strings, ints, and tensors as torch._utils._rebuild_tensor_v2 over a persistent storage id —
// only globals that torch.load(weights_only=True) allows (LibTorch's own pickler tags typed dicts
// with torch.jit._pickle.restore_type_tag, which it refuses).
class PickleWriter {
 public:
  PickleWriter() { out_ = "\x80\x02"; }  // PROTO 2

  void string(const std::string& text) {
    out_ += 'X';  // BINUNICODE
    uint32(static_cast<std::uint32_t>(text.size()));
    out_ += text;
  }
  void integer(std::int64_t value) {
    if (value >= 0 && value < 256) {
      out_ += 'K';  // BININT1
      out_ += static_cast<char>(value);
    } else if (value >= INT32_MIN && value <= INT32_MAX) {
      out_ += 'J';  // BININT
      uint32(static_cast<std::uint32_t>(static_cast<std::int32_t>(value)));
    } else {
      out_ += "\x8a\x08";  // LONG1, 8 bytes, little-endian two's complement
      for (int idx = 0; idx < 8; ++idx)
        out_ += static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * idx)) & 0xff);
    }
  }
  void begin_dict() { out_ += "}("; }  // EMPTY_DICT, MARK
  void begin_ordered_dict() {
    global("collections.OrderedDict");
    out_ += ")R(";  // EMPTY_TUPLE, REDUCE, MARK
  }
  void end_items() { out_ += 'u'; }  // SETITEMS
  void ints(const std::vector<std::int64_t>& values) {
    out_ += '(';  // MARK
    for (const std::int64_t value : values) integer(value);
    out_ += 't';  // TUPLE
  }
  // A contiguous host tensor whose bytes go to the archive's data/<key>.
  void tensor(const torch::Tensor& tensor, const std::string& key) {
    global("torch._utils._rebuild_tensor_v2");
    out_ += '(';
    out_ += '(';  // the persistent id: ('storage', <storage type>, key, 'cpu', numel)
    string("storage");
    global(pickle::storage_global(tensor.scalar_type()));
    string(key);
    string("cpu");
    integer(tensor.numel());
    out_ += "tQ";  // TUPLE, BINPERSID
    integer(0);    // storage offset
    ints(tensor.sizes().vec());
    ints(tensor.strides().vec());
    out_ += '\x89';  // NEWFALSE: requires_grad
    global("collections.OrderedDict");
    out_ += ")R";  // backward hooks: OrderedDict()
    out_ += "tR";  // TUPLE, REDUCE
  }
  std::string finish() { return out_ + '.'; }  // STOP

 private:
  // GLOBAL for a dotted name: "collections.OrderedDict" is module collections, name OrderedDict.
  void global(const std::string& dotted) {
    const std::size_t dot = dotted.rfind('.');
    out_ += 'c' + dotted.substr(0, dot) + '\n' + dotted.substr(dot + 1) + '\n';
  }
  void uint32(std::uint32_t value) {
    for (int idx = 0; idx < 4; ++idx) out_ += static_cast<char>((value >> (8 * idx)) & 0xff);
  }
  std::string out_;
};

void write_bytes(const std::string& temp,
                 const std::vector<std::pair<const char*, std::size_t>>& parts) {
  std::ofstream out(temp, std::ios::binary);
  for (const auto& [data, size] : parts) out.write(data, static_cast<std::streamsize>(size));
  out.close();
  if (!out) throw Error(str_cat("cannot write '", temp, "'"));
}

}  // namespace

void write_pth(const std::filesystem::path& path, const StateDict& state,
               const StringMetadata& metadata) {
  std::vector<torch::Tensor> stored;
  for (const auto& [name, tensor] : state.tensors) stored.push_back(storable(tensor));
  PickleWriter pickle;
  pickle.begin_dict();
  pickle.string("state_dict");
  pickle.begin_ordered_dict();
  for (std::size_t idx = 0; idx < stored.size(); ++idx) {
    pickle.string(state.tensors[idx].first);
    pickle.tensor(stored[idx], std::to_string(idx));
  }
  pickle.end_items();
  pickle.string("metadata");
  pickle.begin_dict();
  for (const auto& [key, value] : metadata) {
    pickle.string(key);
    pickle.string(value);
  }
  pickle.end_items();
  pickle.end_items();
  const std::string pickled = pickle.finish();

  write_via_temp(path, [&](const std::string& temp) {
    std::ofstream out(temp, std::ios::binary);
    // LibTorch's own zip writer: torch.save's layout (archive/data.pkl, archive/data/<key>,
    // archive/version), records aligned for mmap, CRC-32s that torch.load checks.
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, std::size_t size) {
      out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
      return out ? size : 0;
    });
    writer.writeRecord("data.pkl", pickled.data(), pickled.size());
    for (std::size_t idx = 0; idx < stored.size(); ++idx)
      writer.writeRecord(str_cat("data/", idx), stored[idx].data_ptr(), stored[idx].nbytes());
    writer.writeEndOfFile();
    out.close();
    if (!out) throw Error(str_cat("cannot write '", temp, "'"));
  });
}

void write_safetensors(const std::filesystem::path& path, const StateDict& state,
                       const StringMetadata& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  nlohmann::ordered_json strings = nlohmann::ordered_json::object();
  for (const auto& [key, value] : metadata) strings[key] = value;
  header["__metadata__"] = strings;
  std::vector<torch::Tensor> stored;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : state.tensors) {
    stored.push_back(storable(tensor));
    const auto bytes = static_cast<std::uint64_t>(stored.back().nbytes());
    header[name] = {{"dtype", safetensors_dtype(tensor.scalar_type())},
                    {"shape", stored.back().sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::uint64_t length = text.size();
  char length_bytes[8];
  for (int idx = 0; idx < 8; ++idx)
    length_bytes[idx] = static_cast<char>((length >> (8 * idx)) & 0xff);
  std::vector<std::pair<const char*, std::size_t>> parts = {{length_bytes, 8},
                                                            {text.data(), text.size()}};
  for (const auto& tensor : stored)
    parts.emplace_back(static_cast<const char*>(tensor.data_ptr()), tensor.nbytes());
  write_via_temp(path, [&](const std::string& temp) { write_bytes(temp, parts); });
}

}  // namespace xp::models
