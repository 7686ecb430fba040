#!/bin/sh
# Build liboptima and run its whole test suite (unit, ABI, packaging, docs).
# Installs the Debian packages it needs when they are missing.
#
#   sh tests/run.sh              gcc, warnings as errors, the docs built (warnings as errors)
#   sh tests/run.sh --sanitize   the same tests under AddressSanitizer + UBSan
#   sh tests/run.sh --clang      built with clang, warnings as errors
#   sh tests/run.sh --valgrind   the unit tests under valgrind's memcheck
#   sh tests/run.sh --tsan       the unit tests under ThreadSanitizer (gcc)
#   sh tests/run.sh --fuzz       the libFuzzer targets, 20 s each from their own seeds
set -eu
cd "$(dirname "$0")/.."
. ./cmake/debian-deps.sh
. ./examples/common/blis-choice.sh
# valgrind cannot run AVX-512: under it, BLIS gets an AVX2 configuration
if [ "${1:-}" = --valgrind ]; then optima_choose_blis --no-avx512; else optima_choose_blis; fi
# shellcheck disable=SC2086
optima_install_debian_deps $OPTIMA_BUILD_PACKAGES

mode=${1:-default}
target=""
jobs=$(nproc 2>/dev/null || echo 2)
flags="-DOPTIMA_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo"
ctest_args="--output-on-failure -j $jobs"
case "$mode" in
    default)    dir=build/test; flags="$flags -DOPTIMA_BUILD_DOCS=ON" ;;
    --sanitize) dir=build/sanitize; flags="$flags -DOPTIMA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug" ;;
    --clang)    dir=build/clang; export CC=clang ;;
    --valgrind) dir=build/valgrind; flags="$flags -DCMAKE_BUILD_TYPE=Debug -DOPTIMA_VALGRIND=ON"
                ctest_args="$ctest_args -L unit" ;;
    --tsan)     dir=build/tsan; flags="$flags -DOPTIMA_TSAN=ON -DOPTIMA_BUILD_BINDINGS=OFF"
                ctest_args="$ctest_args -L unit"
                TSAN_OPTIONS="halt_on_error=1 suppressions=$(pwd)/tests/tsan.supp"
                export TSAN_OPTIONS ;;
    --fuzz)     dir=build/fuzz; export CC=clang; target="--target fuzz_load"
                # Only the fuzz targets: everything in this build carries libFuzzer's
                # coverage hooks, which only a fuzzer's executable resolves.
                flags="$flags -DOPTIMA_BUILD_FUZZ=ON -DOPTIMA_BUILD_SHARED=OFF -DOPTIMA_BUILD_BINDINGS=OFF -DOPTIMA_BUILD_EXAMPLES=OFF"
                ctest_args="$ctest_args -L fuzz" ;;
    *) echo "usage: sh tests/run.sh [--sanitize|--clang|--valgrind|--tsan|--fuzz]" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
cmake -S . -B "$dir" $flags
# shellcheck disable=SC2086
cmake --build "$dir" -j "$jobs" $target
cd "$dir"
# shellcheck disable=SC2086
ctest $ctest_args
