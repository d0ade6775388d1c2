#include "core/util/build_info.h"

#include <dlfcn.h>
#include <zlib.h>

#include <H5public.h>
#include <boost/version.hpp>
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
  static const BuildInfo info{build::kVersion, build::kGitSha, build::kGitDirty, build::kCompiler,
                              build::kBuildType};
  return info;
}

nlohmann::ordered_json library_versions() {
  nlohmann::ordered_json out;
  out["libtorch"] =
      XP_LIBTORCH_VERSION;  // from CMake's find_package(Torch): see core/CMakeLists.txt
  out["opencv"] = CV_VERSION;
  out["hdf5"] = str_cat(H5_VERS_MAJOR, ".", H5_VERS_MINOR, ".", H5_VERS_RELEASE);
  out["boost"] = BOOST_LIB_VERSION;
  out["nlohmann_json"] = str_cat(NLOHMANN_JSON_VERSION_MAJOR, ".", NLOHMANN_JSON_VERSION_MINOR, ".",
                                 NLOHMANN_JSON_VERSION_PATCH);
  out["zlib"] = zlibVersion();
  // Which BLAS LibTorch's matmuls run on decides the head's speed by ~50x (performance.md).
  using ConfigFn = char* (*)();
  const auto openblas = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  out["blas"] =
      openblas ? std::string("OpenBLAS ") + openblas() : std::string("reference or unknown");
  return out;
}

}  // namespace xp
