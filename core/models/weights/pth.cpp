#include "core/models/weights/pth.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <fstream>
#include <map>

#include "core/models/weights/pickle.h"
#include "core/util/error.h"

namespace xp::models {

namespace {

using pickle::Value;
using pickle::ValuePtr;

bool is_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {0, 0, 0, 0};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0;
}

bool holds_tensors(const Value& dict) {
  for (const auto& [key, value] : dict.entries)
    if (value->kind == Value::Kind::kTensor) return true;
  return false;
}

// The state dict inside `root`: root itself, or its "state_dict" / "model" entry.
const Value& find_state_dict(const Value& root, const std::string& path) {
  if (root.kind != Value::Kind::kDict)
    throw ModelError(str_cat("weights '", path, "': the file does not hold a dict of tensors"));
  if (holds_tensors(root) || root.entries.empty()) return root;
  for (const char* wrapper : {"state_dict", "model"})
    for (const auto& [key, value] : root.entries)
      if (key->kind == Value::Kind::kString && key->text == wrapper &&
          value->kind == Value::Kind::kDict && holds_tensors(*value))
        return *value;
  throw ModelError(
      str_cat("weights '", path,
              "': no tensors found (neither at the top level nor under 'state_dict' or 'model')"));
}

}  // namespace

StateDict read_pth(const std::string& path) {
  if (!std::ifstream(path)) throw ModelError(str_cat("weights '", path, "': cannot open"));
  if (!is_zip(path))
    throw ModelError(
        str_cat("weights '", path,
                "': not a zip archive; xp reads the torch.save format of PyTorch >= 1.6 "
                "(re-save with torch.save(torch.load(f), f2), or export .safetensors)"));
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  std::string pickled;
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
    // torch.jit.save archives have constants.pkl and code/ besides data.pkl. Loading one runs its
    // code (a module's __setstate__ can do anything TorchScript can, such as writing files), so a
    // weights file never is one: TorchScript runs only where the recipe asks for it by name.
    if (reader->hasRecord("constants.pkl"))
      throw ModelError(
          str_cat("weights '", path,
                  "': a TorchScript archive (torch.jit.save) holds code, which xp runs only "
                  "for model.arch: torchscript; as weights, save the module's state_dict "
                  "(torch.save(m.state_dict(), f)) or a .safetensors file"));
    if (!reader->hasRecord("data.pkl"))
      throw ModelError(str_cat("weights '", path, "': archive has no data.pkl"));
    auto [data, size] = reader->getRecord("data.pkl");
    pickled.assign(static_cast<const char*>(data.get()), size);
  } catch (const c10::Error& error) {
    throw ModelError(str_cat("weights '", path, "': damaged zip archive (", error.msg(), ")"));
  }

  std::map<std::string, torch::Tensor> storages;  // tensors sharing a storage share it here too
  const pickle::PersistentLoader load_storage = [&](const Value& id) -> ValuePtr {
    if (id.kind != Value::Kind::kTuple || id.items.size() < 5 || id.items[0]->text != "storage" ||
        id.items[1]->kind != Value::Kind::kGlobal || id.items[2]->kind != Value::Kind::kString ||
        id.items[4]->kind != Value::Kind::kInt)
      throw ModelError(str_cat("weights '", path, "': unexpected persistent id in data.pkl"));
    const torch::ScalarType dtype = pickle::storage_dtype(id.items[1]->text, path);
    const std::string key = id.items[2]->text;
    const std::int64_t numel = id.items[4]->integer;
    auto found = storages.find(key);
    if (found == storages.end()) {
      const std::string record = "data/" + key;
      if (!reader->hasRecord(record))
        throw ModelError(str_cat("weights '", path, "': archive lacks storage '", record, "'"));
      torch::Tensor storage;
      try {
        auto [data, size] = reader->getRecord(record);
        const auto element = static_cast<std::int64_t>(c10::elementSize(dtype));
        if (numel < 0 || numel > static_cast<std::int64_t>(size) / element)
          throw ModelError(str_cat("weights '", path, "': storage '", record, "' has ", size,
                                   " bytes, fewer than its ", numel, " elements of ", element,
                                   " bytes need"));
        storage = torch::empty({numel}, dtype);
        std::memcpy(storage.data_ptr(), data.get(), static_cast<std::size_t>(numel * element));
      } catch (const c10::Error& error) {
        throw ModelError(
            str_cat("weights '", path, "': cannot read '", record, "' (", error.msg(), ")"));
      }
      found = storages.emplace(key, storage).first;
    }
    auto value = std::make_shared<Value>();
    value->kind = Value::Kind::kTensor;
    value->tensor = found->second;
    return value;
  };

  const ValuePtr root = pickle::unpickle(pickled, load_storage, path);
  const Value& dict = find_state_dict(*root, path);
  StateDict state;
  for (const auto& [key, value] : dict.entries) {
    if (key->kind != Value::Kind::kString)
      throw ModelError(str_cat("weights '", path, "': a state dict key is not a string"));
    if (value->kind != Value::Kind::kTensor)
      throw ModelError(str_cat("weights '", path, "': entry '", key->text, "' is not a tensor"));
    state.tensors.emplace_back(key->text, value->tensor);
  }
  return state;
}

}  // namespace xp::models
