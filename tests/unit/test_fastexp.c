/* The vectorised expf against the C library's, over the range softmax uses (x ≤ 0), and
 * its padded form for a row's last elements. */
#include <math.h>
#include <string.h>

#include "testutil.h"

#include "math/fastexp.h"

static float opt_expf(float x)
{
    float y;
    opt_expf_lanes(&x, 1, &y);
    return y;
}

static void fast_exp_is_within_two_ulp_of_expf(void **state)
{
    (void)state;
    double worst = 0.0;
    for (float x = -87.0f; x <= 0.0f; x += 0.00731f) {
        const double want = exp((double)x);
        const double rel = fabs(opt_expf(x) - want) / want;
        if (rel > worst) worst = rel;
    }
    assert_true(worst < 2.5e-7);
    assert_true(opt_expf(0.0f) == 1.0f);
}

static void fast_exp_saturates_instead_of_misbehaving(void **state)
{
    (void)state;
    assert_true(opt_expf(-1000.0f) < 1.3e-38f && opt_expf(-1000.0f) >= 0.0f);
    assert_true(opt_expf(-INFINITY) < 1.3e-38f);
    assert_true(fabs(opt_expf(80.0f) - exp(80.0)) / exp(80.0) < 2.5e-7); /* still right above 0 */
    assert_true(isfinite(opt_expf(NAN))); /* NaN is caught by the callers' sums instead */
}

/* A row's last elements go through opt_expf_lanes: every length from 1 to 16 must give
 * what whole vectors give, and write nothing past the length. */
static void tail_lanes_match_whole_vectors_and_stay_in_bounds(void **state)
{
    (void)state;
    const float in[OPT_V16] = {0.0f, -0.0f, -1e-30f, -87.3f, -87.4f, -1000.0f, -INFINITY, NAN,
                               88.0f, 1.0f, -0.34657359f, -0.34657360f, -20.79441541f, -3.5f,
                               -60.25f, -0.125f};
    opt_v16f whole;
    opt_v16_load(&whole, in);
    opt_v16_exp(&whole);
    for (size_t n = 1; n <= OPT_V16; ++n) {
        float out[OPT_V16 + 1];
        memset(out, 0x55, sizeof out);
        opt_expf_lanes(in, n, out);
        for (size_t j = 0; j < n; ++j) {
            const float want = whole[j]; /* clang takes no address of a vector element */
            assert_memory_equal(&out[j], &want, sizeof want);
        }
        for (size_t j = n; j <= OPT_V16; ++j) assert_int_equal(((uint8_t *)&out[j])[0], 0x55);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fast_exp_is_within_two_ulp_of_expf),
        cmocka_unit_test(fast_exp_saturates_instead_of_misbehaving),
        cmocka_unit_test(tail_lanes_match_whole_vectors_and_stay_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
