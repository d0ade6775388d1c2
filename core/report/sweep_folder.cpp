#include "core/report/sweep_folder.h"

#include <string>

namespace xp::report::sweep_files {

namespace {
constexpr const char* kTrials = "trials";
constexpr char kTrialPrefix = 't';
}  // namespace

std::filesystem::path trial_root(const std::filesystem::path& sweep_folder, int number) {
  return sweep_folder / kTrials / (kTrialPrefix + std::to_string(number));
}

}  // namespace xp::report::sweep_files
