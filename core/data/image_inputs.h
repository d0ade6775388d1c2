// The images a user names on a command line (`xp predict RUN PATH…`), as one list: an image file
// as it is; a folder, every image file below it (recursively, by extension, in sorted path order);
// any other file, a list of paths, one per line ('#' comments and blank lines ignored; a relative
// path is relative to the list's folder). Paths a list names are kept whether they exist or not:
// reading them decides, and a file that cannot be read is reported, not fatal.
#pragma once

#include <string>
#include <vector>

namespace xp::data {

// Throws UserError naming an argument that does not exist, or a folder without images.
std::vector<std::string> list_image_inputs(const std::vector<std::string>& arguments);

}  // namespace xp::data
