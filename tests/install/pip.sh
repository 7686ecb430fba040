#!/bin/sh
# `pip install bindings/python` into fresh virtual environments, offline, then
# `import optima` in a clean environment (no PYTHONPATH, not from the source tree):
# 1. against this build's library, named by OPTIMA_LIBRARY;
# 2. after `cmake --install` of this build to a scratch prefix, with pkg-config pointed at
#    that prefix while pip builds: the package records the library directory and imports
#    without any variable.
# Each time the installed package must be the venv's, with py.typed, and carry the
# version of include/optima/version.h. The package is built from a copy of the files it
# needs (bindings/python and version.h), so the source tree stays clean.
# Usage: pip.sh SOURCE_DIR BUILD_DIR WORK_DIR PYTHON LIBRARY
set -eu
src=$1 build=$2 work=$3 python=$4 library=$5
rm -rf "$work"
mkdir -p "$work/tree/bindings" "$work/tree/include/optima"
cp -r "$src/bindings/python" "$work/tree/bindings/"
cp "$src/include/optima/version.h" "$work/tree/include/optima/"
package=$work/tree/bindings/python
version=$(sed -n 's/^#define OPTIMA_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' \
          "$src/include/optima/version.h" | paste -sd.)

clean() { env -i PATH=/usr/bin:/bin HOME="$work" PYTHONDONTWRITEBYTECODE=1 "$@"; }
# --no-build-isolation: build with the setuptools and wheel the venv sees (Debian's);
# --no-index: never the network.
pip_install() {  # VENV [VAR=VALUE...]
    venv=$1; shift
    "$python" -m venv --system-site-packages "$venv"
    clean PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 "$@" "$venv/bin/python" -m pip \
        install --no-build-isolation --no-index "$package" >"$venv.log" 2>&1 \
        || { cat "$venv.log"; exit 1; }
}
check='import os, sys, numpy as np, optima
s = np.ones((3, 4), np.float32)
loss, _, _ = optima.mse(s, 2 * s)
assert loss == 1.0, loss
here = os.path.dirname(optima.__file__)
assert here.startswith(sys.prefix + os.sep), (here, sys.prefix)
assert os.path.exists(os.path.join(here, "py.typed")), "no py.typed"
print(optima.__version__, optima.LIBRARY_PATH)'
expect() {  # WHAT OUTPUT LIBRARY_PREFIX
    echo "$1: $2"
    case "$2" in "$version $3"*) ;; *) echo "expected version $version and a library under $3"; exit 1 ;; esac
}

# --- 1. the build's library through OPTIMA_LIBRARY ------------------------------------
pip_install "$work/venv" PKG_CONFIG=/nonexistent
out=$(cd "$work" && clean OPTIMA_LIBRARY="$library" "$work/venv/bin/python" -c "$check")
expect "with OPTIMA_LIBRARY" "$out" "$library"
if find "$work/venv" -path '*/optima/_install_paths.py' | grep -q .; then
    echo "a library directory was recorded without OPTIMA_LIB_DIR or pkg-config"; exit 1
fi

# --- 2. after cmake --install, found through the directory recorded by pip ---------------
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
pcdir=$(dirname "$(find "$prefix" -name optima.pc | head -n 1)")
pip_install "$work/venv-installed" PKG_CONFIG="${PKG_CONFIG:-pkg-config}" PKG_CONFIG_PATH="$pcdir"
out=$(cd "$work" && clean "$work/venv-installed/bin/python" -c "$check")
expect "after cmake --install, no variable" "$out" "$prefix/"
