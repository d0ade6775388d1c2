// bf16 autocast and channels_last against fp32 NCHW, on this CPU, in one run:
// inference (concat-pooled features, eval mode) and training steps (forward, backward, SGD), plus
// how far bf16 features move from fp32 ones.
//
//   build/bench/xp_bench_precision [arch=resnet34] [size=224] [threads=all]
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "core/models/classifier.h"
#include "core/train/precision.h"
#include "core/util/cpu_features.h"

namespace {

using xp::train::ComputeOptions;
using xp::train::Precision;
using Clock = std::chrono::steady_clock;

struct Config {
  const char* name;
  ComputeOptions compute;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string arch = argc > 1 ? argv[1] : "resnet34";
  const int size = argc > 2 ? std::stoi(argv[2]) : 224;
  const int threads =
      argc > 3 ? std::stoi(argv[3]) : static_cast<int>(std::thread::hardware_concurrency());
  torch::set_num_threads(threads);
  constexpr int kBatch = 16;
  constexpr int kInferenceBatches = 3;
  constexpr int kTrainSteps = 2;
  std::printf(
      "precision bench: %s at %d px, batch %d, %d threads; CPU bf16/AVX-512 features: %s\n\n",
      arch.c_str(), size, kBatch, threads, xp::describe(xp::cpu_features()).c_str());
  std::printf("%-22s %14s %14s %18s\n", "config", "infer img/s", "train img/s", "feature diff");

  const Config configs[] = {
      {"fp32 NCHW", {Precision::kFp32, false, false, {}}},
      {"fp32 channels_last", {Precision::kFp32, true, false, {}}},
      {"bf16 channels_last", {Precision::kBf16, true, false, {}}},
  };
  torch::manual_seed(0);
  const torch::Tensor images = torch::randn({kBatch, 3, size, size});
  const torch::Tensor labels = torch::randint(0, 10, {kBatch}, torch::kInt64);
  torch::Tensor reference;
  double baseline_infer = 0;
  double baseline_train = 0;
  for (const auto& config : configs) {
    xp::models::ModelOptions options;
    options.arch = arch;
    torch::manual_seed(1);  // the same weights in every configuration
    xp::models::Classifier model(options, 10);
    xp::train::apply_layout(*model, config.compute);
    const torch::Tensor input = xp::train::to_layout(images, config.compute);

    model->eval();
    torch::Tensor features;
    double infer_rate = 0;
    {
      torch::NoGradGuard no_grad;
      xp::train::AutocastScope autocast(config.compute);
      features = model->features(input).to(torch::kFloat32);  // warm-up (oneDNN primitive creation)
      const auto start = Clock::now();
      for (int batch = 0; batch < kInferenceBatches; ++batch)
        features = model->features(input).to(torch::kFloat32);
      infer_rate = kBatch * kInferenceBatches / seconds_since(start);
      if (baseline_infer == 0) baseline_infer = infer_rate;
      std::printf("%-22s %14.1f", config.name, infer_rate);
    }
    if (!reference.defined()) reference = features;
    const double difference =
        ((features - reference).abs().max() / reference.abs().max()).item<double>();

    model->train();
    torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
    auto step = [&] {
      optimizer.zero_grad();
      torch::Tensor loss;
      {
        xp::train::AutocastScope autocast(config.compute);
        loss = torch::nll_loss(model->forward(input).to(torch::kFloat32), labels);
      }
      loss.backward();
      optimizer.step();
    };
    step();  // warm-up
    const auto start = Clock::now();
    for (int iteration = 0; iteration < kTrainSteps; ++iteration) step();
    const double train_rate = kBatch * kTrainSteps / seconds_since(start);
    if (baseline_train == 0) baseline_train = train_rate;
    std::printf(" %14.1f %18.2e   (x%.1f inference, x%.1f training vs fp32 NCHW)\n", train_rate,
                difference, infer_rate / baseline_infer, train_rate / baseline_train);
  }
  return 0;
}
