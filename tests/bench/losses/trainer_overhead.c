/* trainer_overhead: a synthetic host with 3 modules (student width 384, teacher 768, one
 * layer each), 2048 rows, logits of 1000 classes, policy ALL so every loss runs each step.
 *   ms        median time of one whole trainer step (begin, views, compute, gradients,
 *             end: projection update with AdamW, round bookkeeping, scheduler);
 *   limit_ms  median time of the same loss math on bare loss handles (3 projected MSE
 *             losses and the KL), the work the step cannot avoid;
 *   overhead  (ms − limit_ms) / limit_ms: the library's own share. Target < 0.05.
 * Step and math are timed alternately so that machine noise hits both alike. */
#define _POSIX_C_SOURCE 200809L
#include "trainer_overhead.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"

#define ROWS 2048
#define DS 384
#define DT 768
#define CLASSES 1000
#define MODULES 3

static void check(optima_status s)
{
    if (s != OPTIMA_OK) {
        fprintf(stderr, "optima-bench: %s: %s\n", optima_status_string(s), optima_last_error());
        exit(1);
    }
}

static float *filled(size_t n, unsigned seed)
{
    float *x = malloc(n * sizeof *x);
    if (x == NULL) exit(1);
    uint32_t s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; ++i) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((double)(s >> 8) / 8388608.0 - 1.0);
    }
    return x;
}

typedef struct host {
    optima_model *teacher, *student;
    float *hs[MODULES], *ht[MODULES], *zs, *zt;
    optima_trainer *trainer;
    optima_loss *bare[MODULES + 1];
} host;

static optima_model *model(optima_context *ctx, const char *name, size_t width)
{
    static const char *const modules[MODULES] = {"vision", "text", "fusion"};
    optima_model *m = NULL;
    check(optima_model_create(ctx, name, &m));
    for (size_t i = 0; i < MODULES; ++i) {
        check(optima_model_add_module(m, modules[i], NULL));
        check(optima_model_add_layer(m, i, width, NULL));
    }
    check(optima_model_set_logits_width(m, CLASSES));
    return m;
}

static void step(host *h)
{
    optima_trainer *t = h->trainer;
    check(optima_trainer_begin_step(t, NULL));
    for (size_t m = 0; m < MODULES; ++m) {
        const optima_tensor s = {h->hs[m], ROWS, DS, DS}, te = {h->ht[m], ROWS, DT, DT};
        check(optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, m, 0, &s));
        check(optima_trainer_set_hidden(t, OPTIMA_SIDE_TEACHER, m, 0, &te));
    }
    const optima_tensor zs = {h->zs, ROWS, CLASSES, CLASSES}, zt = {h->zt, ROWS, CLASSES, CLASSES};
    check(optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs));
    check(optima_trainer_set_logits(t, OPTIMA_SIDE_TEACHER, &zt));
    check(optima_trainer_compute(t, NULL));
    optima_tensor g;
    for (size_t m = 0; m < MODULES; ++m) check(optima_trainer_student_grad(t, m, 0, &g));
    check(optima_trainer_logits_grad(t, &g));
    check(optima_trainer_end_step(t, 1.0, NULL));
}

static void math(host *h)
{
    for (size_t m = 0; m < MODULES; ++m) {
        const optima_tensor s = {h->hs[m], ROWS, DS, DS}, te = {h->ht[m], ROWS, DT, DT};
        check(optima_loss_compute(h->bare[m], &s, &te, 1, NULL, NULL));
    }
    const optima_tensor zs = {h->zs, ROWS, CLASSES, CLASSES}, zt = {h->zt, ROWS, CLASSES, CLASSES};
    check(optima_loss_compute(h->bare[MODULES], &zs, &zt, 1, NULL, NULL));
}

static void setup(host *h, optima_context *ctx)
{
    memset(h, 0, sizeof *h);
    h->teacher = model(ctx, "teacher", DT);
    h->student = model(ctx, "student", DS);
    for (size_t m = 0; m < MODULES; ++m) {
        h->hs[m] = filled((size_t)ROWS * DS, 1 + (unsigned)m);
        h->ht[m] = filled((size_t)ROWS * DT, 11 + (unsigned)m);
        check(optima_loss_create(ctx, OPTIMA_LOSS_MSE, h->student, m, h->teacher, m, &h->bare[m]));
    }
    h->zs = filled((size_t)ROWS * CLASSES, 21);
    h->zt = filled((size_t)ROWS * CLASSES, 22);
    check(optima_loss_create_prediction(ctx, h->student, h->teacher, &h->bare[MODULES]));
    check(optima_loss_set_temperature(h->bare[MODULES], 2.0));
    check(optima_trainer_create(ctx, h->teacher, h->student, &h->trainer));
    for (size_t m = 0; m < MODULES; ++m)
        check(optima_trainer_add_pair(h->trainer, m, m, OPTIMA_LOSS_MSE, NULL));
    check(optima_trainer_set_temperature(h->trainer, 2.0));
    check(optima_trainer_set_policy(h->trainer, OPTIMA_POLICY_ALL, 1));
}

static void teardown(host *h)
{
    optima_trainer_destroy(h->trainer);
    for (size_t m = 0; m <= MODULES; ++m) optima_loss_destroy(h->bare[m]);
    for (size_t m = 0; m < MODULES; ++m) {
        free(h->hs[m]);
        free(h->ht[m]);
    }
    free(h->zs);
    free(h->zt);
    optima_model_destroy(h->teacher);
    optima_model_destroy(h->student);
}

void bench_trainer_overhead(optima_context *ctx, int threads, int repeat)
{
    check(optima_context_set_threads(ctx, threads));
    host h;
    setup(&h, ctx);
    if (repeat > 64) repeat = 64;
    double t_step[64], t_math[64];
    step(&h); /* warm-up: buffers are allocated at the first step */
    math(&h);
    for (int i = 0; i < repeat; ++i) {
        double start = bench_now_ms();
        step(&h);
        t_step[i] = bench_now_ms() - start;
        start = bench_now_ms();
        math(&h);
        t_math[i] = bench_now_ms() - start;
    }
    qsort(t_step, (size_t)repeat, sizeof *t_step, bench_by_value);
    qsort(t_math, (size_t)repeat, sizeof *t_math, bench_by_value);
    const double ms = t_step[repeat / 2], limit = t_math[repeat / 2];
    printf("{\"case\": \"trainer_overhead\", \"threads\": %d, \"ms\": %.3f, \"limit_ms\": %.3f, "
           "\"ratio\": %.3f, \"overhead\": %.4f}\n",
           threads, ms, limit, limit / ms, (ms - limit) / limit);
    fflush(stdout);
    teardown(&h);
}
