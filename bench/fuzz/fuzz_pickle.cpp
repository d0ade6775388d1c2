// Fuzzes the restricted unpickler that reads .pth files' data.pkl: every persistent id resolves to
// a small storage, so tensor rebuilds (sizes, strides, offsets) are exercised without an archive.
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/models/weights/pickle.h"
#include "core/util/error.h"

using xp::models::pickle::Value;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto storage = [](const Value&) {
    auto value = std::make_shared<Value>();
    value->kind = Value::Kind::kTensor;
    value->tensor = torch::arange(16, torch::kFloat32);
    return value;
  };
  try {
    (void)xp::models::pickle::unpickle(bytes, storage, "fuzz.pkl");
  } catch (const xp::Error&) {
  }
  return 0;
}
