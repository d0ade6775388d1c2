#include "core/train/device_batches.h"

#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <torch/torch.h>

#include "core/util/error.h"

namespace xp::train {

namespace {

c10::impl::VirtualGuardImpl guard_for(c10::Device device) {
  return c10::impl::VirtualGuardImpl(device.type());
}

// Tells the caching allocator that `tensor`'s memory, allocated on the copy stream, is used on
// `stream` too: it is not handed out again until that stream's work on it is done (Python's
// Tensor.record_stream).
void record_on(const torch::Tensor& tensor, const c10::Stream& stream) {
  if (!tensor.defined() || !tensor.has_storage()) return;
  guard_for(tensor.device()).recordDataPtrOnStream(tensor.storage().data_ptr(), stream);
}

}  // namespace

void feed_device(data::LoaderOptions& options, c10::Device device) {
  options.pin_memory = !device.is_cpu();
  options.uint8_pixels = !device.is_cpu();
}

BatchSource& batches_on(c10::Device device, BatchSource& source,
                        std::unique_ptr<BatchSource>& holder) {
  if (device.is_cpu()) return source;
  if (!holder) holder = std::make_unique<DeviceBatches>(source, device);
  return *holder;
}

DeviceBatches::DeviceBatches(BatchSource& source, c10::Device device)
    : source_(source),
      device_(device),
      copy_stream_(guard_for(device).getStreamFromGlobalPool(device)) {
  XP_ASSERT(device.type() != c10::kCPU, "DeviceBatches is for a GPU; the CPU reads its source");
}

void DeviceBatches::start_epoch(std::int64_t epoch) {
  ahead_.reset();
  primed_ = false;
  source_.start_epoch(epoch);
}

std::optional<DeviceBatches::InFlight> DeviceBatches::start_copy(
    std::optional<data::Batch> host_batch) {
  if (!host_batch) return std::nullopt;
  // The copies' memory comes from the copy stream's pool of the caching allocator; next() marks
  // it used by the compute stream too, so it is not reused before the step that reads it is done.
  InFlight flight{std::move(*host_batch), c10::Event(device_.type())};
  {
    const c10::StreamGuard on_copy_stream(copy_stream_);
    flight.batch.images = flight.batch.images.to(device_, /*non_blocking=*/true);
    flight.batch.labels = flight.batch.labels.to(device_, /*non_blocking=*/true);
    if (flight.batch.pixel_tables.defined()) {  // uint8 pixels: their floats made here
      flight.batch.pixel_tables = flight.batch.pixel_tables.to(device_, /*non_blocking=*/true);
      flight.batch.images = data::lookup_pixels(flight.batch);
      flight.batch.pixel_tables = torch::Tensor();
    }
  }
  flight.copied.record(copy_stream_);
  return flight;
}

std::optional<data::Batch> DeviceBatches::next() {
  if (!primed_) {
    ahead_ = start_copy(source_.next());
    primed_ = true;
  }
  if (!ahead_) return std::nullopt;
  InFlight current = std::move(*ahead_);
  ahead_ = start_copy(source_.next());  // batch k+1's copy overlaps step k

  const c10::Stream compute = guard_for(device_).getStream(device_);
  current.copied.block(compute);
  record_on(current.batch.images, compute);
  record_on(current.batch.labels, compute);
  return std::move(current.batch);
}

}  // namespace xp::train
