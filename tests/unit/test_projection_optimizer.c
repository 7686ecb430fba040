/* The built-in projection optimizers against hand-computed updates. */
#include <math.h>

#include "testutil.h"

#include "train/projection_optimizer.h"

static void sgd_with_momentum_matches_hand_computation(void **state)
{
    (void)state;
    opt_optimizer_settings s;
    opt_optimizer_defaults(&s, OPT_OPTIMIZER_SGD);
    s.learning_rate = 0.1f;
    s.momentum = 0.5f;
    s.weight_decay = 0.0f;
    float p[2] = {1.0f, -2.0f}, g[2] = {0.5f, 1.0f}, buf[2] = {0, 0};
    opt_optimizer_update(&s, p, g, buf, 2, 1);
    assert_float_equal(p[0], 1.0f - 0.05f, 1e-7);
    assert_float_equal(p[1], -2.0f - 0.1f, 1e-7);
    opt_optimizer_update(&s, p, g, buf, 2, 2); /* buf = 0.5*0.5 + 0.5 = 0.75 */
    assert_float_equal(p[0], 0.95f - 0.075f, 1e-6);
    assert_float_equal(buf[1], 1.5f, 1e-7);
}

static void adamw_first_step_moves_by_learning_rate(void **state)
{
    (void)state;
    opt_optimizer_settings s;
    opt_optimizer_defaults(&s, OPT_OPTIMIZER_ADAMW);
    s.learning_rate = 0.01f;
    s.weight_decay = 0.0f;
    assert_int_equal(opt_optimizer_state_floats(OPT_OPTIMIZER_ADAMW), 2);
    float p[3] = {1.0f, 1.0f, 1.0f}, g[3] = {3.0f, -0.2f, 0.0f}, st[6] = {0};
    opt_optimizer_update(&s, p, g, st, 3, 1);
    /* bias-corrected m/sqrt(v) = sign(g) on the first step */
    assert_float_equal(p[0], 0.99f, 1e-6);
    assert_float_equal(p[1], 1.01f, 1e-6);
    assert_float_equal(p[2], 1.0f, 1e-7);
}

static void adamw_decay_is_decoupled(void **state)
{
    (void)state;
    opt_optimizer_settings s;
    opt_optimizer_defaults(&s, OPT_OPTIMIZER_ADAMW);
    s.learning_rate = 0.1f;
    s.weight_decay = 0.5f;
    float p[1] = {2.0f}, g[1] = {0.0f}, st[2] = {0};
    opt_optimizer_update(&s, p, g, st, 1, 1);
    assert_float_equal(p[0], 2.0f * (1.0f - 0.05f), 1e-6);
}

static void adamw_matches_a_double_reference_over_many_steps(void **state)
{
    (void)state;
    opt_optimizer_settings s;
    opt_optimizer_defaults(&s, OPT_OPTIMIZER_ADAMW);
    float p = 0.5f, st[2] = {0};
    double rp = 0.5, m = 0, v = 0;
    for (uint64_t t = 1; t <= 200; ++t) {
        const float g = (float)sin((double)t) + p;
        const double gd = g;
        opt_optimizer_update(&s, &p, &g, st, 1, t);
        m = 0.9 * m + 0.1 * gd;
        v = 0.999 * v + 0.001 * gd * gd;
        const double mh = m / (1 - pow(0.9, (double)t)), vh = v / (1 - pow(0.999, (double)t));
        rp = rp * (1 - 1e-3 * 1e-2) - 1e-3 * mh / (sqrt(vh) + 1e-8);
        assert_true(fabs(rp - p) < 1e-4);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sgd_with_momentum_matches_hand_computation),
        cmocka_unit_test(adamw_first_step_moves_by_learning_rate),
        cmocka_unit_test(adamw_decay_is_decoupled),
        cmocka_unit_test(adamw_matches_a_double_reference_over_many_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
