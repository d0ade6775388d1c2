// The names below a cache folder and a run folder: each built by one function and parsed back by
// its counterpart (as LevelDB's filename_test), and names that are not theirs refused.
#include "core/cache/cache_layout.h"

#include <doctest/doctest.h>

#include <string>

#include "core/cache/file_identity.h"
#include "core/report/run_folder.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace xp::cache;

TEST_CASE("cache layout: every name is built in one place and parses back") {
  const fs::path root = "/r/.cache";
  CHECK(layout::default_root("/r") == root);
  CHECK(layout::resized(root, 340) == "/r/.cache/resized/340");
  CHECK(layout::decodable(root) == "/r/.cache/decodable");

  const std::string hash = hash_hex("some key");
  const fs::path activations = layout::activation_file(root, hash);
  CHECK(activations == "/r/.cache/activations/" + hash + ".h5");
  CHECK(activations.parent_path() == layout::activations(root));
  CHECK(layout::activation_hash(activations) == hash);
  CHECK(layout::lock_for(activations) == "/r/.cache/activations/" + hash + ".h5.lock");

  const fs::path entry = layout::stage_entry(root, hash);
  CHECK(entry == "/r/.cache/stages/" + hash);
  CHECK(entry.parent_path() == layout::stages(root));
  CHECK(layout::stage_hash(entry) == hash);
  CHECK(layout::lock_for(entry) == "/r/.cache/stages/" + hash + ".lock");
}

TEST_CASE("cache layout: names that are not a cache file's are not taken for one") {
  const std::string hash = hash_hex("k");
  const char* not_stage_entries[] = {".tmp-0123456789abcdef-12-34",
                                     "0123456789abcde",
                                     "0123456789abcdef0",
                                     "0123456789ABCDEF",
                                     "latest",
                                     ""};
  for (const char* name : not_stage_entries) {
    CAPTURE(name);
    CHECK_FALSE(layout::stage_hash(fs::path("/c/stages") / name).has_value());
  }
  CHECK_FALSE(layout::stage_hash(layout::lock_for(layout::stage_entry("/c", hash))).has_value());
  CHECK_FALSE(layout::activation_hash("/c/activations/" + hash + ".h5.lock").has_value());
  CHECK_FALSE(layout::activation_hash("/c/activations/" + hash + ".csv").has_value());
  CHECK_FALSE(layout::activation_hash("/c/activations/notahash.h5").has_value());
}

TEST_CASE("run folder layout: lr_find plots, checkpoints, snapshots, the data report") {
  xp::testing::TempDir dir;
  const fs::path first = xp::report::lr_find_plot(dir.path(), 0);
  CHECK(first == dir.path() / xp::report::files::kLrFindPlot);
  xp::testing::write_text(first, "png");
  CHECK(xp::report::lr_find_plot(dir.path(), 3) == dir.path() / "lr_find-stage3.png");
  CHECK(xp::report::checkpoint_path(dir.path(), "stage1") ==
        dir.path() / xp::report::files::kCheckpoints / "stage1.h5");
  CHECK(xp::report::snapshot_name(2, 1) == "stage2-cycle1");
  CHECK(xp::report::data_report_folder("results", "planet") == fs::path("results/planet-data"));
}
