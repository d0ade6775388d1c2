// Where a training or validation loop gets its batches: image batches from the threaded loader,
// or rows of precomputed body activations (activation_batches.h). The learner's loops are written
// once against this interface, so precompute changes the data and the forward pass, nothing else.
#pragma once

#include <cstdint>
#include <optional>

#include "core/data/loader.h"

namespace xp::train {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual std::int64_t batches_per_epoch() const = 0;
  // Starts epoch `epoch`: its shuffle is a pure function of (seed, epoch).
  virtual void start_epoch(std::int64_t epoch) = 0;
  // The epoch's next batch (inputs in Batch::images), or nullopt at its end.
  virtual std::optional<data::Batch> next() = 0;
};

// The image loader as a BatchSource.
class LoaderBatches : public BatchSource {
 public:
  explicit LoaderBatches(data::DataLoader& loader) : loader_(loader) {}
  std::int64_t batches_per_epoch() const override { return loader_.batches_per_epoch(); }
  void start_epoch(std::int64_t epoch) override { loader_.start_epoch(epoch); }
  std::optional<data::Batch> next() override { return loader_.next(); }

 private:
  data::DataLoader& loader_;
};

}  // namespace xp::train
