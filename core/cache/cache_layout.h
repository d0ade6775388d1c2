// Every name below a cache folder (results/.cache unless --cache says otherwise): the one place
// that spells them. What each holds is documented by its owner, named on the right.
//
//   <root>/resized/<side>/…        images with their shorter side at <side>   resize_cache.h
//   <root>/decodable/…             one verdict per image file                 decode_check.h
//   <root>/activations/<hash>.h5   a split's body activations                 activations.h
//   <root>/activations/<hash>.h5.lock   held while a run computes or reads that file
//   <root>/stages/<hash>/          one stage cache entry                      stage_store.h
//   <root>/stages/<hash>.lock      held while a run looks up, computes or stores that entry
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace xp::cache::layout {

// The cache folder of a results root: <results>/.cache.
std::filesystem::path default_root(const std::filesystem::path& results_root);

std::filesystem::path resized(const std::filesystem::path& root, int shorter_side);
std::filesystem::path decodable(const std::filesystem::path& root);

std::filesystem::path activations(const std::filesystem::path& root);
// activations/<hash>.h5, `hash` being cache::hash_hex of the activations' key.
std::filesystem::path activation_file(const std::filesystem::path& root, const std::string& hash);
// The hash an activations/ file is named by; nullopt for any other name.
std::optional<std::string> activation_hash(const std::filesystem::path& file);

std::filesystem::path stages(const std::filesystem::path& root);
std::filesystem::path stage_entry(const std::filesystem::path& root, const std::string& hash);
// The hash a stages/ folder is named by; nullopt for any other name (temporary folders, locks).
std::optional<std::string> stage_hash(const std::filesystem::path& folder);

// The lock file guarding `path` (an activations file, a stage entry): <path>.lock.
std::filesystem::path lock_for(const std::filesystem::path& path);

}  // namespace xp::cache::layout
