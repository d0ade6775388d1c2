# xp's dependencies from an unpacked bench/gpu_bundle.sh archive (XP_DEPS_DIR) instead of the
# system's: for a machine without their development packages and without a network (the GPU machine
# of bench/gpu.sh). Defines the same names the system's find_package calls give the rest of the build
# (OpenCV_INCLUDE_DIRS and OpenCV_LIBS, yaml-cpp, Boost::program_options, nlohmann_json, ZLIB::ZLIB,
# HDF5_INCLUDE_DIRS and HDF5_LIBRARIES, PkgConfig::TURBOJPEG, PNG::PNG, doctest), each pointing at the
# archive's files by their sonames: it holds no symlinks and no CMake package files but doctest's.
if(XP_IMGCODECS)
  message(FATAL_ERROR "XP_DEPS_DIR: the bundle has no OpenCV imgcodecs; configure with -DXP_IMGCODECS=OFF")
endif()
set(_deps_lib ${XP_DEPS_DIR}/lib)
set(_deps_include ${XP_DEPS_DIR}/include)
if(NOT EXISTS ${XP_DEPS_DIR}/MANIFEST)
  message(FATAL_ERROR "XP_DEPS_DIR=${XP_DEPS_DIR} is not an unpacked bench/gpu_bundle.sh archive (no MANIFEST)")
endif()

# One imported shared library per soname file, with the bundle's headers.
function(xp_bundle_library target file)
  if(NOT EXISTS ${_deps_lib}/${file})
    message(FATAL_ERROR "XP_DEPS_DIR: ${_deps_lib}/${file} is missing; rebuild the archive with bench/gpu_bundle.sh")
  endif()
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION ${_deps_lib}/${file}
    INTERFACE_INCLUDE_DIRECTORIES "${ARGN}")
endfunction()

xp_bundle_library(xp_bundle_opencv_core libopencv_core.so.406 ${_deps_include}/opencv4)
xp_bundle_library(xp_bundle_opencv_imgproc libopencv_imgproc.so.406 ${_deps_include}/opencv4)
set(OpenCV_INCLUDE_DIRS ${_deps_include}/opencv4)
set(OpenCV_LIBS xp_bundle_opencv_core xp_bundle_opencv_imgproc)

xp_bundle_library(yaml-cpp libyaml-cpp.so.0.7 ${_deps_include})
xp_bundle_library(Boost::program_options libboost_program_options.so.1.74.0 ${_deps_include})
# As Boost's own CMake package declares them: no MSVC-style auto-linking, the shared library.
set_target_properties(Boost::program_options PROPERTIES
  INTERFACE_COMPILE_DEFINITIONS "BOOST_ALL_NO_LIB;BOOST_PROGRAM_OPTIONS_DYN_LINK")
xp_bundle_library(ZLIB::ZLIB libz.so.1 ${_deps_include})
xp_bundle_library(PkgConfig::TURBOJPEG libturbojpeg.so.0 ${_deps_include})
xp_bundle_library(PNG::PNG libpng16.so.16 ${_deps_include})
xp_bundle_library(xp_bundle_hdf5 libhdf5_serial.so.103 ${_deps_include}/hdf5/serial)
xp_bundle_library(xp_bundle_hdf5_cpp libhdf5_serial_cpp.so.103 ${_deps_include}/hdf5/serial)
set(HDF5_INCLUDE_DIRS ${_deps_include}/hdf5/serial)
set(HDF5_LIBRARIES xp_bundle_hdf5_cpp xp_bundle_hdf5)

add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED GLOBAL)
set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${_deps_include})
add_library(doctest::doctest INTERFACE IMPORTED GLOBAL)
set_target_properties(doctest::doctest PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${_deps_include})
list(APPEND CMAKE_MODULE_PATH ${XP_DEPS_DIR}/cmake)  # doctest.cmake: doctest_discover_tests()
set(doctest_FOUND TRUE)

# valijson is header-only and found by its include path; libjpeg-turbo's jconfig.h (its version, for
# run.json) sits in Debian's multiarch folder.
include_directories(SYSTEM ${_deps_include} ${_deps_include}/x86_64-linux-gnu)
# The bundle's libraries load their own dependencies (HDF5's curl, OpenCV's TBB and BLAS) from the
# bundle too: -rpath-link lets the linker find them, and an old-style RPATH (which, unlike RUNPATH,
# also applies to libraries loaded by libraries) lets the programs run without LD_LIBRARY_PATH.
add_link_options(-Wl,-rpath-link,${_deps_lib} -Wl,--disable-new-dtags -Wl,-rpath,${_deps_lib})
message(STATUS "xp: dependencies from ${XP_DEPS_DIR} (bench/gpu_bundle.sh)")
