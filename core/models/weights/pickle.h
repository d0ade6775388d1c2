// A restricted unpickler for the one thing weight files pickle: a (possibly nested) dict of
// tensors, as torch.save(model.state_dict()) writes it (pickle protocol 2, an OrderedDict carrying
// `_metadata`, tensors rebuilt by torch._utils._rebuild_tensor_v2 from persistent storages).
//
// It never executes anything from the file: a global outside a short allow-list (OrderedDict, the
// tensor rebuild functions, the torch storage types) is an error, not a call.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace xp::models::pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kTensor,
    kMark
  };
  Kind kind = Kind::kNone;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string text;                                    // string value, or "module.name" of a global
  std::vector<ValuePtr> items;                         // tuple, list
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // dict, in insertion order
  torch::Tensor tensor;                                // tensor, or a storage (1-D)

  Value() = default;
  Value(const Value&) = default;
  Value& operator=(const Value&) = default;
  // Releases nested values with a work list, not by recursion: a file can nest 200,000 deep.
  ~Value();
};

// Resolves a persistent id (torch: ('storage', StorageType, key, location, numel)) to a storage.
using PersistentLoader = std::function<ValuePtr(const Value& id)>;

// Unpickles `bytes`. Throws ModelError mentioning `source` on malformed or disallowed content.
ValuePtr unpickle(const std::string& bytes, const PersistentLoader& persistent_load,
                  const std::string& source);

// The dtype of a torch storage global such as "torch.FloatStorage"; throws for unknown names.
torch::ScalarType storage_dtype(const std::string& global, const std::string& source);
// The other way (what a writer names): kFloat32 → "torch.FloatStorage"; throws ModelError for a
// dtype torch has no storage type for.
std::string storage_global(torch::ScalarType dtype);

}  // namespace xp::models::pickle
