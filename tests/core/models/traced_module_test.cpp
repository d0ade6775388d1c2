// trace_module: xp's networks as TorchScript archives that LibTorch loads and runs without xp.
// The e2e export test runs the same files in PyTorch (torch.jit.load).
#include <doctest/doctest.h>

#include <torch/script.h>
#include <torch/torch.h>

#include "core/models/classifier.h"
#include "core/models/traced_module.h"
#include "tests/test_support.h"

using namespace xp;
using namespace xp::models;

TEST_CASE(
    "trace_module: the saved TorchScript network gives the C++ network's outputs, under its names, "
    "at another batch size than the trace's") {
  xp::testing::TempDir dir;
  torch::manual_seed(5);
  // A basic-block ResNet with a hidden head layer, a grouped-bottleneck one, and DenseNet's
  // concatenations: the three shapes of forward pass xp's architectures have.
  for (const char* arch : {"resnet18", "resnext50_32x4d", "densenet121"}) {
    CAPTURE(arch);
    ModelOptions options;
    options.arch = arch;
    options.xtra_fc = {16};
    Classifier model(options, 3);
    // Running statistics of their own, so that eval mode's BatchNorm is not the identity.
    model->train();
    {
      torch::NoGradGuard no_gradients;
      for (int step = 0; step < 2; ++step) model->forward(torch::randn({4, 3, 32, 32}));
    }
    model->eval();

    const torch::jit::Module traced = trace_module(
        *model, [&model](torch::Tensor x) { return model->forward(x); },
        torch::zeros({2, 3, 32, 32}), "Traced");
    const auto file = dir.path() / (std::string(arch) + ".torchscript");
    traced.save(file.string(), {{"note.txt", "kept"}});

    torch::jit::ExtraFilesMap extra = {{"note.txt", ""}};
    torch::jit::Module loaded = torch::jit::load(file.string(), torch::kCPU, extra);
    CHECK(extra["note.txt"] == "kept");
    // PyTorch's .training, .eval() and .train() need the attribute on every module.
    for (const auto& child : loaded.modules()) CHECK_FALSE(child.is_training());
    loaded.train();
    CHECK(loaded.attr("training").toBool());
    loaded.eval();
    const torch::Tensor images = torch::randn({5, 3, 48, 48});
    torch::Tensor expected;
    {
      torch::NoGradGuard no_gradients;
      expected = model->forward(images);
    }
    const torch::Tensor got = loaded.forward({images}).toTensor();
    REQUIRE(got.sizes() == expected.sizes());
    // The same LibTorch operations on the same tensors: the same numbers, bit for bit.
    CHECK(torch::equal(got, expected));

    std::vector<std::string> expected_names, loaded_names;
    for (const auto& item : model->named_parameters()) expected_names.push_back(item.key());
    for (const auto& item : loaded.named_parameters()) loaded_names.push_back(item.name);
    CHECK(loaded_names == expected_names);
    CHECK(std::count(loaded_names.begin(), loaded_names.end(), "body.conv1.weight") ==
          (std::string(arch) == "densenet121" ? 0 : 1));
    std::int64_t loaded_buffers = 0;
    for (const auto& item : loaded.named_buffers()) {
      (void)item;
      ++loaded_buffers;
    }
    CHECK(loaded_buffers == static_cast<std::int64_t>(model->buffers().size()));
  }
}
