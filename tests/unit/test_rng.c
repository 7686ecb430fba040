/* The generator: golden outputs, distributions, bounds, save and load. */
#include <math.h>

#include "testutil.h"

#include "core/rng.h"

/* Computed by an independent implementation of splitmix64 + xoshiro256**. */
static void golden_outputs_for_seeds_0_and_42(void **state)
{
    (void)state;
    static const uint64_t seed0[4] = {0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull,
                                      0x1a5f849d4933e6e0ull, 0x6aa594f1262d2d2cull};
    static const uint64_t seed42[4] = {0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull,
                                       0xae17533239e499a1ull, 0xecb8ad4703b360a1ull};
    opt_rng r;
    opt_rng_seed(&r, 0);
    for (int i = 0; i < 4; ++i) assert_true(opt_rng_next(&r) == seed0[i]);
    opt_rng_seed(&r, 42);
    for (int i = 0; i < 4; ++i) assert_true(opt_rng_next(&r) == seed42[i]);
}

static void uniform_stays_in_unit_interval_with_mean_half(void **state)
{
    (void)state;
    opt_rng r;
    opt_rng_seed(&r, 7);
    double sum = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        const double u = opt_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    assert_true(fabs(sum / n - 0.5) < 0.005);
}

static void below_is_in_range_and_unbiased(void **state)
{
    (void)state;
    opt_rng r;
    opt_rng_seed(&r, 3);
    long counts[7] = {0};
    const int n = 70000;
    for (int i = 0; i < n; ++i) {
        const uint64_t k = opt_rng_below(&r, 7);
        assert_true(k < 7);
        counts[k] += 1;
    }
    double chi2 = 0;
    for (int k = 0; k < 7; ++k) chi2 += (counts[k] - 10000.0) * (counts[k] - 10000.0) / 10000.0;
    assert_true(chi2 < 22.46); /* 6 degrees of freedom, p = 0.001 */
    assert_true(opt_rng_below(&r, 1) == 0);
}

static void gaussian_has_unit_moments(void **state)
{
    (void)state;
    opt_rng r;
    opt_rng_seed(&r, 11);
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        const double z = opt_rng_gaussian(&r);
        assert_true(isfinite(z));
        sum += z;
        sum2 += z * z;
    }
    const double mean = sum / n;
    assert_true(fabs(mean) < 0.01);
    assert_true(fabs(sum2 / n - mean * mean - 1.0) < 0.02);
}

static void shuffle_is_a_permutation(void **state)
{
    (void)state;
    opt_rng r;
    opt_rng_seed(&r, 5);
    uint32_t items[16];
    for (uint32_t i = 0; i < 16; ++i) items[i] = i;
    opt_rng_shuffle(&r, items, 16);
    int seen[16] = {0};
    int moved = 0;
    for (uint32_t i = 0; i < 16; ++i) {
        seen[items[i]] += 1;
        moved += items[i] != i;
    }
    for (int i = 0; i < 16; ++i) assert_int_equal(seen[i], 1);
    assert_true(moved > 0);
}

static void saved_state_continues_the_same_sequence(void **state)
{
    (void)state;
    opt_rng a, b;
    opt_rng_seed(&a, 99);
    for (int i = 0; i < 10; ++i) (void)opt_rng_next(&a);
    uint8_t bytes[OPT_RNG_STATE_BYTES];
    opt_rng_save(&a, bytes);
    opt_rng_seed(&b, 1);
    assert_int_equal(opt_rng_load(&b, bytes), 0);
    for (int i = 0; i < 100; ++i) assert_true(opt_rng_next(&a) == opt_rng_next(&b));
    assert_true(opt_rng_gaussian(&a) == opt_rng_gaussian(&b));
}

static void all_zero_state_is_refused(void **state)
{
    (void)state;
    opt_rng r;
    opt_rng_seed(&r, 1);
    const opt_rng before = r;
    uint8_t zeros[OPT_RNG_STATE_BYTES] = {0};
    assert_int_equal(opt_rng_load(&r, zeros), -1);
    assert_memory_equal(&r, &before, sizeof r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_outputs_for_seeds_0_and_42),
        cmocka_unit_test(uniform_stays_in_unit_interval_with_mean_half),
        cmocka_unit_test(below_is_in_range_and_unbiased),
        cmocka_unit_test(gaussian_has_unit_moments),
        cmocka_unit_test(shuffle_is_a_permutation),
        cmocka_unit_test(saved_state_continues_the_same_sequence),
        cmocka_unit_test(all_zero_state_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
