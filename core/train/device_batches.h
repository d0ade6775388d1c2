// Batches for a model on a GPU: a BatchSource that hands out its source's batches already on the
// device. Each batch is copied on a side stream of its own, one batch ahead, from the loader's
// pinned host memory without blocking the host, so the copy of batch k+1 overlaps step k on the
// compute stream (the data_prefetcher pattern of NVIDIA's apex examples); the compute stream
// waits for the copy's event only when it takes the batch. Image batches travel as uint8 pixels
// with their lookup tables (loader.h) and become the model's floats on that side stream. Written against c10's device-generic
// stream and event API, so it compiles against any LibTorch, CPU-only builds included.
//
// On the CPU the learner reads its sources directly: there is nothing to copy.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/Event.h>

#include <memory>
#include <optional>

#include "core/train/batch_source.h"

namespace xp::train {

// Loader options for batches bound for `device`: on a GPU, pinned uint8 pixels with their tables
// (what DeviceBatches copies and turns into floats); on the CPU, as they are.
void feed_device(data::LoaderOptions& options, c10::Device device);
// `source` itself on the CPU; on a GPU a DeviceBatches over it, made into `holder` on first use.
BatchSource& batches_on(c10::Device device, BatchSource& source,
                        std::unique_ptr<BatchSource>& holder);

class DeviceBatches : public BatchSource {
 public:
  // `source` must outlive this. `device` is a CUDA device.
  DeviceBatches(BatchSource& source, c10::Device device);

  std::int64_t batches_per_epoch() const override { return source_.batches_per_epoch(); }
  void start_epoch(std::int64_t epoch) override;
  std::optional<data::Batch> next() override;

 private:
  // A batch whose copy to the device has been enqueued on the copy stream, and the event that
  // marks the copy's end there.
  struct InFlight {
    data::Batch batch;
    c10::Event copied;
  };
  std::optional<InFlight> start_copy(std::optional<data::Batch> host_batch);

  BatchSource& source_;
  c10::Device device_;
  c10::Stream copy_stream_;
  std::optional<InFlight> ahead_;
  bool primed_ = false;  // the epoch's first batch has been asked for
};

}  // namespace xp::train
