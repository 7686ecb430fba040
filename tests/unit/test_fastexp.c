/* The vectorised 2^x against float64 over the range softmax uses (x ≤ 0): a dense sweep
 * of [−125, 0], and every float of [−1, −1/4] (reduced arguments f = x − round(x) of both
 * signs: [0, 1/2] from x < −1/2, [−1/2, −1/4] from the others), then its edges and its
 * padded form for a row's last elements. */
#include <math.h>
#include <string.h>

#include "testutil.h"

#include "math/fastexp.h"

/* The documented bound (fastexp.h, docs/losses.md). */
#define EXP2_BOUND 2.0e-7

/* Worst relative error of 2^x over the first n lanes of x, folded into *worst. */
static void fold_worst(const float *x, size_t n, double *worst)
{
    float y[OPT_V16];
    opt_exp2_lanes(x, n, y);
    for (size_t j = 0; j < n; ++j) {
        const double want = exp2((double)x[j]);
        const double rel = fabs((double)y[j] - want) / want;
        if (rel > *worst) *worst = rel;
    }
}

/* Worst relative error of 2^x over x = from, from + step, … < to, 16 lanes at a time. */
static double worst_over(double from, double to, double step)
{
    double worst = 0.0;
    float x[OPT_V16];
    size_t n = 0;
    for (double t = from; t < to; t += step) {
        x[n++] = (float)t;
        if (n < OPT_V16 && t + step < to) continue;
        fold_worst(x, n, &worst);
        n = 0;
    }
    return worst;
}

static void fast_exp2_is_within_its_bound_on_a_dense_sweep(void **state)
{
    (void)state;
    /* 4.5 million points, off any grid aligned with the reduction's integers */
    assert_true(worst_over(-125.0, 0.0, 2.828427e-5) < EXP2_BOUND);
}

static void fast_exp2_is_within_its_bound_on_every_float_of_minus_one_to_a_quarter(void **state)
{
    (void)state;
    double worst = 0.0;
    float x[OPT_V16];
    size_t n = 0;
    /* bit patterns from −1/4 (0xbe800000) to −1 (0xbf800000) */
    for (uint32_t bits = 0xbe800000u; bits <= 0xbf800000u; ++bits) {
        memcpy(&x[n++], &bits, sizeof bits);
        if (n < OPT_V16 && bits < 0xbf800000u) continue;
        fold_worst(x, n, &worst);
        n = 0;
    }
    assert_true(worst < EXP2_BOUND);
}

static float opt_exp2f(float x)
{
    float y;
    opt_exp2_lanes(&x, 1, &y);
    return y;
}

static void fast_exp2_is_exact_at_integers_and_clamps_below(void **state)
{
    (void)state;
    assert_true(opt_exp2f(0.0f) == 1.0f);
    assert_true(opt_exp2f(-0.0f) == 1.0f);
    for (int k = -125; k <= 0; ++k) assert_true(opt_exp2f((float)k) == ldexpf(1.0f, k));
    assert_true(opt_exp2f(-125.5f) == ldexpf(1.0f, -125));
    assert_true(opt_exp2f(-1000.0f) == ldexpf(1.0f, -125));
    assert_true(opt_exp2f(-INFINITY) == ldexpf(1.0f, -125));
    assert_true(opt_exp2f(-NAN) == ldexpf(1.0f, -125));
    assert_true(isnan(opt_exp2f(NAN))); /* the callers' sums see the NaN */
    assert_true(fabs(opt_exp2f(100.25f) - exp2(100.25)) / exp2(100.25) < EXP2_BOUND);
}

/* A row's last elements go through opt_exp2_lanes: every length from 1 to 16 must give
 * what whole vectors give, and write nothing past the length. */
static void tail_lanes_match_whole_vectors_and_stay_in_bounds(void **state)
{
    (void)state;
    const float in[OPT_V16] = {0.0f, -0.0f, -1e-30f, -124.9f, -125.1f, -1000.0f, -INFINITY,
                               -0.5f, 100.0f, 1.0f, -0.49999997f, -0.50000006f, -30.000002f,
                               -3.5f, -60.25f, -0.125f};
    opt_v16f v;
    opt_v16_load(&v, in);
    opt_v16_exp2(&v);
    float whole[OPT_V16];
    opt_v16_store(whole, &v);
    for (size_t n = 1; n <= OPT_V16; ++n) {
        float out[OPT_V16 + 1];
        memset(out, 0x55, sizeof out);
        opt_exp2_lanes(in, n, out);
        for (size_t j = 0; j < n; ++j) assert_memory_equal(&out[j], &whole[j], sizeof whole[j]);
        for (size_t j = n; j <= OPT_V16; ++j) assert_int_equal(((uint8_t *)&out[j])[0], 0x55);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fast_exp2_is_within_its_bound_on_a_dense_sweep),
        cmocka_unit_test(fast_exp2_is_within_its_bound_on_every_float_of_minus_one_to_a_quarter),
        cmocka_unit_test(fast_exp2_is_exact_at_integers_and_clamps_below),
        cmocka_unit_test(tail_lanes_match_whole_vectors_and_stay_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
