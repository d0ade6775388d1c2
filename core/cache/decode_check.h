// data.on_bad_image: skip means skip. Listing judges files cheaply (image_file.h: size, signature,
// header), so a file can pass it and still fail to decode — a JPEG cut short before its image data,
// a TIFF compressed in a way OpenCV lacks — and would stop training mid-epoch. With skip, every
// listed file is therefore decoded once before training, the way the loader will decode it, and
// those that fail join the skipped files with the decoder's reason.
//
// Each verdict is cached by the file's identity (file_identity.h), so later runs and recipes decode
// only new or changed files:
//
//   <cache root>/decodable/<2 hex>/<hash of the identity>   empty = decodes, else the reason
//
// Which files a run keeps is a function of the files' identities, which the data identity (and so
// every stage key) already holds: this check changes no cache key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/data/dataset.h"

namespace xp::cache {

struct DecodeCheckStats {
  std::int64_t decoded = 0;  // files decoded by this call
  std::int64_t reused = 0;   // verdicts found in the cache
  std::int64_t undecodable = 0;
  std::string cache_problem;  // why verdicts could not be stored (the check itself still happened)
  double seconds = 0;
};

// Removes from every file-backed split of `data` the files that cannot be decoded, appending them to
// data.skipped. Decodes with `workers` threads, at the reduced size the loader uses for
// `min_shorter_side` (read_image_rgb; 0 = full size). Ctrl-C stops it (xp::Interrupted).
DecodeCheckStats skip_undecodable(data::DataBundle& data, const std::filesystem::path& cache_root,
                                  int min_shorter_side, int workers);

}  // namespace xp::cache
