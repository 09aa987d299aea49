#!/usr/bin/env bash
# Install the C API from a release build into PREFIX (default: dist/): include/stegodetect.h and
# stegodetect.hpp, lib/libstegodetect.so.1 (+ libstegodetect.so), lib/libstegodetect.a and
# lib/pkgconfig/stegodetect.pc (relocatable: paths relative to the .pc file). The libraries are
# stripped of debug information; the shared library's is kept in lib/libstegodetect.so.N.debug
# (linked with .gnu_debuglink, so gdb finds it).
# Usage: scripts/install-capi.sh [PREFIX] [TARGET_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
target=${2:-target/release}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/c/Cargo.toml | head -1)
abi=$(sed -n 's/^#define STEGODETECT_ABI_VERSION \([0-9]*\)/\1/p' include/stegodetect.h)
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
cp include/stegodetect.h include/stegodetect.hpp "$prefix/include/"
cp "$target/libstegodetect_c.so" "$prefix/lib/libstegodetect.so.$abi"
ln -sf "libstegodetect.so.$abi" "$prefix/lib/libstegodetect.so"
cp "$target/libstegodetect_c.a" "$prefix/lib/libstegodetect.a"
so="$prefix/lib/libstegodetect.so.$abi"
objcopy --only-keep-debug "$so" "$so.debug"
strip --strip-debug --strip-unneeded "$so"
(cd "$prefix/lib" && objcopy --add-gnu-debuglink="libstegodetect.so.$abi.debug" "libstegodetect.so.$abi")
strip --strip-debug "$prefix/lib/libstegodetect.a"
cat > "$prefix/lib/pkgconfig/stegodetect.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: stegodetect
Description: Steganography detection for images (C API)
Version: $version
Libs: -L\${libdir} -lstegodetect
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
PC
# CMake package: find_package(stegodetect CONFIG), targets stegodetect::stegodetect (shared) and
# stegodetect::stegodetect_static
mkdir -p "$prefix/lib/cmake/stegodetect"
cat > "$prefix/lib/cmake/stegodetect/stegodetectConfig.cmake" <<CMAKE
# stegodetect $version, C API ABI $abi (relocatable: paths relative to this file)
get_filename_component(_stegodetect_prefix "\${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET stegodetect::stegodetect)
  add_library(stegodetect::stegodetect SHARED IMPORTED)
  set_target_properties(stegodetect::stegodetect PROPERTIES
    IMPORTED_LOCATION "\${_stegodetect_prefix}/lib/libstegodetect.so.$abi"
    IMPORTED_SONAME "libstegodetect.so.$abi"
    INTERFACE_INCLUDE_DIRECTORIES "\${_stegodetect_prefix}/include")
endif()
if(NOT TARGET stegodetect::stegodetect_static)
  add_library(stegodetect::stegodetect_static STATIC IMPORTED)
  set_target_properties(stegodetect::stegodetect_static PROPERTIES
    IMPORTED_LOCATION "\${_stegodetect_prefix}/lib/libstegodetect.a"
    INTERFACE_INCLUDE_DIRECTORIES "\${_stegodetect_prefix}/include"
    INTERFACE_LINK_LIBRARIES "pthread;dl;m")
endif()
set(stegodetect_LIBDIR "\${_stegodetect_prefix}/lib")
CMAKE
cat > "$prefix/lib/cmake/stegodetect/stegodetectConfigVersion.cmake" <<CMAKE
set(PACKAGE_VERSION "$version")
# same major version (0.x: same minor) and at least the one asked for
string(REGEX MATCH "^[0-9]+\\.[0-9]+" _have "\${PACKAGE_VERSION}")
string(REGEX MATCH "^[0-9]+\\.[0-9]+" _want "\${PACKAGE_FIND_VERSION}")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(PACKAGE_FIND_VERSION_MAJOR STREQUAL "0" AND NOT _have STREQUAL _want)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
CMAKE
echo "installed the C API $version (ABI $abi) into $prefix"
