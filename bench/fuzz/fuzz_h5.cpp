// Fuzzes model.weights given as an HDF5 file (libhdf5, then xp's dataset checks), through
// read_untrusted_h5: libhdf5 itself can crash on malformed files (found here), so xp reads them in
// a child process first. Each input is written to a file; any outcome but tensors or an xp::Error
// naming the file is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/models/weights/h5.h"
#include "core/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/xp-fuzz-" + std::to_string(getpid()) + ".h5";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                static_cast<std::streamsize>(size));
  try {
    (void)xp::models::read_untrusted_h5(path);
  } catch (const xp::Error&) {
  }
  return 0;
}
