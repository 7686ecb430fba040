#!/bin/sh
# Build liboptima and run its main demo, optima-demo (FashionVQA: a multimodal teacher
# distilled into a small student under NONE, KD, ALL, OPTIMA, RANDOM and BEST_SINGLE).
# Installs the Debian packages it needs when missing (cmake/debian-deps.sh).
# Arguments go to optima-demo, e.g. `sh examples/run-demo.sh --quick`.
# Results, round logs and the plot land in build/demo/results (results.json, results.png).
#
# `--ranks N` first: the data-parallel program optima-demo-mpi on N MPI ranks instead
# (Open MPI), e.g. `sh examples/run-demo.sh --ranks 2 --policies OPTIMA --seeds 1`;
# rank r's logs land in build/demo/results/rank<r>, rank 0 writes results.json.
set -eu
cd "$(dirname "$0")/.."
ranks=0
if [ "${1:-}" = "--ranks" ]; then
    ranks=${2:?--ranks needs a count}
    shift 2
fi
. ./cmake/debian-deps.sh
. ./examples/common/blis-choice.sh
optima_choose_blis
packages=$OPTIMA_DEMO_PACKAGES
[ "$ranks" -gt 0 ] && packages="$packages $OPTIMA_MPI_PACKAGES"
# shellcheck disable=SC2086
optima_install_debian_deps $packages
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DOPTIMA_BUILD_TESTS=OFF \
      -DOPTIMA_BUILD_BENCH=OFF >/dev/null
if [ "$ranks" -eq 0 ]; then
    cmake --build build/demo -j "$jobs" --target optima-demo
    ./build/demo/examples/demo/optima-demo --out build/demo/results --threads "$jobs" "$@"
    exit
fi
cmake --build build/demo -j "$jobs" --target optima-demo-mpi
threads=$(( jobs / ranks )); [ "$threads" -ge 1 ] || threads=1
root=""; [ "$(id -u)" -eq 0 ] && root="--allow-run-as-root"
# --oversubscribe: more ranks than cores is slow but allowed
mpirun -np "$ranks" $root --oversubscribe ./build/demo/examples/demo/optima-demo-mpi \
    --out build/demo/results --threads "$threads" "$@"
