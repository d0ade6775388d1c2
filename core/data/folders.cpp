#include "core/data/folders.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/data/image_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::data {

namespace fs = std::filesystem;

namespace {

bool is_hidden(const fs::path& path) { return path.filename().string().rfind('.', 0) == 0; }

// The entries of `folder`, hidden ones left out, sorted by name (directory order is not stable).
std::vector<fs::directory_entry> sorted_entries(const fs::path& folder) {
  if (!fs::is_directory(folder)) throw DataError(folder.string(), "is not a folder");
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(folder))
    if (!is_hidden(entry.path())) entries.push_back(entry);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path() < b.path(); });
  return entries;
}

// Appends the image files of `folder` to `files`, applying the bad-image policy.
void add_images(const fs::path& folder, const std::string& split, const DataOptions& options,
                std::vector<std::string>& files, std::vector<SkippedImage>& skipped) {
  for (const auto& entry : sorted_entries(folder)) {
    const std::string path = entry.path().string();
    if (entry.is_directory())
      throw DataError(path, "is a folder inside '", folder.string(),
                      "'; images must sit directly in it");
    const std::string problem = image_file_problem(path, options.max_image_pixels);
    if (problem.empty()) {
      files.push_back(path);
    } else if (options.on_bad_image == BadImagePolicy::kSkip) {
      skipped.push_back({split, path, problem});
    } else {
      throw DataError(path, problem,
                      " (data.on_bad_image: skip leaves such files out and lists them)");
    }
  }
}

ImageSet make_set(const std::string& name, std::vector<std::string> files,
                  const std::vector<std::int64_t>& labels, const fs::path& root) {
  ImageSet set;
  set.name = name;
  set.labels = torch::tensor(labels, torch::kInt64);
  for (const auto& file : files)
    set.ids.push_back(fs::path(file).lexically_relative(root).generic_string());
  set.files = std::move(files);
  return set;
}

}  // namespace

std::vector<std::string> list_class_folders(const fs::path& split_folder) {
  std::vector<std::string> classes;
  for (const auto& entry : sorted_entries(split_folder)) {
    if (!entry.is_directory())
      throw DataError(entry.path().string(), "sits directly in the split folder '",
                      split_folder.string(), "'; the folders layout wants <split>/<class>/<image>");
    classes.push_back(entry.path().filename().string());
  }
  if (classes.empty())
    throw DataError(split_folder.string(),
                    "has no class folders; the folders layout wants <split>/<class>/<image>");
  if (classes.size() < 2)
    throw DataError(split_folder.string(), "has one class folder ('", classes[0],
                    "'); a classifier needs at least two");
  return classes;
}

ImageSet list_labelled_split(const fs::path& split_folder, const std::string& name,
                             const std::vector<std::string>& classes, const fs::path& root,
                             const DataOptions& options, std::vector<SkippedImage>& skipped) {
  std::vector<std::string> files;
  std::vector<std::int64_t> labels;
  for (const auto& class_name : list_class_folders(split_folder)) {
    const auto found = std::find(classes.begin(), classes.end(), class_name);
    const fs::path class_folder = split_folder / class_name;
    if (found == classes.end())
      throw DataError(class_folder.string(), "class '", class_name,
                      "' never occurs in training (training classes: ", join(classes), ")");
    const std::size_t before = files.size();
    add_images(class_folder, name, options, files, skipped);
    if (files.size() == before)
      throw DataError(class_folder.string(), "is an empty class folder: it holds no usable image");
    labels.resize(files.size(), found - classes.begin());
  }
  return make_set(name, std::move(files), labels, root);
}

ImageSet list_unlabelled_split(const fs::path& split_folder, const std::string& name,
                               const fs::path& root, const DataOptions& options,
                               std::vector<SkippedImage>& skipped) {
  std::vector<std::string> files;
  add_images(split_folder, name, options, files, skipped);
  if (files.empty()) throw DataError(split_folder.string(), "holds no usable image");
  const std::vector<std::int64_t> unlabelled(files.size(), -1);
  return make_set(name, std::move(files), unlabelled, root);
}

}  // namespace xp::data
