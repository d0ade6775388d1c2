#include <doctest/doctest.h>

#include <torch/torch.h>

#include "core/cache/activations.h"
#include "core/util/error.h"
#include "tests/test_support.h"

using namespace xp;

TEST_CASE("activation files round-trip features, labels and ids") {
  testing::TempDir dir;
  cache::Activations written{torch::randn({5, 8}),
                             torch::tensor({0, 1, 2, 1, 0}, torch::kInt64),
                             {"a.png", "b.png", "train-images-idx3-ubyte.gz#7", "d", "é.jpg"},
                             ""};
  const auto path = dir.path() / "features.h5";
  cache::write_activations(path, written);
  const cache::Activations read = cache::read_activations(path);
  CHECK(read.features.equal(written.features));
  CHECK(read.labels.equal(written.labels));
  CHECK(read.ids == written.ids);
}

TEST_CASE("activation files keep n-hot and regression label rows as float matrices") {
  testing::TempDir dir;
  cache::Activations written{torch::randn({3, 4}),
                             torch::tensor({1.f, 0.f, 1.f, 0.f, 0.f, 0.f}).view({3, 2}),
                             {"a", "b", "c"},
                             ""};
  const auto path = dir.path() / "features.h5";
  cache::write_activations(path, written);
  const cache::Activations read = cache::read_activations(path);
  CHECK(read.labels.dtype() == torch::kFloat32);
  CHECK(read.labels.equal(written.labels));
}

TEST_CASE("a truncated activation file is an error, never partial data") {
  testing::TempDir dir;
  const auto path = dir.path() / "features.h5";
  cache::write_activations(path, {torch::randn({300, 64}), torch::zeros({300}, torch::kInt64),
                                  std::vector<std::string>(300, "x"), ""});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  CHECK_THROWS_AS(cache::read_activations(path), CacheError);
  testing::write_text(path, "text");
  CHECK_THROWS_WITH_AS(cache::read_activations(path), doctest::Contains("is not an HDF5 file"),
                       CacheError);
}
