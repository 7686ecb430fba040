#!/bin/sh
# Install the build into a scratch prefix the loader does not search (with the Python
# package, component "python"), then, in a clean environment (no OPTIMA_LIBRARY, no
# LD_LIBRARY_PATH):
# - Python imports optima from the prefix's site-packages and finds liboptima.so.1 in the
#   library directory the install recorded; again after the prefix is moved;
# - a C program built with the installed pkg-config file and an rpath runs; without the
#   rpath it does not start (what the README's Install section says), unless the system
#   loader already knows a liboptima.so.1.
# Usage: run.sh BUILD_DIR WORK_DIR PYTHON C_PROGRAM
set -eu
build=$1 work=$2 python=$3 program=$4
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
cmake --install "$build" --prefix "$prefix" --component python >>"$work/install.log"

clean() { env -i PATH=/usr/bin:/bin HOME="$work" PYTHONDONTWRITEBYTECODE=1 "$@"; }
loader_knows_optima() { /sbin/ldconfig -p 2>/dev/null | grep -q 'liboptima\.so\.1 '; }

# --- Python ----------------------------------------------------------------------------
paths=$(find "$prefix" -path '*/optima/_install_paths.py')
[ -n "$paths" ] || { echo "no optima/_install_paths.py installed under $prefix"; exit 1; }
site=$(dirname "$(dirname "$paths")")
check='import numpy as np, optima
s = np.ones((3, 4), np.float32)
loss, _, _ = optima.mse(s, 2 * s)
assert loss == 1.0, loss
print(optima.LIBRARY_PATH)'
loaded=$(clean PYTHONPATH="$site" "$python" -c "$check")
echo "python loaded $loaded"
case "$loaded" in "$prefix"/*) ;; *) echo "not the installed library"; exit 1 ;; esac

# A package without the record (a copy of the source tree's) says where it looked.
mkdir -p "$work/bare"
cp -r "$site/optima" "$work/bare/"
rm "$work/bare/optima/_install_paths.py"
if loader_knows_optima; then
    echo "skipped the not-found check: the system loader knows a liboptima.so.1"
elif clean PYTHONPATH="$work/bare" "$python" -c "import optima" 2>"$work/bare.err"; then
    echo "a package without the record found a library"; exit 1
else
    grep -q "cannot find liboptima.so.1" "$work/bare.err"
    grep -q "next to the package: $work/bare/optima/liboptima.so.1: no such file" "$work/bare.err"
    grep -q "ldconfig" "$work/bare.err"
    echo "without the record: ImportError listing where it looked"
fi

# --- C, with the installed pkg-config file -------------------------------------------------
pcdir=$(dirname "$(find "$prefix" -name optima.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pcdir" ${PKG_CONFIG:-pkg-config} --cflags --libs optima)
libdir=$(PKG_CONFIG_PATH="$pcdir" ${PKG_CONFIG:-pkg-config} --variable=libdir optima)
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror "$program" $flags -Wl,-rpath,"$libdir" \
    -o "$work/with_rpath"
echo "C program with an rpath printed: $(clean "$work/with_rpath")"
# shellcheck disable=SC2086
${CC:-cc} -std=c11 "$program" $flags -o "$work/without_rpath"
if loader_knows_optima; then
    echo "skipped the no-rpath check: the system loader knows a liboptima.so.1"
elif clean "$work/without_rpath" >/dev/null 2>&1; then
    echo "a program without rpath found liboptima.so.1 in a clean environment"; exit 1
else
    echo "C program without an rpath: not found, as documented; with LD_LIBRARY_PATH: " \
         "$(clean LD_LIBRARY_PATH="$libdir" "$work/without_rpath")"
fi

# --- a moved prefix: the record relative to the package still leads to the library ------
mv "$prefix" "$work/moved"
loaded=$(clean PYTHONPATH="$work/moved${site#"$prefix"}" "$python" -c "$check")
echo "python after moving the prefix loaded $loaded"
case "$loaded" in "$work/moved"/*) ;; *) echo "not the moved library"; exit 1 ;; esac
