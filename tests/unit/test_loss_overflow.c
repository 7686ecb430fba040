/* Finite inputs whose result overflows float32 inside a kernel: a stateless loss either
 * computes finite numbers or returns OPTIMA_ENONFINITE with the value and every gradient
 * buffer untouched (math.h), never a gradient holding ±∞ or NaN. */
#include <float.h>

#include "losstest.h"

#define POISON 0x55

typedef struct outputs {
    float gs[64], gp[64];
    double value;
} outputs;

static void poison(outputs *o)
{
    memset(o->gs, POISON, sizeof o->gs);
    memset(o->gp, POISON, sizeof o->gp);
    o->value = 42.0;
}

static void assert_untouched(const outputs *o)
{
    assert_true(o->value == 42.0);
    for (size_t i = 0; i < sizeof o->gs; ++i) assert_int_equal(((const uint8_t *)o->gs)[i], POISON);
    for (size_t i = 0; i < sizeof o->gp; ++i) assert_int_equal(((const uint8_t *)o->gp)[i], POISON);
}

static void assert_all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; ++i) assert_true(isfinite(x[i]));
}

static optima_tensor filled(float *buf, size_t rows, size_t cols, float v)
{
    for (size_t i = 0; i < rows * cols; ++i) buf[i] = v;
    return (optima_tensor){buf, rows, cols, cols};
}

static optima_context *plain_context(void)
{
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    return ctx;
}

/* The case the hostile test found: Y − Ht is −∞ in float32 although both are finite. */
static void mse_difference_overflow_writes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    float a[24], b[24];
    const optima_tensor s = filled(a, 4, 6, -FLT_MAX), t = filled(b, 4, 6, FLT_MAX);
    outputs o;
    poison(&o);
    assert_fails_naming_no_handle(optima_mse(ctx, &s, &t, NULL, NULL, &o.value, o.gs, 6, NULL, 0),
                        OPTIMA_ENONFINITE, "nothing was written");
    assert_untouched(&o);
    const uint8_t mask[4] = {0, 0, 0, 1}; /* a masked row still overflows */
    a[23] = 0.0f;
    b[23] = 0.0f;
    assert_fails_naming_no_handle(optima_mse(ctx, &s, &t, NULL, mask, &o.value, o.gs, 6, NULL, 0),
                        OPTIMA_ENONFINITE, "nothing was written");
    assert_untouched(&o);
    optima_context_destroy(ctx);
}

/* A finite difference whose gradient 2/(n·dt)·d is beyond float32 (one element: 2·d). */
static void mse_gradient_overflow_writes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    float a = 2e38f, b = 0.0f;
    const optima_tensor s = {&a, 1, 1, 1}, t = {&b, 1, 1, 1};
    outputs o;
    poison(&o);
    assert_fails_naming_no_handle(optima_mse(ctx, &s, &t, NULL, NULL, &o.value, o.gs, 1, NULL, 0),
                        OPTIMA_ENONFINITE, "nothing was written");
    assert_untouched(&o);
    /* the value alone is finite, so without a gradient the call succeeds */
    assert_int_equal(optima_mse(ctx, &s, &t, NULL, NULL, &o.value, NULL, 0, NULL, 0), OPTIMA_OK);
    assert_true(o.value == 4e76 || fabs(o.value / ((double)a * a) - 1.0) < 1e-12);
    optima_context_destroy(ctx);
}

/* 1e30 through a projection of 1e10: Y overflows. */
static void projected_student_overflow_writes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    float a[8], b[8], p[16];
    const optima_tensor s = filled(a, 2, 4, 1e30f), t = filled(b, 2, 4, 1.0f),
                        pv = filled(p, 4, 4, 1e10f);
    outputs o;
    poison(&o);
    assert_fails_naming_no_handle(optima_mse(ctx, &s, &t, &pv, NULL, &o.value, o.gs, 4, o.gp, 4),
                        OPTIMA_ENONFINITE, "nothing was written");
    assert_untouched(&o);
    assert_fails_naming_no_handle(optima_cosine(ctx, &s, &t, &pv, NULL, &o.value, o.gs, 4, o.gp, 4),
                        OPTIMA_ENONFINITE, "nothing was written");
    assert_untouched(&o);
    optima_context_destroy(ctx);
}

/* Y = Hs·P and the value are finite, but dP = Hsᵀ·G (huge Hs) or dHs = G·Pᵀ (huge P)
 * is not: nothing may be written, not even the gradient that would have been finite. */
static void gradient_product_overflow_writes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    float a[6], b[4], p[6];
    outputs o;
    /* Hs 3e38, P 1e-38: Y = 9, G = 4.5, dP = 2·3e38·4.5 = ∞, dHs = 2·4.5·1e-38 */
    optima_tensor s = filled(a, 2, 3, 3e38f), t = filled(b, 2, 2, 0.0f), pv = filled(p, 3, 2, 1e-38f);
    poison(&o);
    assert_fails_naming_no_handle(optima_mse(ctx, &s, &t, &pv, NULL, &o.value, o.gs, 3, o.gp, 2),
                        OPTIMA_ENONFINITE, "nothing was written");
    assert_untouched(&o);
    assert_int_equal(optima_mse(ctx, &s, &t, &pv, NULL, &o.value, o.gs, 3, NULL, 0), OPTIMA_OK);
    assert_all_finite(o.gs, 6);
    assert_true(fabs(o.value - 81.0) < 1e-3);
    /* Hs 1e-38, P 3e38: Y = 9, G = 4.5, dHs = 2·4.5·3e38 = ∞ */
    s = filled(a, 2, 3, 1e-38f);
    pv = filled(p, 3, 2, 3e38f);
    poison(&o);
    assert_fails_naming_no_handle(optima_mse(ctx, &s, &t, &pv, NULL, &o.value, o.gs, 3, o.gp, 2),
                        OPTIMA_ENONFINITE, "nothing was written");
    assert_untouched(&o);
    assert_int_equal(optima_mse(ctx, &s, &t, &pv, NULL, &o.value, NULL, 0, o.gp, 2), OPTIMA_OK);
    assert_all_finite(o.gp, 6);
    optima_context_destroy(ctx);
}

/* Cosine works in float64 and its gradient is bounded by 1/(n·ε): the most extreme finite
 * inputs are computed, not refused. */
static void cosine_of_extreme_inputs_is_computed(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    float a[24], b[24];
    const optima_tensor s = filled(a, 4, 6, -FLT_MAX), t = filled(b, 4, 6, FLT_MAX);
    outputs o;
    poison(&o);
    assert_int_equal(optima_cosine(ctx, &s, &t, NULL, NULL, &o.value, o.gs, 6, NULL, 0), OPTIMA_OK);
    assert_true(fabs(o.value - 2.0) < 1e-12);
    assert_all_finite(o.gs, 24);
    optima_context_destroy(ctx);
}

/* KL takes zt − zs in float32: −FLT_MAX against +FLT_MAX overflows after the exponentials
 * (and the gradient) of every row were computed. Logits that are large but whose
 * differences fit are computed. */
static void kl_difference_overflow_writes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    float a[24], b[24];
    optima_tensor s = filled(a, 4, 6, -FLT_MAX), t = filled(b, 4, 6, FLT_MAX);
    a[0] = b[0] = 0.0f;
    outputs o;
    poison(&o);
    assert_fails_naming_no_handle(optima_kl(ctx, &s, &t, 2.0, NULL, &o.value, o.gs, 6), OPTIMA_ENONFINITE,
                        "nothing was written");
    assert_untouched(&o);
    s = filled(a, 4, 6, 0.75f * FLT_MAX);
    t = filled(b, 4, 6, FLT_MAX);
    a[5] = 0.5f * FLT_MAX;
    assert_int_equal(optima_kl(ctx, &s, &t, 2.0, NULL, &o.value, o.gs, 6), OPTIMA_OK);
    assert_true(isfinite(o.value));
    assert_all_finite(o.gs, 24);
    optima_context_destroy(ctx);
}

/* Differences that fit float32 one by one (0.4·FLT_MAX) but whose sum over a wide row does
 * not: KL's float lanes add 16 of them. The guarding scan sends this to the value-first
 * path, which refuses before writing (it used to write the gradient, then fail). */
static void kl_cross_sum_overflow_in_a_wide_row_writes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    enum { C = 512 };
    static float a[C], b[C], g[C];
    const optima_tensor s = filled(a, 1, C, -0.2f * FLT_MAX), t = filled(b, 1, C, 0.2f * FLT_MAX);
    memset(g, POISON, sizeof g);
    double value = 42.0;
    assert_fails_naming_no_handle(optima_kl(ctx, &s, &t, 2.0, NULL, &value, g, C), OPTIMA_ENONFINITE,
                                  "nothing was written");
    assert_true(value == 42.0);
    for (size_t i = 0; i < sizeof g; ++i) assert_int_equal(((const uint8_t *)g)[i], POISON);
    optima_context_destroy(ctx);
}

/* Attention takes the difference in float64 (finite), but its float32 gradient is not. */
static void attention_gradient_overflow_writes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    float a[24], b[24];
    const optima_tensor s = filled(a, 4, 6, -FLT_MAX), t = filled(b, 4, 6, FLT_MAX);
    outputs o;
    poison(&o);
    assert_fails_naming_no_handle(optima_attention_mse(ctx, &s, &t, 2, 2, NULL, NULL, &o.value, o.gs, 6),
                        OPTIMA_ENONFINITE, "nothing was written");
    assert_untouched(&o);
    assert_int_equal(optima_attention_mse(ctx, &s, &t, 2, 2, NULL, NULL, &o.value, NULL, 0),
                     OPTIMA_OK);
    assert_true(isfinite(o.value));
    optima_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mse_difference_overflow_writes_nothing),
        cmocka_unit_test(mse_gradient_overflow_writes_nothing),
        cmocka_unit_test(projected_student_overflow_writes_nothing),
        cmocka_unit_test(gradient_product_overflow_writes_nothing),
        cmocka_unit_test(cosine_of_extreme_inputs_is_computed),
        cmocka_unit_test(kl_difference_overflow_writes_nothing),
        cmocka_unit_test(kl_cross_sum_overflow_in_a_wide_row_writes_nothing),
        cmocka_unit_test(attention_gradient_overflow_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
