// run.json's GPU record: version numbers as NVIDIA's libraries report them, written as people read
// them; on a machine without a GPU the driver's libraries are absent and nothing is made up.
#include "core/pipeline/gpu_info.h"

#include <doctest/doctest.h>

#include <filesystem>

using namespace xp::pipeline;

TEST_CASE("GPU record: CUDA and cuDNN version numbers read as their releases") {
  CHECK(cuda_version_text(12080) == "12.8");
  CHECK(cuda_version_text(11070) == "11.7");
  CHECK(cuda_version_text(13000) == "13.0");
  CHECK(cuda_version_text(0).empty());
  CHECK(cudnn_version_text(91002) == "9.10.2");  // cuDNN 9: 10000 × major + 100 × minor + patch
  CHECK(cudnn_version_text(90100) == "9.1.0");
  CHECK(cudnn_version_text(8907) == "8.9.7");  // cuDNN 8: 1000 × major + 100 × minor + patch
  CHECK(cudnn_version_text(0).empty());
}

TEST_CASE("GPU record: without NVIDIA's driver the device's fields stay empty") {
  if (std::filesystem::exists("/dev/nvidia0")) {
    const xp::report::GpuInfo gpu = describe_gpu(0);
    CHECK(!gpu.name.empty());
    CHECK(gpu.memory_gib > 0);
    CHECK(!gpu.driver.empty());
    return;
  }
  const xp::report::GpuInfo none = describe_gpu(0);
  CHECK(none.name.empty());
  CHECK(none.memory_gib == 0);
}
