// What a user reads when the GPU runs out of memory inside a stage: what was asked and what was
// free (from LibTorch's message), at which batch size, and the batch size to try — instead of
// LibTorch's allocator statistics. The stage's name comes with it (engine.cpp's StageFailed); the
// run ends FAILED with its last resume point as it was, like any stage's failure.
#pragma once

#include <string>

namespace xp::pipeline {

// `torch_message` is c10::OutOfMemoryError's what(); `batch_size` the learner's at the failure.
// "out of GPU memory at batch size 256 (asked for 1.50 GiB, 512.00 MiB free of 139.81 GiB); try
// data.batch_size: 128 (--set data.batch_size=128), precision: bf16 or a smaller data.size"
std::string out_of_memory_message(const std::string& torch_message, int batch_size);

}  // namespace xp::pipeline
