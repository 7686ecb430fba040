/* The demo's layers: every backward matches finite differences of its forward, and the
 * optimizer and loss behave as documented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gradcheck.h"
#include "nn.h"

enum { N = 5, IN = 7, OUT = 6, VOC = 9, LEN = 4 };

typedef struct fixture {
    nn_ctx ctx;
    nn_params params;
    demo_rng rng;
    float x[N * 16], y[N * 16], w[N * 16], dx[N * 16];
    float mean[N], rstd[N];
} fixture;

static fixture *fixture_new(void)
{
    fixture *f = calloc(1, sizeof *f);
    nn_ctx_init(&f->ctx, 1);
    nn_params_init(&f->params);
    demo_rng_seed(&f->rng, 42);
    gc_fill(f->x, N * 16, 1.0f, &f->rng);
    gc_fill(f->w, N * 16, 1.0f, &f->rng);
    return f;
}

static void fixture_free(fixture *f)
{
    nn_params_free(&f->params);
    free(f);
}

/* --- linear --- */
typedef struct lin_state { fixture *f; nn_linear l; } lin_state;

static double linear_loss(void *p)
{
    lin_state *s = p;
    nn_linear_forward(&s->l, &s->f->ctx, s->f->x, N, s->f->y);
    return gc_dot(s->f->w, s->f->y, N * OUT);
}

static void linear_gradients_match_finite_differences(void **state)
{
    (void)state;
    lin_state s = {fixture_new(), {0}};
    assert_int_equal(nn_linear_init(&s.l, &s.f->params, IN, OUT, 0.5f, &s.f->rng), 0);
    gc_fill(s.l.b, OUT, 0.3f, &s.f->rng);
    linear_loss(&s);
    nn_params_zero_grad(&s.f->params);
    nn_linear_backward(&s.l, &s.f->ctx, s.f->x, s.f->w, N, s.f->dx, 0);
    assert_int_equal(gc_check("dW", s.l.w, s.l.dw, IN * OUT, 1, linear_loss, &s), 0);
    assert_int_equal(gc_check("db", s.l.b, s.l.db, OUT, 1, linear_loss, &s), 0);
    assert_int_equal(gc_check("dx", s.f->x, s.f->dx, N * IN, 1, linear_loss, &s), 0);
    fixture_free(s.f);
}

static void linear_backward_accumulates_when_told(void **state)
{
    (void)state;
    lin_state s = {fixture_new(), {0}};
    assert_int_equal(nn_linear_init(&s.l, &s.f->params, IN, OUT, 0.5f, &s.f->rng), 0);
    float once[N * IN];
    nn_linear_backward(&s.l, &s.f->ctx, s.f->x, s.f->w, N, once, 0);
    for (size_t i = 0; i < N * IN; ++i) s.f->dx[i] = 1.0f;
    nn_linear_backward(&s.l, &s.f->ctx, s.f->x, s.f->w, N, s.f->dx, 1);
    for (size_t i = 0; i < N * IN; ++i) assert_float_equal(s.f->dx[i], once[i] + 1.0f, 1e-5);
    /* parameter gradients add up over calls: twice the single-call value */
    float db_once = 0.0f;
    for (size_t i = 0; i < N; ++i) db_once += s.f->w[i * OUT];
    assert_float_equal(s.l.db[0], 2.0f * db_once, 1e-4);
    fixture_free(s.f);
}

/* --- GELU --- */
static double gelu_loss(void *p)
{
    fixture *f = p;
    nn_gelu_forward(f->x, N * IN, f->y);
    return gc_dot(f->w, f->y, N * IN);
}

static void gelu_gradient_matches_finite_differences(void **state)
{
    (void)state;
    fixture *f = fixture_new();
    f->x[0] = 0.0f; /* include the origin and large magnitudes */
    f->x[1] = 6.0f;
    f->x[2] = -6.0f;
    nn_gelu_backward(f->x, f->w, N * IN, f->dx);
    assert_int_equal(gc_check("dx", f->x, f->dx, N * IN, 1, gelu_loss, f), 0);
    nn_gelu_forward(f->x, 3, f->y);
    assert_float_equal(f->y[0], 0.0f, 1e-7);
    assert_float_equal(f->y[1], 6.0f, 1e-4);
    assert_float_equal(f->y[2], 0.0f, 1e-4);
    fixture_free(f);
}

static void gelu_saturates_without_nan_for_huge_inputs(void **state)
{
    (void)state;
    const float x[4] = {1e4f, -1e4f, 3e38f, -3e38f};
    float y[4], d[4], one[4] = {1, 1, 1, 1};
    nn_gelu_forward(x, 4, y);
    nn_gelu_backward(x, one, 4, d);
    assert_float_equal(y[0], 1e4f, 1.0f);
    assert_float_equal(y[1], 0.0f, 1e-6);
    for (int i = 0; i < 4; ++i) assert_false(isnan(y[i]) || isnan(d[i]));
}

/* --- layer normalisation --- */
typedef struct ln_state { fixture *f; nn_layernorm l; } ln_state;

static double ln_loss(void *p)
{
    ln_state *s = p;
    nn_layernorm_forward(&s->l, s->f->x, N, s->f->y, s->f->mean, s->f->rstd);
    return gc_dot(s->f->w, s->f->y, N * OUT);
}

static void layernorm_gradients_match_finite_differences(void **state)
{
    (void)state;
    ln_state s = {fixture_new(), {0}};
    assert_int_equal(nn_layernorm_init(&s.l, &s.f->params, OUT), 0);
    gc_fill(s.l.gamma, OUT, 1.0f, &s.f->rng);
    gc_fill(s.l.beta, OUT, 1.0f, &s.f->rng);
    ln_loss(&s);
    nn_layernorm_backward(&s.l, s.f->x, s.f->w, N, s.f->mean, s.f->rstd, s.f->dx, 0);
    assert_int_equal(gc_check("dx", s.f->x, s.f->dx, N * OUT, 1, ln_loss, &s), 0);
    assert_int_equal(gc_check("dgamma", s.l.gamma, s.l.dgamma, OUT, 1, ln_loss, &s), 0);
    assert_int_equal(gc_check("dbeta", s.l.beta, s.l.dbeta, OUT, 1, ln_loss, &s), 0);
    fixture_free(s.f);
}

static void layernorm_output_has_zero_mean_and_unit_variance(void **state)
{
    (void)state;
    ln_state s = {fixture_new(), {0}};
    assert_int_equal(nn_layernorm_init(&s.l, &s.f->params, OUT), 0);
    ln_loss(&s);
    for (size_t i = 0; i < N; ++i) {
        double m = 0, v = 0;
        for (size_t j = 0; j < OUT; ++j) m += s.f->y[i * OUT + j];
        m /= OUT;
        for (size_t j = 0; j < OUT; ++j) v += (s.f->y[i * OUT + j] - m) * (s.f->y[i * OUT + j] - m);
        assert_float_equal(m, 0.0, 1e-5);
        assert_float_equal(v / OUT, 1.0, 1e-3);
    }
    fixture_free(s.f);
}

/* --- embedding + masked mean pooling --- */
typedef struct emb_state { fixture *f; nn_embedding e; uint8_t tokens[N * LEN]; } emb_state;

static double emb_loss(void *p)
{
    emb_state *s = p;
    nn_embedding_pool_forward(&s->e, s->tokens, N, LEN, 0, s->f->y);
    return gc_dot(s->f->w, s->f->y, N * OUT);
}

static void embedding_pooling_gradients_match_finite_differences(void **state)
{
    (void)state;
    emb_state s = {fixture_new(), {0}, {3, 4, 0, 0, 1, 1, 8, 0, 2, 5, 6, 7, 0, 0, 0, 0, 8, 0, 0, 0}};
    assert_int_equal(nn_embedding_init(&s.e, &s.f->params, VOC, OUT, 1.0f, &s.f->rng), 0);
    emb_loss(&s);
    nn_embedding_pool_backward(&s.e, s.tokens, N, LEN, 0, s.f->w);
    assert_int_equal(gc_check("dtable", s.e.table, s.e.dtable, VOC * OUT, 1, emb_loss, &s), 0);
    /* the padding row is never used, so gets no gradient */
    for (size_t j = 0; j < OUT; ++j) assert_true(s.e.dtable[j] == 0.0f);
    fixture_free(s.f);
}

static void pooling_ignores_padding_and_averages_the_rest(void **state)
{
    (void)state;
    emb_state s = {fixture_new(), {0}, {3, 4, 0, 0, 0, 0, 0, 0}};
    assert_int_equal(nn_embedding_init(&s.e, &s.f->params, VOC, OUT, 1.0f, &s.f->rng), 0);
    nn_embedding_pool_forward(&s.e, s.tokens, 2, LEN, 0, s.f->y);
    for (size_t j = 0; j < OUT; ++j) {
        assert_float_equal(s.f->y[j], 0.5f * (s.e.table[3 * OUT + j] + s.e.table[4 * OUT + j]),
                           1e-6);
        assert_true(s.f->y[OUT + j] == 0.0f); /* padding only pools to zeros */
    }
    fixture_free(s.f);
}

/* --- softmax cross-entropy --- */
typedef struct xent_state { fixture *f; uint8_t labels[N]; } xent_state;

static double xent_loss(void *p)
{
    xent_state *s = p;
    return nn_softmax_xent(s->f->x, s->labels, N, OUT, NULL);
}

static void softmax_xent_gradient_matches_finite_differences(void **state)
{
    (void)state;
    xent_state s = {fixture_new(), {0, 5, 2, 2, 3}};
    nn_softmax_xent(s.f->x, s.labels, N, OUT, s.f->dx);
    assert_int_equal(gc_check("dlogits", s.f->x, s.f->dx, N * OUT, 1, xent_loss, &s), 0);
    fixture_free(s.f);
}

static void softmax_xent_is_stable_for_large_logits(void **state)
{
    (void)state;
    const float z[3] = {1000.0f, 0.0f, -1000.0f};
    const uint8_t right = 0, wrong = 2;
    assert_float_equal(nn_softmax_xent(z, &right, 1, 3, NULL), 0.0f, 1e-6);
    assert_float_equal(nn_softmax_xent(z, &wrong, 1, 3, NULL), 2000.0f, 1e-2);
    assert_int_equal(nn_argmax(z, 3), 0);
}

/* --- residual block --- */
typedef struct block_state {
    fixture *f;
    nn_block b;
    nn_block_cache cache;
    nn_block_scratch scratch;
} block_state;

static double block_loss(void *p)
{
    block_state *s = p;
    nn_block_forward(&s->b, &s->f->ctx, s->f->x, N, &s->cache, s->f->y);
    return gc_dot(s->f->w, s->f->y, N * OUT);
}

static void block_gradients_match_finite_differences(void **state)
{
    (void)state;
    block_state s = {fixture_new(), {0}, {0}, {0}};
    nn_params *p = &s.f->params;
    assert_int_equal(nn_block_init(&s.b, p, OUT, 2 * OUT, 1.0f, &s.f->rng), 0);
    assert_int_equal(nn_block_cache_alloc(&s.cache, OUT, 2 * OUT, N), 0);
    assert_int_equal(nn_block_scratch_alloc(&s.scratch, OUT, 2 * OUT, N), 0);
    for (size_t t = 0; t < p->count; ++t) gc_fill(p->items[t].value, p->items[t].size, 0.5f, &s.f->rng);
    block_loss(&s);
    nn_params_zero_grad(p);
    nn_block_backward(&s.b, &s.f->ctx, s.f->x, s.f->w, N, &s.cache, &s.scratch, s.f->dx);
    assert_int_equal(gc_check("dx", s.f->x, s.f->dx, N * OUT, 1, block_loss, &s), 0);
    for (size_t t = 0; t < p->count; ++t)
        assert_int_equal(gc_check("param", p->items[t].value, p->items[t].grad, p->items[t].size,
                                  1, block_loss, &s), 0);
    nn_block_cache_free(&s.cache);
    nn_block_scratch_free(&s.scratch);
    fixture_free(s.f);
}

/* --- AdamW --- */
static void adamw_minimises_a_quadratic(void **state)
{
    (void)state;
    nn_params p;
    nn_params_init(&p);
    float *g = NULL;
    float *x = nn_params_add(&p, 3, 0, &g);
    assert_non_null(x);
    x[0] = 3.0f, x[1] = -2.0f, x[2] = 0.5f;
    nn_adamw o;
    assert_int_equal(nn_adamw_init(&o, &p, 0.0f), 0);
    for (int step = 0; step < 2000; ++step) {
        for (int i = 0; i < 3; ++i) g[i] = 2.0f * (x[i] - (float)i); /* min at (0, 1, 2) */
        nn_adamw_step(&o, &p, 0.01f);
    }
    for (int i = 0; i < 3; ++i) assert_float_equal(x[i], (float)i, 1e-2);
    nn_adamw_free(&o);
    nn_params_free(&p);
}

static void adamw_decays_only_marked_tensors(void **state)
{
    (void)state;
    nn_params p;
    nn_params_init(&p);
    float *ga = NULL, *gb = NULL;
    float *a = nn_params_add(&p, 1, 1, &ga), *b = nn_params_add(&p, 1, 0, &gb);
    a[0] = b[0] = 1.0f;
    nn_adamw o;
    assert_int_equal(nn_adamw_init(&o, &p, 0.5f), 0);
    nn_adamw_step(&o, &p, 0.1f); /* zero gradients: only the decay moves a weight */
    assert_float_equal(a[0], 1.0f - 0.1f * 0.5f, 1e-6);
    assert_float_equal(b[0], 1.0f, 0.0);
    nn_adamw_free(&o);
    nn_params_free(&p);
}

static void gemm_threads_agree(void **state)
{
    (void)state;
    enum { M = 33, K = 70, C = 41 };
    demo_rng r;
    demo_rng_seed(&r, 5);
    float *a = malloc(M * K * sizeof(float)), *b = malloc(K * C * sizeof(float));
    float *c1 = calloc(M * C, sizeof(float)), *c2 = calloc(M * C, sizeof(float));
    gc_fill(a, M * K, 1.0f, &r);
    gc_fill(b, K * C, 1.0f, &r);
    nn_ctx one, two;
    nn_ctx_init(&one, 1);
    nn_ctx_init(&two, 2);
    nn_gemm(&one, 0, 0, M, C, K, 1.0f, a, K, b, C, 0.0f, c1, C);
    nn_gemm(&two, 0, 0, M, C, K, 1.0f, a, K, b, C, 0.0f, c2, C);
    for (size_t i = 0; i < M; ++i)
        for (size_t j = 0; j < C; ++j) {
            double ref = 0.0;
            for (size_t k = 0; k < K; ++k) ref += (double)a[i * K + k] * b[k * C + j];
            assert_float_equal(c1[i * C + j], ref, 1e-3);
            assert_float_equal(c2[i * C + j], ref, 1e-3);
        }
    free(a), free(b), free(c1), free(c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linear_gradients_match_finite_differences),
        cmocka_unit_test(linear_backward_accumulates_when_told),
        cmocka_unit_test(gelu_gradient_matches_finite_differences),
        cmocka_unit_test(gelu_saturates_without_nan_for_huge_inputs),
        cmocka_unit_test(layernorm_gradients_match_finite_differences),
        cmocka_unit_test(layernorm_output_has_zero_mean_and_unit_variance),
        cmocka_unit_test(embedding_pooling_gradients_match_finite_differences),
        cmocka_unit_test(pooling_ignores_padding_and_averages_the_rest),
        cmocka_unit_test(softmax_xent_gradient_matches_finite_differences),
        cmocka_unit_test(softmax_xent_is_stable_for_large_logits),
        cmocka_unit_test(block_gradients_match_finite_differences),
        cmocka_unit_test(adamw_minimises_a_quadratic),
        cmocka_unit_test(adamw_decays_only_marked_tensors),
        cmocka_unit_test(gemm_threads_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
