/* Two host threads at once, each with its own context and loss handle, and both sharing
 * one context for the stateless functions (math.h: reentrant), with the row kernels on
 * two threads of their own: every result equals the one computed alone. Built with
 * -fsanitize=thread (sh tests/run.sh --tsan), this is the data-race check. */
#include <pthread.h>

#include "losstest.h"

enum { ROWS = 613, COLS = 433, ROUNDS = 4 }; /* 2 row-kernel threads */

typedef struct shared {
    host_matrix a, b;
    optima_context *common; /* used by both threads for the stateless functions */
    double mse, kl;         /* the values computed alone */
} shared;

typedef struct worker {
    const shared *sh;
    int ok;
} worker;

static double stateless_mse(const optima_context *ctx, const shared *sh, float *g)
{
    const optima_tensor s = host_view(&sh->a), t = host_view(&sh->b);
    double v = -1.0;
    if (optima_mse(ctx, &s, &t, NULL, NULL, &v, g, COLS, NULL, 0) != OPTIMA_OK) return -1.0;
    return v;
}

static double stateless_kl(const optima_context *ctx, const shared *sh, float *g)
{
    const optima_tensor s = host_view(&sh->a), t = host_view(&sh->b);
    double v = -1.0;
    if (optima_kl(ctx, &s, &t, 2.0, NULL, &v, g, COLS) != OPTIMA_OK) return -1.0;
    return v;
}

/* A handle of @p kind between one-layer models of width COLS. */
static optima_loss *make_loss(optima_context *ctx, int32_t kind)
{
    optima_model *m[2] = {NULL, NULL};
    for (int i = 0; i < 2; ++i) {
        if (optima_model_create(ctx, i ? "teacher" : "student", &m[i]) != OPTIMA_OK ||
            optima_model_add_module(m[i], "all", NULL) != OPTIMA_OK ||
            optima_model_add_layer(m[i], 0, COLS, NULL) != OPTIMA_OK ||
            optima_model_set_logits_width(m[i], COLS) != OPTIMA_OK)
            return NULL;
    }
    optima_loss *loss = NULL;
    const optima_status st = kind == OPTIMA_LOSS_KL
                                 ? optima_loss_create_prediction(ctx, m[0], m[1], &loss)
                                 : optima_loss_create(ctx, kind, m[0], 0, m[1], 0, &loss);
    optima_model_destroy(m[0]);
    optima_model_destroy(m[1]);
    return st == OPTIMA_OK ? loss : NULL;
}

static void *work(void *arg)
{
    worker *w = arg;
    const shared *sh = w->sh;
    optima_context *own = NULL;
    float *g = malloc(ROWS * COLS * sizeof(float));
    w->ok = g != NULL && optima_context_create(&own) == OPTIMA_OK &&
            optima_context_set_threads(own, 2) == OPTIMA_OK;
    optima_loss *loss = w->ok ? make_loss(own, OPTIMA_LOSS_KL) : NULL;
    w->ok = w->ok && loss != NULL;
    const optima_tensor s = host_view(&sh->a), t = host_view(&sh->b);
    double first = -1.0;
    for (int i = 0; i < ROUNDS && w->ok; ++i) {
        double v = -1.0;
        w->ok = optima_loss_compute(loss, &s, &t, 1, NULL, &v) == OPTIMA_OK && v > 0.0 &&
                (i == 0 || v == first) &&
                stateless_mse(own, sh, g) == sh->mse && stateless_kl(sh->common, sh, g) == sh->kl &&
                stateless_mse(sh->common, sh, g) == sh->mse;
        if (i == 0) first = v;
    }
    optima_loss_destroy(loss);
    optima_context_destroy(own);
    free(g);
    return NULL;
}

static void two_threads_with_threaded_kernels_agree_with_one(void **state)
{
    (void)state;
    shared sh;
    sh.a = host_random(ROWS, COLS, 0, 51, 1.0);
    sh.b = host_random(ROWS, COLS, 0, 52, 1.0);
    assert_int_equal(optima_context_create(&sh.common), OPTIMA_OK);
    assert_int_equal(optima_context_set_threads(sh.common, 2), OPTIMA_OK);
    float *g = malloc(ROWS * COLS * sizeof(float));
    assert_non_null(g);
    sh.mse = stateless_mse(sh.common, &sh, g);
    sh.kl = stateless_kl(sh.common, &sh, g);
    assert_true(sh.mse > 0.0 && sh.kl > 0.0);
    worker w[2] = {{&sh, 0}, {&sh, 0}};
    pthread_t id[2];
    for (int i = 0; i < 2; ++i) assert_int_equal(pthread_create(&id[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; ++i) assert_int_equal(pthread_join(id[i], NULL), 0);
    assert_true(w[0].ok);
    assert_true(w[1].ok);
    free(g);
    optima_context_destroy(sh.common);
    free(sh.a.data);
    free(sh.b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_threads_with_threaded_kernels_agree_with_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
