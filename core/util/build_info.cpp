#include "core/util/build_info.h"

#include <dlfcn.h>
#include <zlib.h>

#include <H5public.h>
#include <boost/version.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core/version.hpp>

#include "core/util/error.h"

namespace xp {

namespace build {
extern const char* const kGitSha;
extern const bool kGitDirty;
extern const char* const kVersion;
extern const char* const kCompiler;
extern const char* const kBuildType;
}  // namespace build

const BuildInfo& build_info() {
  static const BuildInfo info{build::kVersion,  build::kGitSha,    build::kGitDirty,
                              build::kCompiler, build::kBuildType, XP_LIBTORCH_VERSION};
  return info;
}

std::vector<std::pair<std::string, std::string>> library_versions() {
  // Which BLAS LibTorch's matmuls run on decides the head's speed by ~50x (performance.md).
  using ConfigFn = char* (*)();
  const auto openblas = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  return {
      {"libtorch", build_info().libtorch},  // from CMake (cmake/XpTorch.cmake)
      {"opencv", CV_VERSION},
      {"hdf5", str_cat(H5_VERS_MAJOR, ".", H5_VERS_MINOR, ".", H5_VERS_RELEASE)},
      {"boost", BOOST_LIB_VERSION},
      {"nlohmann_json", str_cat(NLOHMANN_JSON_VERSION_MAJOR, ".", NLOHMANN_JSON_VERSION_MINOR, ".",
                                NLOHMANN_JSON_VERSION_PATCH)},
      {"zlib", zlibVersion()},
      {"blas", openblas ? std::string("OpenBLAS ") + openblas() : "reference or unknown"},
  };
}

}  // namespace xp
