# Sourced by the project's scripts: when BLIS_ARCH_TYPE is unset, export BLIS's fastest
# compiled-in configuration for this CPU (the rule of src/core/blis_arch.h: AVX-512F/DQ/
# CD/BW/VL → skx = 0; AVX2 and FMA → zen3 = 6 on AMD, haswell = 3 elsewhere), since
# Debian's BLIS falls back to its slow generic kernels on CPUs it does not know (Zen 5).
# Prints the choice on stderr. With --no-avx512 (for valgrind, which cannot run AVX-512
# instructions) the best AVX2 configuration is chosen instead of skx.
optima_choose_blis() {
    _avx512=1
    [ "${1:-}" = --no-avx512 ] && _avx512=0
    if [ -n "${BLIS_ARCH_TYPE:-}" ]; then
        echo "BLIS configuration from the environment: BLIS_ARCH_TYPE=$BLIS_ARCH_TYPE" >&2
        return 0
    fi
    [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ] || return 0
    _flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    _has() { for _f in "$@"; do case "$_flags" in *" $_f "*) ;; *) return 1 ;; esac; done; }
    if [ "$_avx512" = 1 ] && _has avx512f avx512dq avx512cd avx512bw avx512vl; then
        BLIS_ARCH_TYPE=0; _name=skx
    elif _has avx2 fma; then
        if grep -q -m1 AuthenticAMD /proc/cpuinfo; then BLIS_ARCH_TYPE=6; _name=zen3
        else BLIS_ARCH_TYPE=3; _name=haswell; fi
    else
        return 0
    fi
    export BLIS_ARCH_TYPE
    echo "BLIS configuration '$_name' for this CPU (BLIS_ARCH_TYPE=$BLIS_ARCH_TYPE)" >&2
}
