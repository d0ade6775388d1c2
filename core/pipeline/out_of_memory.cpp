#include "core/pipeline/out_of_memory.h"

#include <regex>

#include "core/util/error.h"

namespace xp::pipeline {

namespace {

// The first match's group 1 in `text`, or "".
std::string find(const std::string& text, const std::regex& pattern) {
  std::smatch match;
  return std::regex_search(text, match, pattern) ? match[1].str() : "";
}

}  // namespace

std::string out_of_memory_message(const std::string& torch_message, int batch_size) {
  // LibTorch 1.13: "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total
  // capacity; 75.01 GiB already allocated; 1.19 GiB free; …)". LibTorch 2.x: "CUDA out of memory.
  // Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 139.81 GiB of which 1.19 GiB is
  // free. …".
  static const std::regex asked(R"(Tried to allocate ([0-9.]+ [KMGT]?i?B))");
  static const std::regex free_new(R"(of which ([0-9.]+ [KMGT]?i?B) is free)");
  static const std::regex free_old(R"(([0-9.]+ [KMGT]?i?B) free)");
  static const std::regex total(
      R"(([0-9.]+ [KMGT]?i?B) total capacity|total capacity of ([0-9.]+ [KMGT]?i?B))");
  const std::string requested = find(torch_message, asked);
  std::string available = find(torch_message, free_new);
  if (available.empty()) available = find(torch_message, free_old);
  std::smatch capacity_match;
  std::string capacity;
  if (std::regex_search(torch_message, capacity_match, total))
    capacity = capacity_match[1].matched ? capacity_match[1].str() : capacity_match[2].str();

  std::string out = str_cat("out of GPU memory at batch size ", batch_size);
  if (!requested.empty()) {
    out += str_cat(" (asked for ", requested);
    if (!available.empty()) out += str_cat(", ", available, " free");
    if (!capacity.empty()) out += str_cat(" of ", capacity);
    out += ")";
  }
  if (batch_size > 1) {
    const int smaller = batch_size / 2;
    out += str_cat("; try data.batch_size: ", smaller, " (--set data.batch_size=", smaller, ")");
  }
  out += ", precision: bf16 or a smaller data.size";
  // A message of another form: LibTorch's own first line rather than nothing.
  if (requested.empty())
    out += str_cat(" [", torch_message.substr(0, torch_message.find('\n')), "]");
  return out;
}

}  // namespace xp::pipeline
