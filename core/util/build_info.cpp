#include "core/util/build_info.h"

#include <dlfcn.h>

#include <zlib.h>
#include <array>

#include <H5public.h>
#include <jconfig.h>  // LIBJPEG_TURBO_VERSION_NUMBER
#include <png.h>
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

namespace {

// Which BLAS LibTorch's matmuls run on: it decides the head's speed by ~50x (performance.md).
// PyTorch's own builds carry MKL inside libtorch_cpu (and OpenCV may load OpenBLAS beside it,
// unused by LibTorch), so MKL is looked for first; Debian's LibTorch calls the system BLAS, which
// libopenblas0-openmp makes OpenBLAS.
std::string blas_in_use() {
  using MklVersionFn = void (*)(char*, int);
  if (const auto mkl =
          reinterpret_cast<MklVersionFn>(dlsym(RTLD_DEFAULT, "MKL_Get_Version_String"))) {
    std::array<char, 256> text{};
    mkl(text.data(), static_cast<int>(text.size()));
    std::string version(text.data());
    while (!version.empty() && version.back() == ' ') version.pop_back();
    return version.empty() ? "MKL" : version;
  }
  using ConfigFn = char* (*)();
  if (const auto openblas = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config")))
    return std::string("OpenBLAS ") + openblas();
  return "reference or unknown";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> library_versions() {
  return {
      {"libtorch", build_info().libtorch},  // from CMake (cmake/XpTorch.cmake)
      {"opencv", CV_VERSION},
      // The JPEG and PNG decoders decide the pixels a model sees (core/data/image_codec.h).
      {"libjpeg-turbo", str_cat(LIBJPEG_TURBO_VERSION_NUMBER / 1000000, ".",
                                LIBJPEG_TURBO_VERSION_NUMBER / 1000 % 1000, ".",
                                LIBJPEG_TURBO_VERSION_NUMBER % 1000)},
      {"libpng", PNG_LIBPNG_VER_STRING},
      {"hdf5", str_cat(H5_VERS_MAJOR, ".", H5_VERS_MINOR, ".", H5_VERS_RELEASE)},
      {"boost", BOOST_LIB_VERSION},
      {"nlohmann_json", str_cat(NLOHMANN_JSON_VERSION_MAJOR, ".", NLOHMANN_JSON_VERSION_MINOR, ".",
                                NLOHMANN_JSON_VERSION_PATCH)},
      {"zlib", zlibVersion()},
      {"blas", blas_in_use()},
  };
}

}  // namespace xp
