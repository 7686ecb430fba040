#!/bin/sh
# Build liboptima and run its main demo, optima-demo (FashionVQA: a multimodal teacher
# distilled into a small student). Installs the Debian packages it needs when missing.
# Arguments go to optima-demo, e.g. `sh examples/run-demo.sh --quick`.
set -eu
cd "$(dirname "$0")/.."
. ./cmake/debian-deps.sh
# shellcheck disable=SC2086
optima_install_debian_deps $OPTIMA_BUILD_PACKAGES
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DOPTIMA_BUILD_TESTS=OFF
cmake --build build/demo -j "$jobs"
./build/demo/examples/demo/optima-demo --out build/demo/results --threads "$jobs" "$@"
