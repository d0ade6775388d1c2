# Which LibTorch xp builds against (issue #16). Sets TORCH_INCLUDE_DIRS, TORCH_LIBRARIES and
# Torch_VERSION as find_package(Torch) does.
#
#   (nothing)              Debian's LibTorch 1.13 (libtorch-dev): CPU only; what `make demo` uses.
#   -DTORCH_DIR=<root>     another LibTorch: the official archive's libtorch/ folder, or a pip
#                          wheel's torch/ folder (python -c 'import torch, os;
#                          print(os.path.dirname(torch.__file__))'), CPU or CUDA, 1.13 to 2.x.
#   -DXP_TORCH_CPU_ONLY=ON with TORCH_DIR: link only its CPU libraries (torch_cpu, c10), without
#                          its CUDA ones — how a CUDA build of LibTorch (PyPI's default wheel) is
#                          built and tested here, on machines without its CUDA libraries or a GPU.
set(TORCH_DIR "" CACHE PATH "Root of the LibTorch to build against (default: Debian's)")
option(XP_TORCH_CPU_ONLY "With TORCH_DIR: link its CPU libraries only" OFF)

if(NOT TORCH_DIR)
  find_package(Torch REQUIRED)
elseif(NOT XP_TORCH_CPU_ONLY)
  # TorchConfig's own find_package(Caffe2) and find_library(torch …) search the system first: on a
  # machine that also has Debian's libtorch-dev they would mix its files into this LibTorch's.
  set(Caffe2_DIR "${TORCH_DIR}/share/cmake/Caffe2")
  set(CMAKE_FIND_USE_CMAKE_SYSTEM_PATH FALSE)
  find_package(Torch REQUIRED PATHS "${TORCH_DIR}/share/cmake/Torch" NO_DEFAULT_PATH)
  unset(CMAKE_FIND_USE_CMAKE_SYSTEM_PATH)
else()
  set(_torch_version_header "${TORCH_DIR}/include/torch/csrc/api/include/torch/version.h")
  if(NOT EXISTS "${_torch_version_header}")
    message(FATAL_ERROR "TORCH_DIR=${TORCH_DIR}: no include/torch/csrc/api/include/torch/version.h there; expected the "
                        "root of a LibTorch (a libtorch/ archive folder or a wheel's torch/ folder)")
  endif()
  file(STRINGS "${_torch_version_header}" _torch_version_lines REGEX "#define TORCH_VERSION_(MAJOR|MINOR|PATCH) ")
  foreach(_line IN LISTS _torch_version_lines)
    string(REGEX MATCH "TORCH_VERSION_([A-Z]+) ([0-9]+)" _ "${_line}")
    set(_torch_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
  endforeach()
  set(Torch_VERSION "${_torch_MAJOR}.${_torch_MINOR}.${_torch_PATCH}")
  set(TORCH_INCLUDE_DIRS "${TORCH_DIR}/include" "${TORCH_DIR}/include/torch/csrc/api/include")
  find_library(XP_TORCH_CPU_LIBRARY torch_cpu PATHS "${TORCH_DIR}/lib" NO_DEFAULT_PATH REQUIRED)
  find_library(XP_C10_LIBRARY c10 PATHS "${TORCH_DIR}/lib" NO_DEFAULT_PATH REQUIRED)
  # libtorch_cpu registers its operators from static initialisers: keep it linked even though no
  # symbol of ours names it directly (as TorchConfig.cmake does with --no-as-needed).
  set(TORCH_LIBRARIES "-Wl,--no-as-needed" "${XP_TORCH_CPU_LIBRARY}" "${XP_C10_LIBRARY}"
                      "-Wl,--as-needed" Threads::Threads)
  # Wheels since 2.7 use the C++11 ABI, as Debian's libraries (OpenCV, yaml-cpp, Boost) do.
  message(STATUS "LibTorch ${Torch_VERSION} from ${TORCH_DIR}, CPU libraries only")
endif()
message(STATUS "LibTorch ${Torch_VERSION}")
