#!/bin/sh
# Install the build into a scratch prefix, then build two outside programs against it:
# a C++ CMake project using find_package(optima CONFIG), and a C program built with
# pkg-config alone. Both must build warning-free and print the run-time version.
# Usage: run.sh BUILD_DIR WORK_DIR SOURCE_DIR
set -eu
build=$1 work=$2 src=$3
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

cmake -S "$src" -B "$work/cmake-consumer" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release >"$work/configure.log"
cmake --build "$work/cmake-consumer" >"$work/build.log"
out=$("$work/cmake-consumer/consumer_cxx")
echo "find_package consumer (C++) printed: $out"
[ -n "$out" ]

pcdir=$(dirname "$(find "$prefix" -name optima.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pcdir" ${PKG_CONFIG:-pkg-config} --cflags --libs optima)
libdir=$(PKG_CONFIG_PATH="$pcdir" ${PKG_CONFIG:-pkg-config} --variable=libdir optima)
${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror ${CFLAGS:-} "$src/consumer.c" $flags -o "$work/consumer_c"
out_c=$(LD_LIBRARY_PATH="$libdir" "$work/consumer_c")
echo "pkg-config consumer (C) printed: $out_c"
${CXX:-c++} -std=c++17 -Wall -Wextra -Wpedantic -Werror ${CXXFLAGS:-} "$src/consumer.cpp" $flags -o "$work/consumer_pc_cxx"
out_pc=$(LD_LIBRARY_PATH="$libdir" "$work/consumer_pc_cxx")
echo "pkg-config consumer (C++) printed: $out_pc"
[ "$out" = "$out_c" ] && [ "$out" = "$out_pc" ]
