# The two commands of the README:
#   make demo   install missing dependencies, build, run recipes/quickstart.yaml on Fashion-MNIST
#   make test   build and run every test (ctest: unit, then end-to-end)
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
XP := $(BUILD_DIR)/runner/xp

# ccache keys precompiled headers correctly only with these sloppiness settings.
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
# Paths below the checkout are hashed relative to it, so a clone in another folder (CI) hits the cache.
export CCACHE_BASEDIR := $(CURDIR)
# Looked up when a build folder is configured, after `deps` has installed ccache on a fresh machine
# (a value computed when make starts would miss it there, and the whole first build with it).
LAUNCHER = $$(command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

.PHONY: demo test test-torch2 check-cuda build build-xp deps configure clean format

# The demo needs the xp binary only: building the tests as well took ~40 of a fresh machine's
# 70 minutes before its first epoch (issue #15).
demo: build-xp
	$(XP) run recipes/quickstart.yaml

test: build
	@bash scripts/get-test-tools.sh || echo "TensorBoard's reader could not be fetched from PyPI: the event-file tests check with tests/tools/read_tfevents.py only"
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 1200

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-xp: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target xp

configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(LAUNCHER) $(CMAKE_FLAGS)

deps:
	@bash scripts/install-deps.sh

# The same build and tests against LibTorch 2.x (issue #16): PyPI's torch wheel, CPU libraries only
# (scripts/get-libtorch.sh), in its own build folder. CI runs it after `make test`.
TORCH2_VERSION ?= 2.9.1
TORCH2_BUILD_DIR ?= build-torch2
test-torch2: deps
	@torch_dir=$$(bash scripts/get-libtorch.sh $(TORCH2_VERSION)) && \
	  (test -f $(TORCH2_BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(TORCH2_BUILD_DIR) \
	    -DCMAKE_BUILD_TYPE=Release $(LAUNCHER) -DTORCH_DIR=$$torch_dir -DXP_TORCH_CPU_ONLY=ON \
	    $(CMAKE_FLAGS))
	cmake --build $(TORCH2_BUILD_DIR) -j $(JOBS)
	cd $(TORCH2_BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 1200

# The CUDA flavour as a build check (issue #16): the same LibTorch without XP_TORCH_CPU_ONLY
# compiles xp's GPU code paths (NCCL's process group among them, where CMake finds nccl.h) and links
# them against CUDA libraries this machine need not have (--allow-shlib-undefined: the binary
# cannot start here; bench/gpu.sh runs it on a GPU). Needs the CUDA toolkit's nvcc.
CUDA_BUILD_DIR ?= build-cuda
check-cuda: deps
	@command -v nvcc >/dev/null || { echo "check-cuda: no nvcc on PATH (the CUDA toolkit)"; exit 2; }
	@torch_dir=$$(bash scripts/get-libtorch.sh $(TORCH2_VERSION)) && \
	  (test -f $(CUDA_BUILD_DIR)/CMakeCache.txt || cmake -S . -B $(CUDA_BUILD_DIR) \
	    -DCMAKE_BUILD_TYPE=Release $(LAUNCHER) -DTORCH_DIR=$$torch_dir \
	    -DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined $(CMAKE_FLAGS))
	cmake --build $(CUDA_BUILD_DIR) -j $(JOBS) --target xp
	@grep -q '^XP_NCCL_INCLUDE_DIR:PATH=.*NOTFOUND' $(CUDA_BUILD_DIR)/CMakeCache.txt && \
	  echo "check-cuda: built without NCCL (no nccl.h found)" || echo "check-cuda: CUDA flavour built, NCCL included"

# Applies .clang-format to every C++ file (make test checks it).
format:
	@bash scripts/check-format.sh --fix

clean:
	rm -rf $(BUILD_DIR) $(TORCH2_BUILD_DIR) $(CUDA_BUILD_DIR)
