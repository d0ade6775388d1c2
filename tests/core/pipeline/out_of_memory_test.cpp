// The message a user reads when the GPU runs out of memory, from LibTorch's messages of both
// versions xp builds with (their texts as LibTorch 1.13 and 2.x write them).
#include "core/pipeline/out_of_memory.h"

#include <doctest/doctest.h>

using xp::pipeline::out_of_memory_message;

TEST_CASE("out of GPU memory: what was asked and free, the batch size, and the batch size to try") {
  const std::string torch2 =
      "CUDA out of memory. Tried to allocate 1.50 GiB. GPU 0 has a total capacity of 139.81 GiB of "
      "which 512.00 MiB is free. Including non-PyTorch memory, this process has 139.30 GiB memory "
      "in use. Of the allocated memory 137.9 GiB is allocated by PyTorch, and 1.1 GiB is reserved "
      "by PyTorch but unallocated.\nSee documentation for Memory Management";
  CHECK(out_of_memory_message(torch2, 256) ==
        "out of GPU memory at batch size 256 (asked for 1.50 GiB, 512.00 MiB free of 139.81 GiB); "
        "try data.batch_size: 128 (--set data.batch_size=128), precision: bf16 or a smaller "
        "data.size");
  const std::string torch1 =
      "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity; 75.01 GiB "
      "already allocated; 1.19 GiB free; 76.10 GiB reserved in total by PyTorch)";
  CHECK(out_of_memory_message(torch1, 64) ==
        "out of GPU memory at batch size 64 (asked for 2.00 GiB, 1.19 GiB free of 79.15 GiB); try "
        "data.batch_size: 32 (--set data.batch_size=32), precision: bf16 or a smaller data.size");
  // A message of another form keeps LibTorch's first line; a batch of one has no smaller size.
  const std::string other = out_of_memory_message("CUDA error: out of memory\nmore", 1);
  CHECK(other ==
        "out of GPU memory at batch size 1, precision: bf16 or a smaller data.size [CUDA error: "
        "out of memory]");
}
