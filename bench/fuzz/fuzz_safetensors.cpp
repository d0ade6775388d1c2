// Fuzzes model.weights given as a .safetensors file (JSON header, offsets, dtypes). The reader takes a path, so each input is written
// to a file first. Any outcome but tensors or an xp::Error naming the file is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/models/weights/safetensors.h"
#include "core/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/xp-fuzz-" + std::to_string(getpid()) + ".safetensors";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                static_cast<std::streamsize>(size));
  try {
    (void)xp::models::read_safetensors(path);
  } catch (const xp::Error&) {
  }
  return 0;
}
