// The optimizer step alone, over every parameter of a network (ResNet-34 + fastai head by
// default: ~110 tensors, 21.8 M numbers), in one run: torch::optim's own step() — a loop of
// per-parameter kernels, like PyTorch's `foreach=False` — against xp's multi-tensor step
// (multi_tensor_step.h, PyTorch's default `foreach=True` on CUDA) and the single-kernel fused step
// (fused_step.h, PyTorch's `fused=True`; LibTorch 2.4 or later), for SGD, Adam and AdamW.
//
//   build/bench/xp_bench_step [arch=resnet34] [device=cpu|cuda] [threads=all] [steps=20]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "core/models/classifier.h"
#include "core/train/fused_step.h"
#include "core/train/multi_tensor_step.h"
#include "core/util/cpu_features.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Kernel {
  const char* name;
  bool available;
};

// Seconds per step of `step`, after a warm-up step; on a GPU the timing waits for the kernels
// (reading a number of `probe` back waits for every kernel queued before).
double seconds_per_step(const std::function<void()>& step, const torch::Tensor& probe, int steps) {
  const auto finish = [&] {
    if (probe.is_cuda()) probe.sum().item<float>();
  };
  step();
  finish();
  const auto start = Clock::now();
  for (int iteration = 0; iteration < steps; ++iteration) step();
  finish();
  return std::chrono::duration<double>(Clock::now() - start).count() / steps;
}

// One optimizer type through the three kernels: ms per step and the ratio to torch's step().
template <typename Optimizer, typename Options>
void compare(const char* name, const Options& options, std::vector<torch::Tensor>& parameters,
             int steps) {
  const Kernel kernels[] = {{"torch::optim step()", true},
                            {"multi-tensor", true},
                            {"fused", xp::train::fused_step_available()}};
  double baseline = 0;
  for (std::size_t kernel = 0; kernel < 3; ++kernel) {
    if (!kernels[kernel].available) {
      std::printf("%-6s %-20s %12s\n", name, kernels[kernel].name, "n/a (LibTorch < 2.4)");
      continue;
    }
    Optimizer optimizer(parameters, options);
    const double seconds = seconds_per_step(
        [&] {
          if (kernel == 0) optimizer.step();
          if (kernel == 1) xp::train::multi_tensor_step(optimizer);
          if (kernel == 2) xp::train::fused_step(optimizer);
        },
        parameters.front(), steps);
    if (baseline == 0) baseline = seconds;
    std::printf("%-6s %-20s %9.2f ms   x%.2f\n", name, kernels[kernel].name, seconds * 1e3,
                baseline / seconds);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string arch = argc > 1 ? argv[1] : "resnet34";
  const torch::Device device(argc > 2 ? argv[2] : "cpu");
  const int threads =
      argc > 3 ? std::stoi(argv[3]) : static_cast<int>(std::thread::hardware_concurrency());
  const int steps = argc > 4 ? std::stoi(argv[4]) : 20;
  torch::set_num_threads(threads);

  xp::models::ModelOptions model_options;
  model_options.arch = arch;
  torch::manual_seed(0);
  xp::models::Classifier model(model_options, 10);
  model->to(device);
  std::vector<torch::Tensor> parameters = model->parameters();
  std::int64_t numbers = 0;
  for (auto& parameter : parameters) {
    parameter.mutable_grad() = torch::randn_like(parameter) * 1e-3;
    numbers += parameter.numel();
  }
  std::printf("step bench: %s, %zu parameter tensors, %.1f M numbers, on %s, %d threads (%s)\n\n",
              arch.c_str(), parameters.size(), static_cast<double>(numbers) / 1e6,
              device.str().c_str(), threads, xp::describe(xp::cpu_features()).c_str());
  std::printf("%-6s %-20s %12s   vs step()\n", "optim", "kernel", "per step");
  compare<torch::optim::SGD>("sgd", torch::optim::SGDOptions(1e-3).momentum(0.9).weight_decay(1e-4),
                             parameters, steps);
  compare<torch::optim::Adam>("adam", torch::optim::AdamOptions(1e-4).weight_decay(1e-4),
                              parameters, steps);
  compare<torch::optim::AdamW>("adamw", torch::optim::AdamWOptions(1e-4).weight_decay(1e-2),
                               parameters, steps);
  return 0;
}
