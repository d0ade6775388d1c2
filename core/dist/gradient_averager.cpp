#include "core/dist/gradient_averager.h"

#include <torch/torch.h>

#include "core/util/error.h"

namespace xp::dist {

GradientAverager::GradientAverager(ProcessGroup& group, std::vector<torch::Tensor> parameters,
                                   std::int64_t bucket_bytes, std::int64_t first_bucket_bytes)
    : group_(group), parameters_(std::move(parameters)), slots_(parameters_.size()) {
  // Buckets in reverse parameter order, each of one dtype and device.
  std::int64_t cap = first_bucket_bytes;
  std::vector<std::vector<std::size_t>> members;
  std::int64_t bytes = 0;
  for (std::size_t back = parameters_.size(); back-- > 0;) {
    const torch::Tensor& parameter = parameters_[back];
    XP_ASSERT(parameter.requires_grad(), "GradientAverager: a parameter without gradient");
    const std::int64_t size =
        parameter.numel() * static_cast<std::int64_t>(parameter.element_size());
    const bool fits =
        !members.empty() && bytes + size <= cap &&
        parameters_[members.back().front()].scalar_type() == parameter.scalar_type() &&
        parameters_[members.back().front()].device() == parameter.device();
    if (!fits) {
      if (!members.empty()) cap = bucket_bytes;
      members.emplace_back();
      bytes = 0;
    }
    members.back().push_back(back);
    bytes += size;
  }
  for (auto& indices : members) {
    Bucket bucket;
    std::int64_t elements = 0;
    for (const std::size_t index : indices) {
      slots_[index].bucket = buckets_.size();
      slots_[index].offset = elements;
      elements += parameters_[index].numel();
    }
    const torch::Tensor& first = parameters_[indices.front()];
    bucket.flat = torch::zeros({elements}, first.options().requires_grad(false));
    bucket.parameters = std::move(indices);
    buckets_.push_back(std::move(bucket));
  }
  for (std::size_t index = 0; index < parameters_.size(); ++index)
    hooks_.push_back(parameters_[index].register_hook(
        [this, index](const torch::Tensor& gradient) { on_gradient(index, gradient); }));
}

GradientAverager::~GradientAverager() {
  for (std::size_t index = 0; index < hooks_.size(); ++index)
    parameters_[index].remove_hook(hooks_[index]);
  // A step abandoned part-way (an exception in backward) may leave reductions in flight: they
  // write into our buckets, so wait for them before the buckets go.
  for (auto& bucket : buckets_) {
    try {
      bucket.reduction.wait();
    } catch (...) {  // the step's own error is the one that travels
    }
  }
}

torch::Tensor GradientAverager::slot_view(std::size_t parameter) {
  const Slot& slot = slots_[parameter];
  const torch::Tensor& tensor = parameters_[parameter];
  return buckets_[slot.bucket].flat.narrow(0, slot.offset, tensor.numel()).view(tensor.sizes());
}

void GradientAverager::on_gradient(std::size_t parameter, const torch::Tensor& gradient) {
  const std::lock_guard<std::mutex> lock(mutex_);
  Slot& slot = slots_[parameter];
  Bucket& bucket = buckets_[slot.bucket];
  torch::NoGradGuard no_grad;
  if (bucket.launched) {  // a second gradient for a parameter whose bucket is already travelling
    bucket.stale = true;
    return;
  }
  torch::Tensor view = slot_view(parameter);
  if (slot.arrivals++ == 0) {
    view.copy_(gradient);
    ++bucket.arrived;
  } else {
    view.add_(gradient);
  }
  // The last parameter of the bucket: nothing more will arrive unless a weight is shared.
  if (bucket.arrived == bucket.parameters.size()) launch(bucket);
}

void GradientAverager::launch(Bucket& bucket) {
  bucket.launched = true;
  bucket.reduction = group_.allreduce_sum_async(bucket.flat);
}

void GradientAverager::finish() {
  torch::NoGradGuard no_grad;
  const std::lock_guard<std::mutex> lock(mutex_);
  for (auto& bucket : buckets_) {
    if (bucket.launched) continue;
    // Parameters backward did not reach this step: their gradient is what .grad holds (none: 0).
    for (const std::size_t index : bucket.parameters) {
      if (slots_[index].arrivals > 0) continue;
      const torch::Tensor& grad = parameters_[index].grad();
      torch::Tensor view = slot_view(index);
      if (grad.defined())
        view.copy_(grad);
      else
        view.zero_();
    }
    launch(bucket);
  }
  for (auto& bucket : buckets_) {
    bucket.reduction.wait();
    if (bucket.stale) {  // .grad holds every gradient of a shared weight: reduce that instead
      for (const std::size_t index : bucket.parameters)
        slot_view(index).copy_(parameters_[index].grad());
      group_.allreduce_sum(bucket.flat);
    }
    bucket.flat.div_(group_.size());
    for (const std::size_t index : bucket.parameters) {
      torch::Tensor& grad = parameters_[index].mutable_grad();
      if (grad.defined())
        grad.copy_(slot_view(index));
      else
        grad = slot_view(index).clone();
    }
    bucket.arrived = 0;
    bucket.launched = false;
    bucket.stale = false;
  }
  for (Slot& slot : slots_) slot.arrivals = 0;
}

}  // namespace xp::dist
