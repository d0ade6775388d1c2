// Every file in a result folder or cache is written to a temporary name, flushed, then renamed into
// place (DESIGN.md "Result folder"): a run killed at any moment never leaves a half-written file
// under the final name.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace xp {

// Writes `content` to `path` atomically (same-directory temp file + fsync + rename).
// Throws xp::Error naming the path on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// "" when `path` may be written (it is absent or a regular file); else why not, naming it. Commands
// check user-named outputs with it before they start working.
std::string why_not_replaceable(const std::filesystem::path& path);

// For files written by a library (HDF5): `write` creates the file at the temporary path it is
// given; then it is renamed into `path`. If `write` throws, the temporary file is removed and the
// exception travels on; a failed rename throws xp::Error naming the path. A `path` that exists and is
// not a regular file (a device, link, folder, pipe) is refused before anything is written.
void write_via_temp(const std::filesystem::path& path,
                    const std::function<void(const std::string& temp)>& write);

// Reads a whole file; throws xp::DataError naming the path when it cannot be read or is a folder.
std::string read_file(const std::filesystem::path& path);

}  // namespace xp
