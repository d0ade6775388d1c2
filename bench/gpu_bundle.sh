#!/bin/bash
# Packs what building xp needs besides LibTorch, CMake and a compiler — OpenCV (core, imgproc),
# yaml-cpp, Boost.Program_options, HDF5, libjpeg-turbo, libpng, zlib, valijson, nlohmann-json,
# doctest — into one archive, for a machine that has none of them and no network: the GPU machine of
# bench/gpu.sh, whose working tree may carry 64 MiB.
#
#   bench/gpu_bundle.sh [ARCHIVE]      # default build-gpu-deps.tar.xz (ignored by git)
#
# Run it on Debian 12 after a build of xp (BUILD_DIR, default build/): the headers are the ones that
# build's compilers read (its .o.d depfiles), kept when a Debian package of those libraries owns
# them; the shared libraries are the link closure of the libraries xp links, without the C and C++
# runtimes the other machine has. OpenCV's imgcodecs is left out (Debian's pulls in GDAL and ~140
# libraries): xp built with XP_IMGCODECS=OFF decodes JPEG and PNG itself. BLAS and LAPACK, which
# OpenCV's core links, are the reference ones (OpenCV barely uses them; LibTorch brings its own).
#
# On the other machine: tar -xJf ARCHIVE -C DIR, then cmake -DXP_DEPS_DIR=DIR -DXP_IMGCODECS=OFF …
# (cmake/XpDepsBundle.cmake) and LD_LIBRARY_PATH=DIR/lib to run; bench/gpu.sh does both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
archive=$(realpath -m "${1:-$root/build-gpu-deps.tar.xz}")
build=${BUILD_DIR:-$root/build}
arch_lib=/usr/lib/x86_64-linux-gnu
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/include" "$stage/lib" "$stage/cmake"

# Debian packages whose headers and libraries travel; everything else the build reads (glibc,
# libstdc++, LibTorch) the other machine has.
owned_by_bundle='^(libopencv-[a-z]*-dev|libopencv-dev|libyaml-cpp-dev|libboost[0-9.]*-dev|libboost-program-options[0-9.]*-dev|libhdf5-dev|libvalijson-dev|nlohmann-json3-dev|doctest-dev|libturbojpeg0-dev|libpng-dev|zlib1g-dev|libjpeg62-turbo-dev)(:amd64)?$'

echo "== headers (from $build's depfiles)"
depfiles=$(find "$build" -name '*.o.d' | wc -l)
[ "$depfiles" -gt 0 ] || { echo "no depfiles under $build: build xp first (make build)"; exit 2; }
find "$build" -name '*.o.d' -print0 | xargs -0 cat | tr ' \\' '\n\n' | grep '^/usr/include/' |
  sort -u | xargs realpath -s | sort -u > "$stage/headers.txt"
# dpkg -S prints "package[, package]: path" for each file a package owns.
xargs dpkg -S < "$stage/headers.txt" 2>/dev/null |
  awk -F': ' -v keep="$owned_by_bundle" '{ split($1, owners, ", "); for (i in owners) if (owners[i] ~ keep) { print $2; break } }' |
  sort -u > "$stage/kept-headers.txt"
while read -r header; do
  mkdir -p "$stage/include/$(dirname "${header#/usr/include/}")"
  cp "$header" "$stage/include/${header#/usr/include/}"
done < "$stage/kept-headers.txt"
echo "$(wc -l < "$stage/kept-headers.txt") of $(wc -l < "$stage/headers.txt") headers read by the build"

echo "== libraries"
# The libraries xp links (by their real files), then everything they load.
direct=(
  "$arch_lib/libopencv_core.so.406" "$arch_lib/libopencv_imgproc.so.406"
  "$arch_lib/libyaml-cpp.so.0.7" "$arch_lib/libboost_program_options.so.1.74.0"
  "$arch_lib/hdf5/serial/libhdf5.so" "$arch_lib/hdf5/serial/libhdf5_cpp.so"
  "$arch_lib/libturbojpeg.so.0" "$arch_lib/libpng16.so.16" "$arch_lib/libz.so.1"
)
runtime='^(libc|libm|libmvec|libdl|librt|libpthread|libresolv|libnsl|libutil|libanl|libstdc\+\+|libgcc_s|ld-linux-x86-64|linux-vdso)\.so'
soname() { objdump -p "$1" | awk '$1 == "SONAME" {print $2}'; }
{
  for lib in "${direct[@]}"; do
    [ -e "$lib" ] || { echo "missing $lib: run scripts/install-deps.sh" >&2; exit 2; }
    echo "$(soname "$(realpath "$lib")") $(realpath "$lib")"
    # BLAS and LAPACK resolve to the reference libraries, whatever the alternatives say here.
    LD_LIBRARY_PATH=$arch_lib/blas:$arch_lib/lapack ldd "$lib" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}'
  done
} | sort -u > "$stage/closure.txt"
while read -r name path; do
  [[ $name =~ $runtime ]] && continue
  cp -L "$path" "$stage/lib/$name"
done < "$stage/closure.txt"
echo "$(ls "$stage/lib" | wc -l) libraries, $(du -sm "$stage/lib" | cut -f1) MB"

cp /usr/lib/cmake/doctest/doctest.cmake /usr/lib/cmake/doctest/doctestAddTests.cmake "$stage/cmake/"

echo "== what the other machine must have"
glibc=$(objdump -T "$stage"/lib/* | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
glibcxx=$(objdump -T "$stage"/lib/* | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1)
{
  echo "built $(date -u +%FT%TZ) on $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "needs $glibc $glibcxx"
  echo "packages:"
  dpkg-query -W -f='  ${Package} ${Version}\n' libopencv-core406 libopencv-imgproc406 libyaml-cpp0.7 \
    libboost-program-options1.74.0 libhdf5-103-1 libhdf5-cpp-103-1 libturbojpeg0 libpng16-16 zlib1g \
    libvalijson-dev nlohmann-json3-dev doctest-dev 2>/dev/null
} > "$stage/MANIFEST"
cat "$stage/MANIFEST"
echo "$glibc" | sed 's/GLIBC_//' > "$stage/needs-glibc"
rm "$stage"/*.txt

mkdir -p "$(dirname "$archive")"
tar -C "$stage" -cJf "$archive" include lib cmake MANIFEST needs-glibc
echo "== $archive: $(du -m "$archive" | cut -f1) MB"
