// The rows a data-parallel job's ranks computed over their shards of an unshuffled pass
// (validation outputs, predictions, body activations: data::Shard), gathered on every rank in
// split order — the tensor one process would have computed.
#pragma once

#include <torch/types.h>

#include "core/data/loader.h"
#include "core/dist/process_group.h"

namespace xp::dist {

// This rank's part of every batch (data::Shard); the whole batch without a group.
data::Shard shard_of(const ProcessGroup* group);

// `local`: this rank's rows, its batches one after the other, for a pass over n samples batched
// by `options` (whose shard is this rank's). Without a group (one process), `local` itself.
// The result is on the host.
torch::Tensor gather_rows(ProcessGroup* group, const torch::Tensor& local, std::int64_t n,
                          const data::LoaderOptions& options);

}  // namespace xp::dist
