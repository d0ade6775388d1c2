#include <doctest/doctest.h>

#include <torch/torch.h>

#include <cstdlib>
#include <fstream>

#include "core/models/classifier.h"
#include "core/models/weights/h5.h"
#include "core/models/weights/load.h"
#include "core/models/weights/pickle.h"
#include "core/models/weights/safetensors.h"
#include "core/models/weights/torchscript.h"
#include "core/models/weights/write.h"
#include "core/util/error.h"
#include "tests/core/models/resnet_body.h"
#include "tests/test_support.h"

using namespace xp;
using namespace xp::models;

namespace {

// Writes a .safetensors file by the format's specification (independent of xp's reader).
void write_safetensors(const std::string& path, const std::string& header,
                       const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t length = header.size();
  for (int byte = 0; byte < 8; ++byte) out.put(static_cast<char>((length >> (8 * byte)) & 0xff));
  out << header << data;
}

std::string floats(std::initializer_list<float> values) {
  std::string bytes;
  for (float value : values) bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
  return bytes;
}

}  // namespace

TEST_CASE("safetensors: tensors are read by name, shape and dtype") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "w.safetensors").string();
  write_safetensors(
      path,
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},)"
      R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt"}})",
      floats({1, 2, 3, 4, 5, 6}));
  const StateDict state = read_safetensors(path);
  REQUIRE(state.tensors.size() == 2);
  CHECK(state.tensors[0].first == "a");  // file order
  CHECK(state.find("a")->equal(torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}})));
  CHECK(state.find("b")->equal(torch::tensor({5.0f, 6.0f})));
}

TEST_CASE("safetensors: damaged files are clear errors") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "w.safetensors").string();
  const struct {
    std::string header;
    std::string data;
    const char* message;
  } cases[] = {
      {"{not json", "", "header is not JSON"},
      {R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", floats({1, 2}),
       "lies outside the 8 data bytes; truncated?"},
      {R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2}),
       "has 8 bytes but its shape and dtype need 12"},
      {R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", "x", "unsupported dtype 'Q4'"},
      {R"({"a":{"shape":[1]}})", "", "lacks dtype, shape or data_offsets"},
      // 2^62 × 4 × 4 bytes wraps to 0 in int64: once it matched the 0 data bytes and torch::empty
      // failed with a c10 backtrace naming no file.
      {R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})", "",
       "tensor 'a' has a shape whose size overflows 64 bits"},
  };
  for (const auto& c : cases) {
    write_safetensors(path, c.header, c.data);
    CHECK_THROWS_WITH_AS(read_safetensors(path), doctest::Contains(c.message), ModelError);
  }
  std::ofstream(path, std::ios::binary) << "abc";
  CHECK_THROWS_WITH_AS(read_safetensors(path),
                       doctest::Contains("fewer than the 8-byte header length"), ModelError);
  write_safetensors(path, std::string(100, ' '), "");
  std::filesystem::resize_file(path, 50);
  CHECK_THROWS_WITH_AS(read_safetensors(path), doctest::Contains("exceeds the file"), ModelError);
}

TEST_CASE(
    "a 50,000-character tensor name is an unexpected tensor, not a crash (densenet's legacy "
    "renaming)") {
  testing::TempDir dir;
  const std::string path = (dir.path() / "long.safetensors").string();
  const std::string name =
      "features.denseblock1." + std::string(50000, 'a') + "denselayer1.norm.1.weight";
  write_safetensors(path, R"({")" + name + R"(":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                    floats({1}));
  ModelOptions options;
  options.arch = "densenet121";
  Classifier model(options, 2);
  CHECK_THROWS_WITH_AS(load_backbone_weights(*model, path), doctest::Contains("unexpected"),
                       ModelError);
}

TEST_CASE("strict loading names every missing, unexpected and misshapen tensor") {
  torch::nn::Linear linear(3, 2);
  StateDict state;
  state.tensors = {{"weight", torch::zeros({2, 4})}, {"extra", torch::zeros({1})}};
  try {
    load_state_dict(*linear, state, "w.safetensors");
    FAIL("no error");
  } catch (const ModelError& error) {
    const std::string text = error.what();
    CHECK(text.find("weights 'w.safetensors' do not match the model (3 problems)") !=
          std::string::npos);
    CHECK(text.find("unexpected tensor 'extra' [1]") != std::string::npos);
    CHECK(text.find("missing tensor 'bias' (expected shape [2])") != std::string::npos);
    CHECK(text.find("tensor 'weight': expected shape [2, 3], found [2, 4]") != std::string::npos);
  }
}

TEST_CASE("freeze_to stops gradients of earlier groups and keeps their BatchNorm in eval mode") {
  ModelOptions options;
  options.arch = "resnet18";
  Classifier model(options, 3);
  model->freeze_to(2);
  model->train_respecting_frozen_bn();
  CHECK_FALSE(testing::resnet_body(model).conv1->weight.requires_grad());
  CHECK_FALSE(testing::resnet_body(model).layer4->parameters()[0].requires_grad());
  CHECK(model->head->parameters()[0].requires_grad());
  CHECK_FALSE(testing::resnet_body(model).bn1->is_training());
  CHECK(model->head->is_training());
  // A training step leaves the frozen body's BN statistics untouched.
  const torch::Tensor mean_before = testing::resnet_body(model).bn1->running_mean.clone();
  model->forward(torch::randn({4, 3, 32, 32}));
  CHECK(testing::resnet_body(model).bn1->running_mean.equal(mean_before));
  model->freeze_to(0);
  model->train_respecting_frozen_bn();
  CHECK(testing::resnet_body(model).bn1->is_training());
  CHECK(testing::resnet_body(model).conv1->weight.requires_grad());
}

TEST_CASE(
    "bn_freeze keeps every BatchNorm in eval mode, the head's too, while their affine weights "
    "train (learn.bn_freeze)") {
  ModelOptions options;
  options.arch = "resnet18";
  options.xtra_fc = {16};   // a head with BatchNorm1d layers
  options.train_bn = true;  // bn_freeze wins over it, as fastai's set_train_mode
  Classifier model(options, 3);
  model->freeze_to(0);
  model->set_bn_freeze(true);
  model->train_respecting_frozen_bn();
  int batchnorms = 0;
  for (const auto& module : model->modules(/*include_self=*/false)) {
    if (!is_batchnorm(*module)) continue;
    ++batchnorms;
    CHECK_FALSE(module->is_training());
    for (const auto& parameter : module->parameters()) CHECK(parameter.requires_grad());
  }
  CHECK(batchnorms > 20);
  CHECK(model->head->is_training());  // dropout still drops
  // A training forward pass leaves every running statistic as it was.
  std::vector<torch::Tensor> before;
  for (const auto& buffer : model->buffers()) before.push_back(buffer.clone());
  model->forward(torch::randn({4, 3, 32, 32}));
  std::size_t idx = 0;
  for (const auto& buffer : model->buffers()) CHECK(buffer.equal(before[idx++]));
  model->set_bn_freeze(false);
  model->train_respecting_frozen_bn();
  CHECK(testing::resnet_body(model).bn1->is_training());
}

TEST_CASE(
    "pth: torch.save'd state dicts read exactly, wrapped or not, and unsafe or damaged files are "
    "refused") {
  testing::TempDir dir;
  REQUIRE(testing::run_python_tool("torch_save_cases.py", dir.path().string()) == 0);
  for (const char* name : {"small.pth", "wrapped.pth"}) {
    CAPTURE(name);
    const StateDict state = read_weights((dir.path() / name).string());
    REQUIRE(state.tensors.size() == 4);
    CHECK(state.tensors[0].first == "weight");  // file order
    CHECK(state.find("weight")->equal(torch::arange(6, torch::kFloat32).reshape({2, 3})));
    CHECK(state.find("bias")->equal(torch::tensor({0.5f, -1.5f})));
    CHECK(state.find("steps")->dtype() == torch::kInt64);
    CHECK(state.find("steps")->item<std::int64_t>() == 7);
    CHECK(state.find("view")->equal(
        torch::tensor({3.0f, 4.0f, 5.0f})));  // a view into weight's storage
  }
  const struct {
    const char* file;
    const char* message;
  } refused[] = {
      {"legacy.pth", "not a zip archive"},
      {"code.pth", "refusing pickle global 'collections.Counter'"},
      {"truncated.pth", "truncated.pth"},
      // Nested 200,000 deep: once a stack overflow in the values' destructor.
      {"deep.pth", "does not hold a dict of tensors"},
      // A TorchScript archive is code: refused before anything in it runs (its __setstate__ raises).
      {"script.pth",
       "a TorchScript archive (torch.jit.save) holds code, which xp runs only for model.arch: "
       "torchscript"},
      // Sizes times strides that wrap around in int64, and a stride-0 view claiming 2^40 elements.
      {"overflow.pth", "tensor size times stride overflows 64 bits"},
      {"broadcast.pth", "would take more than 1024 times as many"},
  };
  for (const auto& c : refused) {
    CAPTURE(c.file);
    CHECK_THROWS_WITH_AS(read_weights((dir.path() / c.file).string()), doctest::Contains(c.message),
                         ModelError);
  }
  // The same file as a TorchScript body, which the recipe asks for by name, is loaded — and runs.
  CHECK_THROWS_WITH_AS(
      load_torchscript((dir.path() / "script.pth").string()),
      doctest::Contains(
          "script.pth': its code failed while loading: builtins.RuntimeError: code from "
          "the weights file ran"),
      ModelError);
}

TEST_CASE("pickle: a reference cycle is refused, not leaked (found by fuzz_pickle)") {
  const auto unpickle = [](const std::string& bytes) {
    return xp::models::pickle::unpickle(
        bytes, [](const xp::models::pickle::Value&) { return nullptr; }, "cycle.pkl");
  };
  // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND: a list appended to itself. (Literals split before "a":
  // "\x00a" would be one hex escape.)
  CHECK_THROWS_WITH_AS(unpickle(std::string("\x80\x02]q\x00h\x00"
                                            "a.",
                                            9)),
                       doctest::Contains("contains itself"), ModelError);
  // The list nested in a tuple, then fetched from the memo and appended to: how a longer cycle starts.
  CHECK_THROWS_WITH_AS(unpickle(std::string("\x80\x02]q\x00(h\x00th\x00K\x01"
                                            "a.",
                                            15)),
                       doctest::Contains("receives items after being nested"), ModelError);
  // Filled first, nested after, as torch.save writes: fine.
  const auto nested =
      unpickle(std::string("\x80\x02]q\x00K\x01"
                           "a\x85.",
                           10));
  REQUIRE(nested->items.size() == 1);
  CHECK(nested->items[0]->items.size() == 1);
}

TEST_CASE("h5: xp checkpoints round-trip every tensor and give their body to a new model") {
  testing::TempDir dir;
  torch::manual_seed(1);
  ModelOptions options;
  options.arch = "resnet18";
  Classifier trained(options, 5);
  const auto path = dir.path() / "model.h5";
  write_h5(path, state_dict_of(*trained));
  const StateDict back = read_h5(path.string());
  const StateDict original = state_dict_of(*trained);
  CHECK(back.tensors.size() == original.tensors.size());
  for (const auto& [name, tensor] : original.tensors) {
    CAPTURE(name);
    REQUIRE(back.find(name) != nullptr);
    CHECK(back.find(name)->dtype() == tensor.dtype());
    CHECK(back.find(name)->equal(tensor));
  }
  // A fresh classifier for 3 classes takes the trained body and keeps its own head.
  torch::manual_seed(2);
  Classifier fresh(options, 3);
  load_backbone_weights(*fresh, path.string());
  CHECK(testing::resnet_body(fresh).layer3->parameters()[0].equal(
      testing::resnet_body(trained).layer3->parameters()[0]));
  CHECK(testing::resnet_body(fresh).bn1->running_var.equal(
      testing::resnet_body(trained).bn1->running_var));
}

TEST_CASE("h5: damaged and foreign files are clear errors") {
  testing::TempDir dir;
  const auto path = dir.path() / "model.h5";
  ModelOptions options;
  options.arch = "resnet18";
  Classifier model(options, 2);
  write_h5(path, state_dict_of(*model));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 3);
  CHECK_THROWS_WITH_AS(read_h5(path.string()), doctest::Contains("model.h5"), ModelError);
  testing::write_text(dir.path() / "text.h5", "not hdf5 at all");
  CHECK_THROWS_WITH_AS(read_h5((dir.path() / "text.h5").string()),
                       doctest::Contains("not an HDF5 file"), ModelError);
  // A dataset that claims 2^40 floats but was never written: a few KB on disk, 4 TB to read.
  REQUIRE(testing::run_python_tool("h5_claiming.py", (dir.path() / "claims.h5").string()) == 0);
  CHECK_THROWS_WITH_AS(
      read_h5((dir.path() / "claims.h5").string()),
      doctest::Contains("dataset 'huge' claims 4398046511104 bytes, more than a file of"),
      ModelError);
}

TEST_CASE(
    "h5 weights that crash libhdf5 are a ModelError, not a crash of xp (read in a child process "
    "first)") {
  const std::string crasher = std::string(XP_SOURCE_DIR) + "/tests/fixtures/libhdf5_crash.h5";
  CHECK_THROWS_WITH_AS(read_weights(crasher),
                       doctest::Contains("libhdf5_crash.h5': libhdf5 crashed reading it"),
                       ModelError);
  // A good file still reads through the same path.
  testing::TempDir dir;
  StateDict state;
  state.tensors.emplace_back("w", torch::arange(6, torch::kFloat32));
  write_h5(dir.path() / "w.h5", state);
  CHECK(read_weights((dir.path() / "w.h5").string())
            .find("w")
            ->equal(torch::arange(6, torch::kFloat32)));
}

TEST_CASE("train_bn keeps BatchNorm of frozen groups training, as fastai v2") {
  ModelOptions options;
  options.arch = "resnet18";
  options.train_bn = true;
  Classifier model(options, 3);
  model->freeze_to(2);
  model->train_respecting_frozen_bn();
  CHECK_FALSE(testing::resnet_body(model).conv1->weight.requires_grad());
  CHECK(testing::resnet_body(model).bn1->weight.requires_grad());
  CHECK(
      testing::resnet_body(model).layer3->parameters()[1].requires_grad());  // layer3.0.bn1.weight
  CHECK(testing::resnet_body(model).bn1->is_training());
  const torch::Tensor mean_before = testing::resnet_body(model).bn1->running_mean.clone();
  model->forward(torch::randn({4, 3, 32, 32}));
  CHECK_FALSE(testing::resnet_body(model).bn1->running_mean.equal(mean_before));
}

TEST_CASE("write_pth and write_safetensors: xp's own readers get every tensor back") {
  xp::testing::TempDir dir;
  xp::models::StateDict state;
  state.tensors.emplace_back("conv1.weight", torch::randn({4, 3, 3, 3}));
  // Non-contiguous (channels_last) and int64 tensors are stored as dense values.
  state.tensors.emplace_back("layer1.0.bn1.running_mean",
                             torch::randn({2, 3, 4, 5}).contiguous(at::MemoryFormat::ChannelsLast));
  state.tensors.emplace_back("bn1.num_batches_tracked", torch::tensor(7, torch::kInt64));
  const xp::models::StringMetadata metadata = {{"arch", "resnet18"}, {"classes", "[\"a\"]"}};
  const auto pth = dir.path() / "m.pth";
  const auto safetensors = dir.path() / "m.safetensors";
  xp::models::write_pth(pth, state, metadata);
  xp::models::write_safetensors(safetensors, state, metadata);
  for (const auto& read :
       {xp::models::read_weights(pth.string()), xp::models::read_weights(safetensors.string())}) {
    REQUIRE(read.tensors.size() == 3);
    for (const auto& [name, tensor] : state.tensors) {
      CAPTURE(name);
      const torch::Tensor* found = read.find(name);
      REQUIRE(found);
      CHECK((found->scalar_type() == tensor.scalar_type()));
      CHECK(torch::equal(*found, tensor));
    }
  }
}
