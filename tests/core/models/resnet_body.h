// Test helper: the ResNet body of a classifier, to reach its modules by name (conv1, layer3, …).
#pragma once

#include "core/models/classifier.h"
#include "core/models/resnet.h"

namespace xp::testing {

inline models::ResNetBodyImpl& resnet_body(models::Classifier& model) {
  return dynamic_cast<models::ResNetBodyImpl&>(*model->body);
}

}  // namespace xp::testing
