#include "core/pipeline/gpu_info.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>

#include <array>

#include "core/util/error.h"

namespace xp::pipeline {

namespace {

// A shared library opened for the lifetime of the object, or none.
class Library {
 public:
  explicit Library(const char* name) : handle_(::dlopen(name, RTLD_NOW | RTLD_LOCAL)) {}
  ~Library() {
    if (handle_) ::dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  // The function `name` of type F, or nullptr.
  template <typename F>
  F function(const char* name) const {
    return handle_ ? reinterpret_cast<F>(::dlsym(handle_, name)) : nullptr;
  }

 private:
  void* handle_;
};

// The CUDA driver API's C functions (cuda.h): they return 0 on success; devices are ints.
using CuInit = int (*)(unsigned int);
using CuDeviceGet = int (*)(int*, int);
using CuDeviceGetName = int (*)(char*, int, int);
using CuDeviceTotalMem = int (*)(std::size_t*, int);
// NVML's (nvml.h): 0 on success.
using NvmlInit = int (*)();
using NvmlDriverVersion = int (*)(char*, unsigned int);
using NvmlShutdown = int (*)();

void describe_device(int index, report::GpuInfo& info) {
  const Library cuda("libcuda.so.1");
  const auto init = cuda.function<CuInit>("cuInit");
  const auto get = cuda.function<CuDeviceGet>("cuDeviceGet");
  const auto name = cuda.function<CuDeviceGetName>("cuDeviceGetName");
  const auto memory = cuda.function<CuDeviceTotalMem>("cuDeviceTotalMem_v2");
  int device = 0;
  if (!init || !get || init(0) != 0 || get(&device, index) != 0) return;
  std::array<char, 256> text{};
  if (name && name(text.data(), static_cast<int>(text.size()), device) == 0)
    info.name = text.data();
  std::size_t bytes = 0;
  if (memory && memory(&bytes, device) == 0)
    info.memory_gib = static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0);
}

std::string driver_version() {
  const Library nvml("libnvidia-ml.so.1");
  const auto init = nvml.function<NvmlInit>("nvmlInit_v2");
  const auto version = nvml.function<NvmlDriverVersion>("nvmlSystemGetDriverVersion");
  const auto shutdown = nvml.function<NvmlShutdown>("nvmlShutdown");
  if (!init || !version || init() != 0) return "";
  std::array<char, 96> text{};
  const bool known = version(text.data(), static_cast<unsigned>(text.size())) == 0;
  if (shutdown) shutdown();
  return known ? text.data() : "";
}

}  // namespace

std::string cuda_version_text(long version) {
  if (version <= 0) return "";
  return str_cat(version / 1000, ".", version % 1000 / 10);
}

std::string cudnn_version_text(long version) {
  if (version <= 0) return "";
  if (version >= 90000)
    return str_cat(version / 10000, ".", version % 10000 / 100, ".", version % 100);
  return str_cat(version / 1000, ".", version % 1000 / 100, ".", version % 100);
}

report::GpuInfo describe_gpu(int index) {
  report::GpuInfo info;
  describe_device(index, info);
  info.driver = driver_version();
  if (at::hasCUDA()) {
    const auto& hooks = at::detail::getCUDAHooks();
    info.cuda = cuda_version_text(hooks.versionCUDART());
    if (at::globalContext().hasCuDNN()) info.cudnn = cudnn_version_text(hooks.versionCuDNN());
  }
  return info;
}

}  // namespace xp::pipeline
