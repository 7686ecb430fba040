/* Private header: which compiled-in BLIS configuration suits this CPU. Header-only, so
 * that the library (which only warns) and the project's own programs (which choose,
 * examples/common/blis_choice.c) share one rule. Not installed.
 *
 * Why: Debian 12's BLIS 0.9 falls back to its `generic` reference kernels on CPUs it
 * does not recognise (AMD family 0x1A), 3 to 6 times slower than its `skx` or `zen3`
 * kernels on the same machine; the only way to pick another configuration is the
 * environment variable BLIS_ARCH_TYPE (the position in BLIS's arch_t enum), read once
 * when BLIS initialises. */
#ifndef OPT_CORE_BLIS_ARCH_H
#define OPT_CORE_BLIS_ARCH_H

#include <blis.h>

/* The CPU features the choice depends on; a test fills one by hand. */
typedef struct opt_cpu {
    int x86_64;
    int amd;
    int avx2, fma;
    int avx512f, avx512dq, avx512cd, avx512bw, avx512vl;
} opt_cpu;

/* A BLIS configuration: its name and its BLIS_ARCH_TYPE value; name NULL for none. */
typedef struct opt_blis_arch {
    const char *name;
    int value;
} opt_blis_arch;

/* The features of the CPU this runs on (all 0 elsewhere than x86-64). */
static inline opt_cpu opt_cpu_detect(void)
{
    opt_cpu cpu = {0, 0, 0, 0, 0, 0, 0, 0, 0};
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    cpu.x86_64 = 1;
    cpu.amd = __builtin_cpu_is("amd");
    cpu.avx2 = __builtin_cpu_supports("avx2");
    cpu.fma = __builtin_cpu_supports("fma");
    cpu.avx512f = __builtin_cpu_supports("avx512f");
    cpu.avx512dq = __builtin_cpu_supports("avx512dq");
    cpu.avx512cd = __builtin_cpu_supports("avx512cd");
    cpu.avx512bw = __builtin_cpu_supports("avx512bw");
    cpu.avx512vl = __builtin_cpu_supports("avx512vl");
#endif
    return cpu;
}

/* The fastest compiled-in configuration @p cpu can run: skx with AVX-512F/DQ/CD/BW/VL
 * (faster than zen3 on Zen 5, as fast on Zen 4), else zen3 (AMD) or haswell (others)
 * with AVX2 and FMA; none otherwise. */
static inline opt_blis_arch opt_blis_best_arch(const opt_cpu *cpu)
{
    const opt_blis_arch none = {NULL, -1};
    if (!cpu->x86_64) return none;
    if (cpu->avx512f && cpu->avx512dq && cpu->avx512cd && cpu->avx512bw && cpu->avx512vl) {
        const opt_blis_arch skx = {"skx", (int)BLIS_ARCH_SKX};
        return skx;
    }
    if (cpu->avx2 && cpu->fma) {
        const opt_blis_arch zen3 = {"zen3", (int)BLIS_ARCH_ZEN3};
        const opt_blis_arch haswell = {"haswell", (int)BLIS_ARCH_HASWELL};
        return cpu->amd ? zen3 : haswell;
    }
    return none;
}

/* What to advise when BLIS runs configuration @p running: a better configuration when
 * it is `generic` and @p cpu can run one, else none. */
static inline opt_blis_arch opt_blis_advice(const opt_cpu *cpu, int running)
{
    const opt_blis_arch none = {NULL, -1};
    return running == (int)BLIS_ARCH_GENERIC ? opt_blis_best_arch(cpu) : none;
}

#endif /* OPT_CORE_BLIS_ARCH_H */
