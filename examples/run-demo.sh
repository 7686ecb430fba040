#!/bin/sh
# Build liboptima and run its main demo. Installs the Debian packages it needs when missing.
set -eu
cd "$(dirname "$0")/.."
. ./cmake/debian-deps.sh
# shellcheck disable=SC2086
optima_install_debian_deps $OPTIMA_BUILD_PACKAGES
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DOPTIMA_BUILD_TESTS=OFF
cmake --build build/demo -j "$jobs"
./build/demo/examples/optima-hello "$@"
