/* Finite-difference checks of every loss's gradients against float64 references, with
 * and without projection, with masks and with strided views. */
#include "losstest.h"

typedef struct hidden_case {
    int kind;
    host_matrix hs, ht, p;
    int with_p;
    const uint8_t *mask;
} hidden_case;

static double hidden_ref(void *state)
{
    hidden_case *c = state;
    return ref_hidden(c->kind, &c->hs, &c->ht, c->with_p ? &c->p : NULL, c->mask);
}

static void assert_close_to_fd(float analytic, double fd, double scale)
{
    if (fabs(analytic - fd) > 2e-3 * scale + 1e-6)
        fail_msg("gradient %.9g, finite difference %.9g", (double)analytic, fd);
}

static double max_abs(const float *g, size_t rows, size_t cols, size_t stride)
{
    double m = 0.0;
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) m = fmax(m, fabs(g[r * stride + c]));
    return m;
}

static void check_hidden(int kind, int with_p, const uint8_t *mask, size_t pad)
{
    const size_t rows = 6, ds = 5, dt = with_p ? 7 : 5, gstride = ds + pad;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    hidden_case c = {kind, host_random(rows, ds, pad, 1, 1.0), host_random(rows, dt, pad, 2, 1.0),
                     host_random(ds, dt, pad, 3, 0.5), with_p, mask};
    const optima_tensor hs = host_view(&c.hs), ht = host_view(&c.ht), p = host_view(&c.p);
    float *gs = calloc(rows * gstride, sizeof(float));
    float *gp = calloc(ds * (dt + pad), sizeof(float));
    double value = -1.0;
    optima_status s = kind == OPTIMA_LOSS_MSE
        ? optima_mse(ctx, &hs, &ht, with_p ? &p : NULL, mask, &value, gs, gstride,
                     with_p ? gp : NULL, dt + pad)
        : optima_cosine(ctx, &hs, &ht, with_p ? &p : NULL, mask, &value, gs, gstride,
                        with_p ? gp : NULL, dt + pad);
    assert_int_equal(s, OPTIMA_OK);
    const double ref = hidden_ref(&c);
    assert_true(fabs(value - ref) <= 1e-5 * (1.0 + fabs(ref)));
    const double sg = max_abs(gs, rows, ds, gstride);
    assert_true(sg > 0.0);
    for (size_t r = 0; r < rows; ++r) {
        for (size_t k = 0; k < ds; ++k) {
            const double fd = central_difference(hidden_ref, &c, &c.hs.data[r * c.hs.stride + k], 1e-3);
            assert_close_to_fd(gs[r * gstride + k], fd, sg);
            if (!row_on(mask, r)) assert_true(gs[r * gstride + k] == 0.0f);
        }
    }
    if (with_p) {
        const double sp = max_abs(gp, ds, dt, dt + pad);
        for (size_t k = 0; k < ds; ++k)
            for (size_t j = 0; j < dt; ++j)
                assert_close_to_fd(gp[k * (dt + pad) + j],
                                   central_difference(hidden_ref, &c, &c.p.data[k * c.p.stride + j], 1e-3),
                                   sp);
    }
    /* the padding of the gradient buffer is never written */
    for (size_t r = 0; r < rows; ++r)
        for (size_t k = ds; k < gstride; ++k) assert_true(gs[r * gstride + k] == 0.0f);
    free(c.hs.data);
    free(c.ht.data);
    free(c.p.data);
    free(gs);
    free(gp);
    optima_context_destroy(ctx);
}

static const uint8_t some_rows[6] = {1, 0, 1, 1, 0, 1};

static void mse_gradients_match_finite_differences(void **state)
{
    (void)state;
    for (int with_p = 0; with_p <= 1; ++with_p) {
        check_hidden(OPTIMA_LOSS_MSE, with_p, NULL, 0);
        check_hidden(OPTIMA_LOSS_MSE, with_p, some_rows, 0);
        check_hidden(OPTIMA_LOSS_MSE, with_p, some_rows, 3);
    }
}

static void cosine_gradients_match_finite_differences(void **state)
{
    (void)state;
    for (int with_p = 0; with_p <= 1; ++with_p) {
        check_hidden(OPTIMA_LOSS_COSINE, with_p, NULL, 0);
        check_hidden(OPTIMA_LOSS_COSINE, with_p, some_rows, 0);
        check_hidden(OPTIMA_LOSS_COSINE, with_p, some_rows, 3);
    }
}

typedef struct kl_case {
    host_matrix zs, zt;
    double t;
    const uint8_t *mask;
} kl_case;

static double kl_ref(void *state)
{
    kl_case *c = state;
    return ref_kl(&c->zs, &c->zt, c->t, c->mask);
}

static void check_kl(double t, const uint8_t *mask, size_t pad, size_t classes)
{
    const size_t rows = 6, gstride = classes + pad;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    kl_case c = {host_random(rows, classes, pad, 4, 3.0), host_random(rows, classes, pad, 5, 3.0),
                 t, mask};
    const optima_tensor zs = host_view(&c.zs), zt = host_view(&c.zt);
    float *g = calloc(rows * gstride, sizeof(float));
    double value = -1.0;
    assert_int_equal(optima_kl(ctx, &zs, &zt, t, mask, &value, g, gstride), OPTIMA_OK);
    const double ref = kl_ref(&c);
    assert_true(fabs(value - ref) <= 1e-5 * (1.0 + fabs(ref)));
    const double sg = max_abs(g, rows, classes, gstride);
    for (size_t r = 0; r < rows; ++r)
        for (size_t k = 0; k < classes; ++k)
            assert_close_to_fd(g[r * gstride + k],
                               central_difference(kl_ref, &c, &c.zs.data[r * c.zs.stride + k], 1e-3),
                               sg);
    free(c.zs.data);
    free(c.zt.data);
    free(g);
    optima_context_destroy(ctx);
}

static void kl_gradients_match_finite_differences(void **state)
{
    (void)state;
    check_kl(1.0, NULL, 0, 11);
    check_kl(2.0, some_rows, 0, 11);
    check_kl(4.5, some_rows, 5, 11);
    check_kl(0.5, NULL, 2, 11);
    /* the kernel's vector paths: 2 vectors + a tail of 5; a full block of 256 + 2 vectors
     * + a tail of 12 */
    check_kl(2.0, some_rows, 3, 37);
    check_kl(1.0, NULL, 0, 300);
}

typedef struct attention_case {
    host_matrix s, t;
    size_t heads, queries;
    const uint8_t *qmask, *kmask;
} attention_case;

static double attention_ref(void *state)
{
    attention_case *c = state;
    const size_t keys = c->s.cols, per = c->heads * c->queries;
    double total = 0.0, n = 0.0;
    for (size_t r = 0; r < c->s.rows; ++r) {
        const size_t e = r / per, q = r % c->queries;
        if (c->qmask != NULL && !c->qmask[e * c->queries + q]) continue;
        for (size_t k = 0; k < keys; ++k) {
            if (c->kmask != NULL && !c->kmask[e * keys + k]) continue;
            const double d = hm(&c->s, r, k) - hm(&c->t, r, k);
            total += d * d;
            n += 1.0;
        }
    }
    return n == 0.0 ? 0.0 : total / n;
}

static void attention_gradients_match_finite_differences(void **state)
{
    (void)state;
    const size_t heads = 2, queries = 3, keys = 4, rows = 2 * heads * queries, pad = 2;
    static const uint8_t qmask[6] = {1, 1, 0, 1, 1, 1};
    static const uint8_t kmask[8] = {1, 1, 1, 0, 1, 0, 1, 1};
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    attention_case c = {host_random(rows, keys, pad, 6, 1.0), host_random(rows, keys, pad, 7, 1.0),
                        heads, queries, qmask, kmask};
    /* a masked-out score at −∞, as attention masking leaves it, must not matter */
    c.s.data[0 * c.s.stride + 3] = -INFINITY;
    const optima_tensor s = host_view(&c.s), t = host_view(&c.t);
    float *g = calloc(rows * keys, sizeof(float));
    double value = -1.0;
    assert_int_equal(optima_attention_mse(ctx, &s, &t, heads, queries, qmask, kmask, &value, g,
                                          keys),
                     OPTIMA_OK);
    assert_true(fabs(value - attention_ref(&c)) <= 1e-6);
    const double sg = max_abs(g, rows, keys, keys);
    for (size_t r = 0; r < rows; ++r)
        for (size_t k = 0; k < keys; ++k) {
            if (r == 0 && k == 3) {
                assert_true(g[3] == 0.0f);
                continue;
            }
            assert_close_to_fd(g[r * keys + k],
                               central_difference(attention_ref, &c, &c.s.data[r * c.s.stride + k], 1e-3),
                               sg);
        }
    free(c.s.data);
    free(c.t.data);
    free(g);
    optima_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mse_gradients_match_finite_differences),
        cmocka_unit_test(cosine_gradients_match_finite_differences),
        cmocka_unit_test(kl_gradients_match_finite_differences),
        cmocka_unit_test(attention_gradients_match_finite_differences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
