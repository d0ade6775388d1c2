#include "core/data/image_inputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/data/image_file.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace xp::data {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> images_below(const fs::path& folder) {
  std::vector<std::string> files;
  std::error_code error;
  const auto options = fs::directory_options::follow_directory_symlink |
                       fs::directory_options::skip_permission_denied;
  for (fs::recursive_directory_iterator entry(folder, options, error), end; entry != end;
       entry.increment(error)) {
    if (error) break;
    if (entry->is_regular_file(error) && has_image_extension(entry->path().string()))
      files.push_back(entry->path().string());
  }
  if (error) throw UserError(str_cat("cannot list '", folder.string(), "': ", error.message()));
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw UserError(str_cat("'", folder.string(),
                            "' holds no image files (.jpg, .jpeg, .png, .bmp, .tif, .tiff, .webp, "
                            ".ppm, .pgm)"));
  return files;
}

std::vector<std::string> paths_in_list(const fs::path& list) {
  std::ifstream in(list);
  if (!in) throw UserError(str_cat("cannot read '", list.string(), "'"));
  std::vector<std::string> files;
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const fs::path path(line);
    files.push_back(path.is_absolute() ? line : (list.parent_path() / path).string());
  }
  return files;
}

}  // namespace

std::vector<std::string> list_image_inputs(const std::vector<std::string>& arguments) {
  std::vector<std::string> files;
  for (const auto& argument : arguments) {
    std::error_code error;
    const fs::file_status status = fs::status(argument, error);
    if (!fs::exists(status))
      throw UserError(str_cat("'", argument,
                              "' does not exist (expected an image, a folder of "
                              "images or a text file of image paths)"));
    std::vector<std::string> found;
    if (fs::is_directory(status))
      found = images_below(argument);
    else if (has_image_extension(argument))
      found = {argument};
    else
      found = paths_in_list(argument);
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace xp::data
