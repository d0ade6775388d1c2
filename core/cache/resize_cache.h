// The resize cache: fastai's data.resize(N, 'tmp'). Every image whose shorter side exceeds N is
// shrunk once (fastai's Scale: INTER_AREA, the longer side floor(side · ratio)) and written to
//
//   <cache root>/resized/<N>/<2 hex>/<hash of the file's identity>.jpg   (.png for PNG sources)
//
// then read from there by every later run and recipe. JPEG copies are written at quality 95. An
// image already within N is read from its own file (an empty <hash>.keep marker remembers that it
// was checked). Entries are written atomically, so runs sharing the cache never see half a file;
// a file changed at its source gets a new identity (file_identity.h) and a new entry.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/data/dataset.h"

namespace xp::cache {

struct ResizeCacheStats {
  std::filesystem::path folder;  // <root>/resized/<N>
  std::int64_t written = 0;      // shrunk copies written by this call
  std::int64_t reused = 0;       // copies found from earlier runs
  std::int64_t kept = 0;         // images already within N, read from their own files
  double seconds = 0;
};

// Points every file-backed split of `data` at its cached copy, writing missing copies with
// `workers` threads. Throws DataError naming the source file when an image cannot be decoded.
ResizeCacheStats apply_resize_cache(data::DataBundle& data, const std::filesystem::path& root,
                                    int shorter_side, int workers);

}  // namespace xp::cache
