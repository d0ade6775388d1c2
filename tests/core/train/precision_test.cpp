#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/models/classifier.h"
#include "core/train/device.h"
#include "core/train/precision.h"
#include "core/train/torch_compat.h"
#include "core/util/cpu_features.h"
#include "core/util/error.h"

using namespace xp;
using train::ComputeOptions;
using train::Precision;

namespace {

ComputeOptions computing(Precision precision, bool channels_last) {
  ComputeOptions compute;
  compute.precision = precision;
  compute.channels_last = channels_last;
  return compute;
}

torch::Tensor features_with(const ComputeOptions& compute) {
  torch::manual_seed(3);
  models::ModelOptions options;
  options.arch = "resnet18";
  models::Classifier model(options, 4);
  model->eval();
  train::apply_layout(*model, compute);
  torch::manual_seed(4);
  const torch::Tensor images = train::to_layout(torch::randn({2, 3, 64, 64}), compute);
  torch::NoGradGuard no_grad;
  train::AutocastScope autocast(compute);
  return model->features(images).to(torch::kFloat32);
}

double relative_to_max(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max()).item<double>();
}

}  // namespace

TEST_CASE(
    "channels_last computes the same features as NCHW, and bf16 stays within bf16's precision") {
  const torch::Tensor fp32 = features_with(computing(Precision::kFp32, false));
  CHECK(relative_to_max(features_with(computing(Precision::kFp32, true)), fp32) < 1e-5);
  const double bf16 = relative_to_max(features_with(computing(Precision::kBf16, true)), fp32);
  CHECK(bf16 > 0);     // autocast really ran in bfloat16
  CHECK(bf16 < 0.05);  // 8 mantissa bits through 18 layers
}

TEST_CASE("AutocastScope enables CPU autocast only for bf16, and only while it lives") {
  CHECK_FALSE(xp::train::compat::autocast_enabled(at::kCPU));
  {
    train::AutocastScope scope(computing(Precision::kBf16, false));
    CHECK(xp::train::compat::autocast_enabled(at::kCPU));
    CHECK(torch::mm(torch::randn({2, 2}), torch::randn({2, 2})).dtype() == torch::kBFloat16);
  }
  CHECK_FALSE(xp::train::compat::autocast_enabled(at::kCPU));
  {
    train::AutocastScope scope(computing(Precision::kFp32, false));
    CHECK_FALSE(xp::train::compat::autocast_enabled(at::kCPU));
  }
  CHECK(train::parse_precision("bf16") == Precision::kBf16);
  CHECK(train::parse_precision("fp16") == Precision::kFp16);
  CHECK(train::to_string(Precision::kFp16) == "fp16");
  CHECK_THROWS_AS(train::parse_precision("fp8"), xp::UserError);
  // fp16 autocast is a GPU's: refused on the CPU rather than silently run in fp32.
  CHECK_THROWS_WITH(train::AutocastScope(computing(Precision::kFp16, false)),
                    doctest::Contains("fp16 needs a GPU"));
  CHECK_FALSE(xp::train::compat::autocast_enabled(at::kCPU));
}

TEST_CASE(
    "a GPU asked of a build or machine without one, or GPU ranks without NCCL, is refused with "
    "what to do") {
  using xp::train::parse_device;
  const auto cuda = parse_device("cuda");
  CHECK(xp::train::device_unavailable(parse_device("cpu"), 0, false, "1.13.1").empty());
  CHECK(xp::train::device_unavailable(parse_device("auto"), 0, false, "1.13.1").empty());
  CHECK(xp::train::device_unavailable(cuda, 0, false, "1.13.1") ==
        "this xp is built against LibTorch 1.13.1 without CUDA; build it against a CUDA LibTorch "
        "(README, \"GPU\") or use device: auto or cpu");
  CHECK(xp::train::device_unavailable(cuda, 0, true, "2.9.1").find("no GPU is visible") == 0);
  CHECK(xp::train::device_unavailable(cuda, 1, true, "2.9.1").empty());
  CHECK(xp::train::device_unavailable(parse_device("cuda:1"), 1, true, "2.9.1") ==
        "this machine has 1 GPU (cuda:0)");
  CHECK(xp::train::device_unavailable(parse_device("cuda:4"), 2, true, "2.9.1") ==
        "this machine has 2 GPUs (cuda:0-1)");
  CHECK(xp::train::precision_unavailable(Precision::kFp16, parse_device("cpu"))
            .find("fp16 needs a GPU") == 0);
  CHECK(xp::train::precision_unavailable(Precision::kFp16, cuda).empty());
  CHECK(xp::train::precision_unavailable(Precision::kBf16, parse_device("cpu")).empty());
  // Data-parallel ranks on GPUs need NCCL; on the CPU, or alone, they do not.
  CHECK(xp::train::data_parallel_unavailable(cuda, 2, false)
            .find("2 data-parallel ranks on GPUs need NCCL") == 0);
  CHECK(xp::train::data_parallel_unavailable(cuda, 2, true).empty());
  CHECK(xp::train::data_parallel_unavailable(cuda, 1, false).empty());
  CHECK(xp::train::data_parallel_unavailable(parse_device("cpu"), 4, false).empty());
}

TEST_CASE("bf16 on a CPU without native bf16 gets a warning that says what to do") {
  xp::train::ComputeOptions bf16;
  bf16.precision = xp::train::Precision::kBf16;
  CHECK(xp::train::precision_warning(bf16, /*native_bf16=*/false).find("use precision: fp32") !=
        std::string::npos);
  CHECK(xp::train::precision_warning(bf16, /*native_bf16=*/true).empty());
  CHECK(xp::train::precision_warning(xp::train::ComputeOptions{}, /*native_bf16=*/false).empty());
}

TEST_CASE("CPU features are described as a list of what is present") {
  xp::CpuFeatures features;
  CHECK(xp::describe(features) == "none");
  CHECK_FALSE(xp::has_native_bf16(features));
  features.avx512f = true;
  features.amx_bf16 = true;
  CHECK(xp::describe(features) == "avx512f amx_bf16");
  CHECK(xp::has_native_bf16(features));
}

TEST_CASE("device names: auto, cpu, cuda and cuda:N read back as written, others are refused") {
  using xp::train::Device;
  CHECK(xp::train::parse_device("auto").kind == Device::Kind::kAuto);
  CHECK(xp::train::parse_device("cpu").kind == Device::Kind::kCpu);
  const Device cuda = xp::train::parse_device("cuda");
  CHECK(cuda.kind == Device::Kind::kCuda);
  CHECK(cuda.index == 0);
  CHECK(xp::train::parse_device("cuda:3").index == 3);
  for (const char* name : {"auto", "cpu", "cuda:0", "cuda:12"})
    CHECK(xp::train::to_string(xp::train::parse_device(name)) == name);
  for (const char* bad : {"", "gpu", "cuda:", "cuda:x", "cuda:1:2", "cudaa", "CPU"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(xp::train::parse_device(bad), xp::UserError);
  }
}

TEST_CASE("device auto is the first GPU when one is visible, else the CPU, and the others stay") {
  using xp::train::Device;
  using xp::train::resolve_device;
  const Device auto_device = xp::train::parse_device("auto");
  CHECK(xp::train::to_string(resolve_device(auto_device, 0)) == "cpu");
  CHECK(xp::train::to_string(resolve_device(auto_device, 2)) == "cuda:0");
  CHECK(xp::train::to_string(resolve_device(xp::train::parse_device("cpu"), 2)) == "cpu");
  CHECK(xp::train::to_string(resolve_device(xp::train::parse_device("cuda:1"), 0)) == "cuda:1");
  CHECK(xp::train::device_type(resolve_device(auto_device, 1)) == "cuda");
  CHECK(xp::train::device_type(resolve_device(auto_device, 0)) == "cpu");
  // This machine: the CPU unless the LibTorch xp was built with has CUDA and sees a GPU.
  const Device here = xp::train::resolve_on_this_machine(auto_device);
  CHECK(here.kind == (xp::train::visible_gpus() > 0 ? Device::Kind::kCuda : Device::Kind::kCpu));
  CHECK(xp::train::torch_device(resolve_device(xp::train::parse_device("cpu"), 0)).is_cpu());
  CHECK(xp::train::torch_device(xp::train::parse_device("cuda:1")).index() == 1);
}
