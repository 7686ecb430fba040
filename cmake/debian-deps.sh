#!/bin/sh
# Install the Debian 12 packages liboptima's build, tests, docs and demo need, skipping
# those already installed. Sourced by tests/run.sh and examples/run-demo.sh; needs root
# (or sudo) only when something is missing.
optima_install_debian_deps() {
    missing=""
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $pkg"
        fi
    done
    [ -z "$missing" ] && return 0
    echo "installing missing Debian packages:$missing"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
}

# What building and running the demo (examples/run-demo.sh) needs: the library's build
# dependencies, zlib for the IDX files, the Fashion-MNIST data and gnuplot for the plot.
OPTIMA_DEMO_PACKAGES="build-essential cmake pkg-config libblis-dev libblis-openmp-dev zlib1g-dev \
dataset-fashion-mnist gnuplot-nox"

# What building and testing the library needs (the demo's smoke test included;
# python3-torch for the tests of the optima.torch module; python3-pip, -venv, -setuptools
# and -wheel for the offline `pip install bindings/python` test).
OPTIMA_BUILD_PACKAGES="$OPTIMA_DEMO_PACKAGES libcmocka-dev doxygen binutils clang libclang-rt-14-dev valgrind \
python3 python3-numpy python3-torch python3-pip python3-venv python3-setuptools python3-wheel \
cargo abigail-tools"
# Open MPI: optima-demo-mpi and its 2-rank test (label mpi); examples/run-demo.sh --ranks.
OPTIMA_MPI_PACKAGES="libopenmpi-dev openmpi-bin"
OPTIMA_BUILD_PACKAGES="$OPTIMA_BUILD_PACKAGES $OPTIMA_MPI_PACKAGES"
