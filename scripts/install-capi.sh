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
echo "installed the C API $version (ABI $abi) into $prefix"
