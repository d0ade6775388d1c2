#include "core/cache/data_identity.h"

#include <torch/torch.h>

#include "core/cache/file_identity.h"

namespace xp::cache {

std::string tensor_hash(const torch::Tensor& tensor) {
  const torch::Tensor flat = tensor.detach().contiguous().cpu();
  return bytes_hash_hex(flat.data_ptr(), static_cast<std::size_t>(flat.nbytes()));
}

std::string split_identity(const data::ImageSet& split) {
  std::string text =
      split.in_memory() ? "memory " + tensor_hash(split.images) : std::string("files");
  for (const auto& file : split.files) text += "\n" + file_identity(file);
  for (const auto& id : split.ids) text += "\n" + id;
  return hash_hex(text);
}

std::string data_identity(const data::DataBundle& data) {
  std::string text = std::string("target ") + data::target_name(data.target) + "\nclasses";
  for (const auto& name : data.classes) text += " " + name;
  for (const auto& split : {data.train, data.valid, data.test}) {
    if (!split) continue;
    text +=
        "\n" + split->name + " " + split_identity(*split) + " labels " + tensor_hash(split->labels);
  }
  return hash_hex(text);
}

}  // namespace xp::cache
