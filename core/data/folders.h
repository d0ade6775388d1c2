// The `folders` source: fastai 0.7's ImageClassifierData.from_paths layout.
//
//   <path>/<train>/<class>/<image>     labelled training images, one folder per class
//   <path>/<valid>/<class>/<image>     labelled validation images (classes ⊆ the training classes)
//   <path>/<test>/<image>              optional unlabelled test images
//
// Classes are the training class folders, sorted. Listing checks every file cheaply (size, signature
// and header pixel size, see image_file.h) so that bad files are reported before training starts; hidden
// files (".DS_Store") are ignored, anything else unexpected is an error naming it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace xp::data {

// The sorted class folder names of a training split folder.
std::vector<std::string> list_class_folders(const std::filesystem::path& split_folder);

// The images of a labelled split (bad files per options.on_bad_image and max_image_pixels); label = index of the class folder's name in `classes`.
ImageSet list_labelled_split(const std::filesystem::path& split_folder, const std::string& name,
                             const std::vector<std::string>& classes,
                             const std::filesystem::path& root, const DataOptions& options,
                             std::vector<SkippedImage>& skipped);

// The images of an unlabelled split (labels are -1).
ImageSet list_unlabelled_split(const std::filesystem::path& split_folder, const std::string& name,
                               const std::filesystem::path& root, const DataOptions& options,
                               std::vector<SkippedImage>& skipped);

}  // namespace xp::data
