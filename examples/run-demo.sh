#!/bin/sh
# Build liboptima and run its main demo, optima-demo (FashionVQA: a multimodal teacher
# distilled into a small student under NONE, KD, ALL, OPTIMA, RANDOM and BEST_SINGLE).
# Installs the Debian packages it needs when missing (cmake/debian-deps.sh).
# Arguments go to optima-demo, e.g. `sh examples/run-demo.sh --quick`.
# Results, round logs and the plot land in build/demo/results (results.json, results.png).
set -eu
cd "$(dirname "$0")/.."
. ./cmake/debian-deps.sh
. ./examples/common/blis-choice.sh
optima_choose_blis
# shellcheck disable=SC2086
optima_install_debian_deps $OPTIMA_DEMO_PACKAGES
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DOPTIMA_BUILD_TESTS=OFF \
      -DOPTIMA_BUILD_BENCH=OFF >/dev/null
cmake --build build/demo -j "$jobs" --target optima-demo
./build/demo/examples/demo/optima-demo --out build/demo/results --threads "$jobs" "$@"
