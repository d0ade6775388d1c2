#include <doctest/doctest.h>

#include <torch/torch.h>

#include <set>

#include "core/models/classifier.h"
#include "core/models/head.h"
#include "tests/core/models/resnet_body.h"

using namespace xp;
using namespace xp::models;

namespace {

std::int64_t count(const std::vector<torch::Tensor>& parameters) {
  std::int64_t total = 0;
  for (const auto& parameter : parameters) total += parameter.numel();
  return total;
}

}  // namespace

TEST_CASE("ResNet bodies have torchvision's parameter counts (model card totals minus fc)") {
  // torchvision: resnet18 11,689,512 params, fc = 512·1000 + 1000; resnet50 25,557,032, fc = 2048·1000 + 1000.
  CHECK(count(ResNetBodyImpl(find_architecture("resnet18")).parameters()) == 11689512 - 513000);
  CHECK(count(ResNetBodyImpl(find_architecture("resnet34")).parameters()) == 21797672 - 513000);
  CHECK(count(ResNetBodyImpl(find_architecture("resnet50")).parameters()) == 25557032 - 2049000);
}

TEST_CASE(
    "vgg16_bn and densenet121 bodies have torchvision's parameter counts and fastai's splits") {
  // torchvision: vgg16_bn 138,365,992 params of which the classifier holds 123,642,856;
  // densenet121 7,978,856 of which the classifier holds 1,025,000.
  ModelOptions options;
  options.arch = "vgg16_bn";
  Classifier vgg(options, 2);
  CHECK(count(vgg->body->parameters()) == 138365992 - 123642856);
  CHECK(vgg->body->layer_group_text()[0] == "features.0 … features.21");  // fastai's lr_cut 22
  CHECK(vgg->body->layer_group_text()[1] == "features.22 … features.43");
  CHECK(vgg->features(torch::randn({2, 3, 32, 32})).size(1) == 1024);
  options.arch = "densenet121";
  Classifier densenet(options, 2);
  CHECK(count(densenet->body->parameters()) == 7978856 - 1025000);
  CHECK(densenet->body->layer_group_text()[0] ==
        "features.conv0 … features.denseblock2");  // lr_cut 7
  CHECK(densenet->body->layer_group_text()[1] == "features.transition2 … features.norm5");
  CHECK(densenet->features(torch::randn({2, 3, 32, 32})).size(1) == 2048);  // fastai's nf for dn121
  for (auto* model : {&vgg, &densenet}) {
    std::int64_t in_groups = 0;
    for (const auto& group : (*model)->layer_groups()) in_groups += count(group);
    CHECK(in_groups == count((*model)->parameters()));
  }
}

TEST_CASE("ResNet bodies use torchvision's state-dict names") {
  ResNetBodyImpl body(find_architecture("resnet50"));
  std::set<std::string> names;
  for (const auto& item : body.named_parameters()) names.insert(item.key());
  for (const auto& item : body.named_buffers()) names.insert(item.key());
  for (const char* name :
       {"conv1.weight", "bn1.running_mean", "layer1.0.conv3.weight", "layer1.0.downsample.0.weight",
        "layer1.0.downsample.1.num_batches_tracked", "layer4.2.bn3.bias"})
    CHECK_MESSAGE(names.count(name) == 1, name);
}

TEST_CASE("the classifier outputs log-probabilities and the fastai head has fastai's shape") {
  torch::manual_seed(0);
  ModelOptions options;
  options.arch = "resnet18";
  Classifier model(options, 5);
  model->eval();
  const auto out = model->forward(torch::randn({2, 3, 32, 32}));
  CHECK(out.sizes() == torch::IntArrayRef({2, 5}));
  CHECK(out.exp().sum(1).allclose(torch::ones({2})));
  // BN1d(1024) → Dropout(0.25) → Linear(1024,512) → ReLU → BN1d(512) → Dropout(0.5) → Linear(512,5) → LogSoftmax
  CHECK(model->head->size() == 8);
  CHECK(model->features(torch::randn({2, 3, 32, 32})).size(1) == 1024);
}

TEST_CASE("a dropout of 0 omits the Dropout layer, as in fastai") {
  HeadOptions options;
  options.dropout = {0.0, 0.5};
  CHECK(make_head(options)->size() == 7);
}

TEST_CASE("concat pooling puts max before mean") {
  const auto x = torch::arange(8, torch::kFloat32).view({1, 2, 2, 2});
  const auto pooled = concat_pool(x);
  CHECK(pooled.allclose(torch::tensor({{3.0f, 7.0f, 1.5f, 5.5f}})));
}

TEST_CASE("layer groups partition the parameters as fastai splits a resnet") {
  ModelOptions options;
  options.arch = "resnet18";
  Classifier model(options, 3);
  const auto groups = model->layer_groups();
  REQUIRE(groups.size() == 3);
  std::int64_t in_groups = 0;
  for (const auto& group : groups) in_groups += count(group);
  CHECK(in_groups == count(model->parameters()));
  CHECK(count(groups[2]) == count(model->head->parameters()));
  CHECK(count(groups[1]) == count(testing::resnet_body(model).layer3->parameters()) +
                                count(testing::resnet_body(model).layer4->parameters()));
}
