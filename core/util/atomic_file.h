// Every file in a result folder or cache is written to a temporary name, flushed, then renamed into
// place (DESIGN.md "Result folder"): a run killed at any moment never leaves a half-written file
// under the final name.
#pragma once

#include <filesystem>
#include <string_view>

namespace xp {

// Writes `content` to `path` atomically (same-directory temp file + fsync + rename).
// Throws xp::Error naming the path on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Reads a whole file; throws xp::DataError naming the path when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace xp
