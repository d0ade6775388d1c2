// Facts about this xp binary for run.json: version, git commit (+ dirty flag), compiler, and the
// versions of the libraries it was built against.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace xp {

struct BuildInfo {
  std::string version;
  std::string git_sha;
  bool git_dirty = false;
  std::string compiler;
  std::string build_type;
  std::string libtorch;  // the LibTorch version xp was built against ("1.13.0", "2.9.1")
};

const BuildInfo& build_info();
// ("libtorch", "1.13.1"), ("opencv", "4.6.0"), … — what the binary links.
std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace xp
