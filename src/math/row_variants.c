/* The row kernels of rowloss.h: each call runs the best variant this CPU runs
 * (row_variants.h). The choice reads the CPU's features each time, from the compiler
 * runtime's record of them, rather than a pointer of ours set once: no state to race on,
 * and it costs a few instructions per call, which handles a block of rows. */
#include "row_variants.h"

#include "rowloss.h"

static int opt_runs_always(void)
{
    return 1;
}

#if OPT_ROW_VARIANTS
/* __builtin_cpu_init makes the features valid even before the constructors have run. */
static int opt_runs_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

static int opt_runs_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
#endif

#define OPT_ROW_VARIANT(label, runs, sfx)                                                     \
    {label, runs, opt_kl_rows##sfx, opt_kl_scan_rows##sfx, opt_cosine_rows##sfx,              \
     opt_finite_rows##sfx}

static const opt_row_variant opt_variants[] = {
#if OPT_ROW_VARIANTS
    OPT_ROW_VARIANT("avx512f", opt_runs_avx512, _avx512),
    OPT_ROW_VARIANT("avx2", opt_runs_avx2, _avx2),
#endif
    OPT_ROW_VARIANT("baseline", opt_runs_always, _base),
};

const opt_row_variant *opt_row_variants(size_t *count)
{
    *count = sizeof opt_variants / sizeof opt_variants[0];
    return opt_variants;
}

static const opt_row_variant *opt_best(void)
{
    const opt_row_variant *v = opt_variants;
    while (!v->runs()) ++v; /* the last one always runs */
    return v;
}

double opt_kl_rows(const optima_tensor *zs, const optima_tensor *zt, const uint8_t *mask,
                   double temperature, float coef, float *g, size_t gs, float *scratch,
                   const float *maxima)
{
    return opt_best()->kl_rows(zs, zt, mask, temperature, coef, g, gs, scratch, maxima);
}

double opt_kl_scan_rows(const optima_tensor *zs, const optima_tensor *zt, float *maxima)
{
    return opt_best()->kl_scan_rows(zs, zt, maxima);
}

double opt_cosine_rows(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                       float coef, float *g, size_t gs)
{
    return opt_best()->cosine_rows(y, t, mask, coef, g, gs);
}

double opt_finite_rows(const optima_tensor *a, const optima_tensor *b)
{
    return opt_best()->finite_rows(a, b);
}
