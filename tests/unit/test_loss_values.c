/* Known values of the stateless losses, and non-finite inputs leaving outputs untouched. */
#include "losstest.h"

static optima_context *plain_context(void)
{
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    return ctx;
}

static void identical_inputs_give_zero_loss_and_zero_gradient(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    host_matrix a = host_random(9, 13, 2, 11, 1.0);
    const optima_tensor v = host_view(&a);
    float g[9 * 13];
    double value = -1.0;
    assert_int_equal(optima_mse(ctx, &v, &v, NULL, NULL, &value, g, 13, NULL, 0), OPTIMA_OK);
    assert_true(value == 0.0);
    for (size_t i = 0; i < 9 * 13; ++i) assert_true(g[i] == 0.0f);
    assert_int_equal(optima_cosine(ctx, &v, &v, NULL, NULL, &value, g, 13, NULL, 0), OPTIMA_OK);
    assert_true(fabs(value) < 1e-12);
    for (size_t i = 0; i < 9 * 13; ++i) assert_true(fabsf(g[i]) < 1e-7f);
    assert_int_equal(optima_kl(ctx, &v, &v, 2.0, NULL, &value, g, 13), OPTIMA_OK);
    assert_true(fabs(value) < 1e-12);
    for (size_t i = 0; i < 9 * 13; ++i) assert_true(fabsf(g[i]) < 1e-7f);
    assert_int_equal(optima_attention_mse(ctx, &v, &v, 3, 3, NULL, NULL, &value, g, 13), OPTIMA_OK);
    assert_true(value == 0.0);
    free(a.data);
    optima_context_destroy(ctx);
}

/* Two rows, widths 2, P = [[1, 0, 1], [0, 2, 0]] (2 × 3):
 * hs = [[1, 2], [3, -1]] → Y = [[1, 4, 1], [3, -2, 3]]; ht = [[1, 4, 0], [0, 0, 3]]
 * errors [[0, 0, 1], [3, -2, 0]] → sum of squares 14, MSE = 14/6.
 * dY = 2/6·errors; dHs = dY·Pᵀ = [[1/3, 0], [1, -4/3]]. */
static void mse_with_projection_matches_a_hand_computed_case(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    const float hs[] = {1, 2, 3, -1}, ht[] = {1, 4, 0, 0, 0, 3}, p[] = {1, 0, 1, 0, 2, 0};
    const optima_tensor s = {hs, 2, 2, 2}, t = {ht, 2, 3, 3}, pv = {p, 2, 3, 3};
    float gs[4], gp[6];
    double value = 0.0;
    assert_int_equal(optima_mse(ctx, &s, &t, &pv, NULL, &value, gs, 2, gp, 3), OPTIMA_OK);
    assert_true(fabs(value - 14.0 / 6.0) < 1e-6);
    const float want[] = {1.0f / 3, 0.0f, 1.0f, -4.0f / 3};
    for (int i = 0; i < 4; ++i) assert_true(fabsf(gs[i] - want[i]) < 1e-6f);
    /* dP = Hsᵀ·dY: dY = [[0, 0, 1/3], [1, -2/3, 0]] → dP[0] = [3, -2, 1/3], dP[1] = [-1, 2/3, 2/3] */
    const float wantp[] = {3.0f, -2.0f, 1.0f / 3, -1.0f, 2.0f / 3, 2.0f / 3};
    for (int i = 0; i < 6; ++i) assert_true(fabsf(gp[i] - wantp[i]) < 1e-6f);
    optima_context_destroy(ctx);
}

/* Orthogonal rows have cosine 0 (loss 1), opposite rows −1 (loss 2): mean 1.5. A zero row
 * has cosine 0 by the ε floor. KL of uniform teacher vs one-hot-ish student by hand. */
static void cosine_and_kl_match_hand_computed_cases(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    const float a[] = {1, 0, 2, 2}, b[] = {0, 3, -1, -1};
    const optima_tensor s = {a, 2, 2, 2}, t = {b, 2, 2, 2};
    double value = 0.0;
    assert_int_equal(optima_cosine(ctx, &s, &t, NULL, NULL, &value, NULL, 0, NULL, 0), OPTIMA_OK);
    assert_true(fabs(value - 1.5) < 1e-12);
    const float z[] = {0, 0}, one[] = {1, 1};
    const optima_tensor zs = {z, 1, 2, 2}, os = {one, 1, 2, 2};
    assert_int_equal(optima_cosine(ctx, &zs, &os, NULL, NULL, &value, NULL, 0, NULL, 0), OPTIMA_OK);
    assert_true(fabs(value - 1.0) < 1e-12);
    /* teacher uniform over 2 classes, student logits (log 3, 0) → q = (3/4, 1/4):
     * KL = ½ log(½ / ¾) + ½ log(½ / ¼) = ½ log(4/3); T = 1 */
    const float zt[] = {5, 5}, zsl[] = {(float)log(3.0), 0};
    const optima_tensor kt = {zt, 1, 2, 2}, ks = {zsl, 1, 2, 2};
    float g[2];
    assert_int_equal(optima_kl(ctx, &ks, &kt, 1.0, NULL, &value, g, 2), OPTIMA_OK);
    assert_true(fabs(value - 0.5 * log(4.0 / 3.0)) < 1e-6);
    assert_true(fabsf(g[0] - 0.25f) < 1e-6f && fabsf(g[1] + 0.25f) < 1e-6f);
    optima_context_destroy(ctx);
}

static void all_rows_masked_out_give_zero(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    host_matrix a = host_random(3, 4, 0, 1, 1.0), b = host_random(3, 4, 0, 2, 1.0);
    const optima_tensor s = host_view(&a), t = host_view(&b);
    const uint8_t none[3] = {0, 0, 0};
    float g[12];
    memset(g, 0x7f, sizeof g);
    double value = -1.0;
    assert_int_equal(optima_mse(ctx, &s, &t, NULL, none, &value, g, 4, NULL, 0), OPTIMA_OK);
    assert_true(value == 0.0);
    for (int i = 0; i < 12; ++i) assert_true(g[i] == 0.0f);
    assert_int_equal(optima_kl(ctx, &s, &t, 1.0, none, &value, g, 4), OPTIMA_OK);
    assert_true(value == 0.0);
    free(a.data);
    free(b.data);
    optima_context_destroy(ctx);
}

static void nonfinite_inputs_are_refused_and_nothing_is_written(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    host_matrix a = host_random(4, 6, 0, 1, 1.0), b = host_random(4, 6, 0, 2, 1.0),
                p = host_random(6, 6, 0, 3, 1.0);
    const uint8_t mask[4] = {1, 1, 1, 0};
    const float bad[] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; ++k) {
        for (int where = 0; where < 3; ++where) {
            host_matrix *m = where == 0 ? &a : where == 1 ? &b : &p;
            const size_t at = where == 2 ? 7 : 3 * 6 + 2; /* row 3 is masked out: still refused */
            const float saved = m->data[at];
            m->data[at] = bad[k];
            const optima_tensor s = host_view(&a), t = host_view(&b), pv = host_view(&p);
            float gs[24], gp[36];
            memset(gs, 0x55, sizeof gs);
            memset(gp, 0x55, sizeof gp);
            double value = 42.0;
            assert_fails_naming_no_handle(optima_mse(ctx, &s, &t, where == 2 ? &pv : NULL, mask, &value,
                                           gs, 6, where == 2 ? gp : NULL, 6),
                                OPTIMA_ENONFINITE, where == 0 ? "'student'" : where == 1 ? "'teacher'" : "'projection'");
            assert_fails_naming_no_handle(optima_cosine(ctx, &s, &t, &pv, mask, &value, gs, 6, gp, 6),
                                OPTIMA_ENONFINITE, "NaN");
            if (where < 2)
                assert_fails_naming_no_handle(optima_kl(ctx, &s, &t, 2.0, mask, &value, gs, 6),
                                    OPTIMA_ENONFINITE, "_logits'");
            assert_true(value == 42.0);
            for (size_t i = 0; i < sizeof gs; ++i) assert_int_equal(((uint8_t *)gs)[i], 0x55);
            for (size_t i = 0; i < sizeof gp; ++i) assert_int_equal(((uint8_t *)gp)[i], 0x55);
            m->data[at] = saved;
        }
    }
    free(a.data);
    free(b.data);
    free(p.data);
    optima_context_destroy(ctx);
}

static void results_are_identical_at_one_and_two_threads(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    host_matrix a = host_random(64, 48, 0, 1, 1.0), b = host_random(64, 80, 0, 2, 1.0),
                p = host_random(48, 80, 0, 3, 0.2);
    const optima_tensor s = host_view(&a), t = host_view(&b), pv = host_view(&p);
    float g1[64 * 48], g2[64 * 48];
    double v1 = 0, v2 = 0;
    assert_int_equal(optima_mse(ctx, &s, &t, &pv, NULL, &v1, g1, 48, NULL, 0), OPTIMA_OK);
    assert_int_equal(optima_mse(ctx, &s, &t, &pv, NULL, &v2, g2, 48, NULL, 0), OPTIMA_OK);
    assert_true(v1 == v2);
    assert_memory_equal(g1, g2, sizeof g1);
    assert_int_equal(optima_context_set_threads(ctx, 2), OPTIMA_OK);
    assert_int_equal(optima_mse(ctx, &s, &t, &pv, NULL, &v2, g2, 48, NULL, 0), OPTIMA_OK);
    assert_true(fabs(v1 - v2) <= 1e-6 * fabs(v1));
    free(a.data);
    free(b.data);
    free(p.data);
    optima_context_destroy(ctx);
}

/* The stateless KL with a gradient reuses the row maxima of its guarding scan; without a
 * gradient, with differences large enough that it takes the value first (|zt − zs| above
 * FLT_MAX/32), and through a loss handle the kernel takes them itself: the same bits. */
static void kl_gives_the_same_bits_with_or_without_its_guarding_scan(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    enum { R = 9, C = 300 }; /* a whole block of 256, then vectors and a tail */
    host_matrix a = host_random(R, C, 3, 7, 3.0), b = host_random(R, C, 5, 8, 3.0);
    const optima_tensor s = host_view(&a), t = host_view(&b);
    static float g[R * C], h[R * C];
    double with = 0.0, without = 0.0;
    assert_int_equal(optima_kl(ctx, &s, &t, 1.5, NULL, &with, g, C), OPTIMA_OK);
    assert_int_equal(optima_kl(ctx, &s, &t, 1.5, NULL, &without, NULL, 0), OPTIMA_OK);
    assert_memory_equal(&with, &without, sizeof with);
    assert_true(fabs(with - ref_kl(&a, &b, 1.5, NULL)) <= 1e-5 * fabs(with));
    /* one huge logit per row: its difference takes the value-first path, same numbers
     * as the kernel taking its own maxima */
    for (size_t r = 0; r < R; ++r) a.data[r * a.stride + 17] = -2.0e37f;
    assert_int_equal(optima_kl(ctx, &s, &t, 1.5, NULL, &with, g, C), OPTIMA_OK);
    assert_int_equal(optima_kl(ctx, &s, &t, 1.5, NULL, &without, NULL, 0), OPTIMA_OK);
    assert_memory_equal(&with, &without, sizeof with);
    for (size_t r = 0; r < R; ++r) a.data[r * a.stride + 17] = 0.5f;
    assert_int_equal(optima_kl(ctx, &s, &t, 1.5, NULL, &with, g, C), OPTIMA_OK);
    optima_loss *loss = kl_handle(ctx, C);
    assert_int_equal(optima_loss_set_temperature(loss, 1.5), OPTIMA_OK);
    double stepped = 0.0;
    assert_int_equal(optima_loss_compute(loss, &s, &t, 1, NULL, &stepped), OPTIMA_OK);
    assert_memory_equal(&with, &stepped, sizeof with);
    optima_tensor gv;
    assert_int_equal(optima_loss_student_grad(loss, 0, &gv), OPTIMA_OK);
    for (size_t r = 0; r < R; ++r)
        memcpy(h + r * C, gv.data + r * gv.row_stride, C * sizeof(float));
    assert_memory_equal(g, h, sizeof g);
    optima_loss_destroy(loss);
    free(a.data);
    free(b.data);
    optima_context_destroy(ctx);
}

/* The scan that guards the gradients works on 32-float chunks with a tail per row: a NaN
 * or ∞ anywhere in a wide, strided view, chunk or tail, must be found before anything is
 * written. */
static void nonfinite_anywhere_in_a_wide_view_is_found_first(void **state)
{
    (void)state;
    optima_context *ctx = plain_context();
    const size_t rows = 3, cols = 75, pad = 5;
    host_matrix a = host_random(rows, cols, pad, 21, 1.0), b = host_random(rows, cols, pad, 22, 1.0);
    const float bad[] = {NAN, INFINITY, -INFINITY};
    float *g = malloc(rows * cols * sizeof(float));
    assert_non_null(g);
    for (size_t k = 0; k < 3; ++k) {
        for (size_t r = 0; r < rows; ++r) {
            for (size_t c = 0; c < cols; ++c) {
                host_matrix *m = (r + c) % 2 == 0 ? &a : &b;
                float *at = &m->data[r * m->stride + c];
                const float saved = *at;
                *at = bad[k];
                const optima_tensor s = host_view(&a), t = host_view(&b);
                memset(g, 0x55, rows * cols * sizeof(float));
                double value = 42.0;
                assert_fails_naming_no_handle(optima_mse(ctx, &s, &t, NULL, NULL, &value, g, cols, NULL, 0),
                                    OPTIMA_ENONFINITE, m == &a ? "'student'" : "'teacher'");
                assert_fails_naming_no_handle(optima_kl(ctx, &s, &t, 2.0, NULL, &value, g, cols),
                                    OPTIMA_ENONFINITE, m == &a ? "'student_logits'" : "'teacher_logits'");
                assert_true(value == 42.0);
                for (size_t i = 0; i < rows * cols * sizeof(float); ++i)
                    assert_int_equal(((uint8_t *)g)[i], 0x55);
                *at = saved;
            }
        }
    }
    free(g);
    free(a.data);
    free(b.data);
    optima_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identical_inputs_give_zero_loss_and_zero_gradient),
        cmocka_unit_test(mse_with_projection_matches_a_hand_computed_case),
        cmocka_unit_test(cosine_and_kl_match_hand_computed_cases),
        cmocka_unit_test(all_rows_masked_out_give_zero),
        cmocka_unit_test(nonfinite_inputs_are_refused_and_nothing_is_written),
        cmocka_unit_test(nonfinite_anywhere_in_a_wide_view_is_found_first),
        cmocka_unit_test(results_are_identical_at_one_and_two_threads),
        cmocka_unit_test(kl_gives_the_same_bits_with_or_without_its_guarding_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
