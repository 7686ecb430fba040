/* The vectorisable expf against the C library's, over the range softmax uses (x ≤ 0). */
#include <math.h>

#include "testutil.h"

#include "math/fastexp.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fast_exp_is_within_two_ulp_of_expf),
        cmocka_unit_test(fast_exp_saturates_instead_of_misbehaving),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
