#include "core/dist/gather_rows.h"

#include <torch/torch.h>

namespace xp::dist {

data::Shard shard_of(const ProcessGroup* group) {
  if (!group) return {};
  return {group->rank(), group->size()};
}

torch::Tensor gather_rows(ProcessGroup* group, const torch::Tensor& local, std::int64_t n,
                          const data::LoaderOptions& options) {
  if (!group || group->size() == 1) return local.cpu();
  return data::join_shards(group->all_gather_rows(local.cpu().contiguous()), n, options);
}

}  // namespace xp::dist
