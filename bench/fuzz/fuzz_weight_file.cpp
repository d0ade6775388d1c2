// Fuzzes a weights reader that takes a path (model.weights as .pth, .safetensors or HDF5), built
// once per reader: CMakeLists.txt defines XP_FUZZ_READER (the function), XP_FUZZ_HEADER and
// XP_FUZZ_SUFFIX. Each input is written to a file first. Any outcome but tensors or an xp::Error
// naming the file is a finding. HDF5 goes through read_untrusted_h5: libhdf5 itself can crash on
// malformed files (found here), so xp reads them in a child process first.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include XP_FUZZ_HEADER
#include "core/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/xp-fuzz-" + std::to_string(getpid()) + XP_FUZZ_SUFFIX;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    (void)xp::models::XP_FUZZ_READER(path);
  } catch (const xp::Error&) {
  }
  return 0;
}
