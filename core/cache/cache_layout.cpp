#include "core/cache/cache_layout.h"

#include <algorithm>
#include <cctype>

namespace xp::cache::layout {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCacheFolder = ".cache";
constexpr const char* kResized = "resized";
constexpr const char* kDecodable = "decodable";
constexpr const char* kActivations = "activations";
constexpr const char* kStages = "stages";
constexpr const char* kActivationSuffix = ".h5";
constexpr const char* kLockSuffix = ".lock";

// cache::hash_hex's form: 16 lowercase hexadecimal digits.
bool is_hash(const std::string& text) {
  return text.size() == 16 && std::all_of(text.begin(), text.end(), [](unsigned char c) {
           return std::isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

fs::path default_root(const fs::path& results_root) { return results_root / kCacheFolder; }

fs::path resized(const fs::path& root, int shorter_side) {
  return root / kResized / std::to_string(shorter_side);
}

fs::path decodable(const fs::path& root) { return root / kDecodable; }

fs::path activations(const fs::path& root) { return root / kActivations; }

fs::path activation_file(const fs::path& root, const std::string& hash) {
  return activations(root) / (hash + kActivationSuffix);
}

std::optional<std::string> activation_hash(const fs::path& file) {
  if (file.extension() != kActivationSuffix) return std::nullopt;
  const std::string stem = file.stem().string();
  if (!is_hash(stem)) return std::nullopt;
  return stem;
}

fs::path stages(const fs::path& root) { return root / kStages; }

fs::path stage_entry(const fs::path& root, const std::string& hash) { return stages(root) / hash; }

std::optional<std::string> stage_hash(const fs::path& folder) {
  const std::string name = folder.filename().string();
  if (!is_hash(name)) return std::nullopt;
  return name;
}

fs::path lock_for(const fs::path& path) { return path.string() + kLockSuffix; }

}  // namespace xp::cache::layout
