#!/bin/sh
# The Rust crate outside the repository's layout:
# 1. `cargo package --offline` with the verification build (the packaged crate built on
#    its own), against this build's library named by OPTIMA_LIB_DIR;
# 2. the unpacked crate, with neither OPTIMA_LIB_DIR nor an optima.pc pkg-config can
#    find, fails to build with a message saying what to set;
# 3. after `cmake --install` to a scratch prefix, the unpacked crate finds the library
#    through pkg-config alone and its tests pass (the layout test taking the installed
#    headers from pkg-config too).
# Usage: cargo.sh SOURCE_DIR BUILD_DIR WORK_DIR CARGO LIBRARY_DIR
set -eu
src=$1 build=$2 work=$3 cargo=$4 libdir=$5
rm -rf "$work"
mkdir -p "$work/crate" "$work/no-pc"
export CARGO_TARGET_DIR="$work/target"
unset OPTIMA_LIB_DIR OPTIMA_LAYOUT_PROGRAM

# --- 1. cargo package, verified -------------------------------------------------------
# --allow-dirty: uncommitted changes are packaged as they are (the tree under test).
OPTIMA_LIB_DIR="$libdir" "$cargo" package --offline --allow-dirty --quiet \
    --manifest-path "$src/bindings/rust/Cargo.toml"
crate=$(find "$CARGO_TARGET_DIR/package" -name 'optima-*.crate' | head -n 1)
[ -n "$crate" ] || { echo "cargo package wrote no .crate"; exit 1; }
echo "packaged and verified: $(basename "$crate")"
tar xzf "$crate" -C "$work/crate"
manifest=$(find "$work/crate" -maxdepth 2 -name Cargo.toml | head -n 1)

# --- 2. no library anywhere: a build error that says what to set ------------------------
if PKG_CONFIG_PATH="$work/no-pc" PKG_CONFIG_LIBDIR="$work/no-pc" \
       "$cargo" build --offline --quiet --manifest-path "$manifest" 2>"$work/no-library.err"; then
    echo "the crate built with no library to find"; exit 1
fi
grep -q "liboptima not found: OPTIMA_LIB_DIR is not set" "$work/no-library.err" \
    || { cat "$work/no-library.err"; exit 1; }
echo "without OPTIMA_LIB_DIR or optima.pc: the build says what to set"

# --- 3. after cmake --install, through pkg-config ---------------------------------------
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
pcdir=$(dirname "$(find "$prefix" -name optima.pc | head -n 1)")
PKG_CONFIG_PATH="$pcdir" "$cargo" test --offline --quiet --manifest-path "$manifest" \
    >"$work/test.log" 2>&1 || { cat "$work/test.log"; exit 1; }
grep "test result" "$work/test.log"
echo "the unpacked crate's tests pass with the library found through pkg-config"
