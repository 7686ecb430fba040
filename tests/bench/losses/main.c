/* optima-bench: each case times a loss (forward + backward) and the limit the same work
 * has on this machine, measured in the same run:
 *   - GEMM-bound cases: the median time of the bare BLIS products the case needs;
 *   - memory-bound cases: the bytes that must move divided by the bandwidth of a large
 *     memcpy (bytes read + bytes written per second) on as many threads as the case
 *     runs on (each copying a contiguous part).
 * One JSON line per case and thread count:
 *   {"case": NAME, "threads": N, "ms": MEDIAN_MS, "limit_ms": LIMIT_MS, "ratio": LIMIT/MS}
 * Every line also names the BLIS configuration in use ("blis"); the GEMM-bound cases add
 * "generic_limit_ms", the same bare products under BLIS's generic kernels, timed in a
 * child process (BLIS reads BLIS_ARCH_TYPE once per process).
 * Every timed call starts from cold caches (a 96 MiB buffer is written in between).
 * Flags: --repeat N (timed runs per figure, default 7), --case NAME (only that case),
 *        --threads N (only that thread count; default 1 and 2); --limit-only (print only
 *        the limit's milliseconds of the one case and thread count given: the child's
 *        mode).
 * Cases are a table: add a row to add a case. The trainer's case (trainer_overhead.c)
 * prints an extra field, "overhead". */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <blis.h>

#include "bench_time.h"

#include <optima/optima.h>

#include "blis_choice.h"
#include "core/rng.h"
#include "math/gemm.h"
#include "trainer_overhead.h"

typedef struct bench_data {
    optima_context *ctx;
    size_t rows, ds, dt;
    float *hs, *ht, *p, *gs, *gp;
    double bandwidth; /* bytes per ms */
    optima_loss *loss; /* for the cases that step a loss handle */
} bench_data;

typedef struct bench_case {
    const char *name;
    size_t rows, ds, dt;
    int32_t handle_kind; /* 0: stateless function; else the kind of loss handle stepped */
    void (*run)(bench_data *d);
    double (*limit_ms)(bench_data *d, int repeat); /* measured limit for the same work */
} bench_case;

/* Written (untimed) before every timed call so that no case starts with its data in the
 * caches: the limits are DRAM figures, and a case whose working set happens to fit in L3
 * must not look faster than the memory it would stream from in a real step. */
static char *g_flush;
static const size_t g_flush_size = (size_t)96 << 20;

static void flush_caches(void)
{
    for (size_t i = 0; i < g_flush_size; i += 64) g_flush[i] = (char)(g_flush[i] + 1);
}

/* Median of @p repeat timed calls after one warm-up call, each from cold caches. */
static double median_ms(void (*fn)(bench_data *), bench_data *d, int repeat)
{
    double t[64];
    if (repeat > 64) repeat = 64;
    fn(d);
    for (int i = 0; i < repeat; ++i) {
        flush_caches();
        const double start = bench_now_ms();
        fn(d);
        t[i] = bench_now_ms() - start;
    }
    qsort(t, (size_t)repeat, sizeof t[0], bench_by_value);
    return t[repeat / 2];
}

static void check(optima_status s)
{
    if (s != OPTIMA_OK) {
        fprintf(stderr, "optima-bench: %s\n", optima_last_error());
        exit(1);
    }
}

static void run_mse_proj(bench_data *d)
{
    const optima_tensor s = {d->hs, d->rows, d->ds, d->ds}, t = {d->ht, d->rows, d->dt, d->dt},
                        p = {d->p, d->ds, d->dt, d->dt};
    double v;
    check(optima_mse(d->ctx, &s, &t, &p, NULL, &v, d->gs, d->ds, d->gp, d->dt));
}

static void run_mse(bench_data *d)
{
    const optima_tensor s = {d->hs, d->rows, d->ds, d->ds}, t = {d->ht, d->rows, d->dt, d->dt};
    double v;
    check(optima_mse(d->ctx, &s, &t, NULL, NULL, &v, d->gs, d->ds, NULL, 0));
}

static void run_cosine(bench_data *d)
{
    const optima_tensor s = {d->hs, d->rows, d->ds, d->ds}, t = {d->ht, d->rows, d->dt, d->dt};
    double v;
    check(optima_cosine(d->ctx, &s, &t, NULL, NULL, &v, d->gs, d->ds, NULL, 0));
}

static void run_kl(bench_data *d)
{
    const optima_tensor s = {d->hs, d->rows, d->ds, d->ds}, t = {d->ht, d->rows, d->dt, d->dt};
    double v;
    check(optima_kl(d->ctx, &s, &t, 2.0, NULL, &v, d->gs, d->ds));
}

/* One step of a loss handle with one layer pair: the trainer's path. No finiteness scan
 * before writing (the handle's gradients are its own and are invalidated on failure). */
static void run_step(bench_data *d)
{
    const optima_tensor s = {d->hs, d->rows, d->ds, d->ds}, t = {d->ht, d->rows, d->dt, d->dt};
    check(optima_loss_compute(d->loss, &s, &t, 1, NULL, NULL));
}

/* A student and a teacher of one module with one layer each (and logits of that width),
 * and a loss of @p kind between them. */
static optima_loss *make_handle(optima_context *ctx, int32_t kind, size_t ds, size_t dt)
{
    optima_model *m[2] = {NULL, NULL};
    const size_t width[2] = {ds, dt};
    for (int i = 0; i < 2; ++i) {
        check(optima_model_create(ctx, i == 0 ? "student" : "teacher", &m[i]));
        check(optima_model_add_module(m[i], "all", NULL));
        check(optima_model_add_layer(m[i], 0, width[i], NULL));
        check(optima_model_set_logits_width(m[i], width[i]));
    }
    optima_loss *loss = NULL;
    if (kind == OPTIMA_LOSS_KL) {
        check(optima_loss_create_prediction(ctx, m[0], m[1], &loss));
        check(optima_loss_set_temperature(loss, 2.0));
    } else {
        check(optima_loss_create(ctx, kind, m[0], 0, m[1], 0, &loss));
    }
    optima_model_destroy(m[0]);
    optima_model_destroy(m[1]);
    return loss;
}

/* The three products of a projected loss, bare: Y = Hs·P, dHs = G·Pᵀ, dP = Hsᵀ·G. */
static void bare_projection_gemms(bench_data *d)
{
    const size_t n = d->rows, ds = d->ds, dt = d->dt;
    float *y = d->gp + ds * dt; /* scratch after dP, see setup */
    opt_sgemm(d->ctx, OPT_NO_TRANS, OPT_NO_TRANS, n, dt, ds, 1.0f, d->hs, ds, d->p, dt, 0.0f, y, dt);
    opt_sgemm(d->ctx, OPT_NO_TRANS, OPT_TRANS, n, ds, dt, 1.0f, y, dt, d->p, dt, 0.0f, d->gs, ds);
    opt_sgemm(d->ctx, OPT_TRANS, OPT_NO_TRANS, ds, dt, n, 1.0f, d->hs, ds, y, dt, 0.0f, d->gp, dt);
}

static double gemm_limit(bench_data *d, int repeat)
{
    return median_ms(bare_projection_gemms, d, repeat);
}

/* Read student and teacher once, write the gradient once. */
static double stream_limit(bench_data *d, int repeat)
{
    (void)repeat;
    const double bytes = (double)d->rows * ((double)d->ds * 2.0 + (double)d->dt) * sizeof(float);
    return bytes / d->bandwidth;
}

/* The first four are the stateless functions (math.h); the *_step cases run the same math
 * through a loss handle (loss.h). Both make one pass over the inputs. */
static const bench_case cases[] = {
    {"mse_proj", 4096, 384, 768, 0, run_mse_proj, gemm_limit},
    {"mse", 4096, 768, 768, 0, run_mse, stream_limit},
    {"cosine", 4096, 768, 768, 0, run_cosine, stream_limit},
    {"kl", 4096, 1000, 1000, 0, run_kl, stream_limit},
    {"mse_proj_step", 4096, 384, 768, OPTIMA_LOSS_MSE, run_step, gemm_limit},
    {"mse_step", 4096, 768, 768, OPTIMA_LOSS_MSE, run_step, stream_limit},
    {"cosine_step", 4096, 768, 768, OPTIMA_LOSS_COSINE, run_step, stream_limit},
    {"kl_step", 4096, 1000, 1000, OPTIMA_LOSS_KL, run_step, stream_limit},
    /* A small batch, where waking or starting the row passes' threads weighs most. */
    {"mse_small", 256, 768, 768, 0, run_mse, stream_limit},
    {"cosine_small", 256, 768, 768, 0, run_cosine, stream_limit},
    {"kl_small", 256, 1000, 1000, 0, run_kl, stream_limit},
};

typedef struct copy_buffers {
    char *src, *dst;
    size_t size;
    int threads; /* the copy is cut into this many contiguous parts, one per thread */
} copy_buffers;

static copy_buffers *g_copy; /* only for the memcpy timing below; main owns it */

typedef struct copy_part {
    char *dst;
    const char *src;
    size_t size;
} copy_part;

static void *copy_part_run(void *arg)
{
    const copy_part *p = arg;
    memcpy(p->dst, p->src, p->size);
    return NULL;
}

static void run_copy(bench_data *d)
{
    (void)d;
    enum { MAX_PARTS = 8 };
    copy_part parts[MAX_PARTS] = {{NULL, NULL, 0}};
    pthread_t ids[MAX_PARTS];
    const size_t n = (size_t)g_copy->threads, piece = g_copy->size / n;
    for (size_t t = 0; t < n; ++t)
        parts[t] = (copy_part){g_copy->dst + t * piece, g_copy->src + t * piece,
                               t + 1 < n ? piece : g_copy->size - t * piece};
    for (size_t t = 1; t < n; ++t)
        if (pthread_create(&ids[t], NULL, copy_part_run, &parts[t]) != 0) exit(1);
    copy_part_run(&parts[0]);
    for (size_t t = 1; t < n; ++t) pthread_join(ids[t], NULL);
}

/* Bytes moved (read + written) per ms by memcpy of a buffer far larger than the caches,
 * on @p threads threads (1 to 8): the memory limit of a case at that thread count. */
static double copy_bandwidth(int repeat, int threads)
{
    copy_buffers b = {NULL, NULL, (size_t)128 << 20, threads};
    b.src = malloc(b.size);
    b.dst = malloc(b.size);
    if (b.src == NULL || b.dst == NULL) exit(1);
    memset(b.src, 1, b.size);
    memset(b.dst, 2, b.size);
    g_copy = &b;
    const double ms = median_ms(run_copy, NULL, repeat);
    g_copy = NULL;
    free(b.src);
    free(b.dst);
    return 2.0 * (double)b.size / ms;
}

static float *random_floats(size_t n, uint64_t seed, double scale)
{
    float *x = malloc(n * sizeof(float));
    if (x == NULL) exit(1);
    opt_rng r;
    opt_rng_seed(&r, seed);
    for (size_t i = 0; i < n; ++i) x[i] = (float)(scale * (2.0 * opt_rng_uniform(&r) - 1.0));
    return x;
}

/* The bare products of case @p name at @p threads under BLIS's generic kernels, timed
 * by this program run again with BLIS_ARCH_TYPE set; a negative number on failure. */
static double generic_limit_ms(const char *name, int threads, int repeat)
{
    char self[4096], cmd[4200];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1.0;
    self[n] = '\0';
    snprintf(cmd, sizeof cmd, "BLIS_ARCH_TYPE=%d '%s' --limit-only --case %s --threads %d "
             "--repeat %d", (int)BLIS_ARCH_GENERIC, self, name, threads, repeat);
    FILE *child = popen(cmd, "r");
    if (child == NULL) return -1.0;
    double ms = -1.0;
    if (fscanf(child, "%lf", &ms) != 1) ms = -1.0;
    return pclose(child) == 0 ? ms : -1.0;
}

static void run_case(const bench_case *c, optima_context *ctx, int threads, int repeat,
                     double bandwidth, int limit_only)
{
    bench_data d = {ctx, c->rows, c->ds, c->dt, NULL, NULL, NULL, NULL, NULL, bandwidth, NULL};
    if (c->handle_kind != 0) d.loss = make_handle(ctx, c->handle_kind, c->ds, c->dt);
    check(optima_context_set_threads(ctx, threads));
    d.hs = random_floats(c->rows * c->ds, 1, 2.0);
    d.ht = random_floats(c->rows * c->dt, 2, 2.0);
    d.p = random_floats(c->ds * c->dt, 3, 0.1);
    d.gs = random_floats(c->rows * c->ds, 4, 1.0);
    d.gp = random_floats(c->ds * c->dt + c->rows * c->dt, 5, 1.0);
    if (limit_only) {
        printf("%.3f\n", c->limit_ms(&d, repeat));
    } else {
        const double ms = median_ms(c->run, &d, repeat);
        const double limit = c->limit_ms(&d, repeat);
        const char *blis = "?";
        check(optima_context_get_blis_arch(ctx, &blis));
        printf("{\"case\": \"%s\", \"threads\": %d, \"ms\": %.3f, \"limit_ms\": %.3f, "
               "\"ratio\": %.3f, \"blis\": \"%s\"", c->name, threads, ms, limit, limit / ms, blis);
        if (c->limit_ms == gemm_limit)
            printf(", \"generic_limit_ms\": %.3f", generic_limit_ms(c->name, threads, repeat));
        printf("}\n");
    }
    fflush(stdout);
    free(d.hs);
    free(d.ht);
    free(d.p);
    free(d.gs);
    free(d.gp);
    optima_loss_destroy(d.loss);
}

int main(int argc, char **argv)
{
    optima_choose_blis("optima-bench");
    int repeat = 7, only_threads = 0, limit_only = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) only = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) only_threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--limit-only") == 0) limit_only = 1;
        else {
            fprintf(stderr, "usage: %s [--repeat N] [--case NAME] [--threads N] [--limit-only]\n",
                    argv[0]);
            return 2;
        }
    }
    if (repeat < 1) repeat = 1;
    g_flush = calloc(g_flush_size, 1);
    if (g_flush == NULL) return 1;
    optima_context *ctx = NULL;
    check(optima_context_create(&ctx));
    if (limit_only && (only == NULL || only_threads == 0)) {
        fprintf(stderr, "%s: --limit-only needs --case and --threads\n", argv[0]);
        return 2;
    }
    double bandwidth[3] = {1.0, 1.0, 1.0}; /* by thread count */
    for (int threads = 1; threads <= 2 && !limit_only; ++threads)
        if (only_threads == 0 || only_threads == threads)
            bandwidth[threads] = copy_bandwidth(repeat, threads);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        if (only != NULL && strcmp(only, cases[i].name) != 0) continue;
        for (int threads = 1; threads <= 2; ++threads)
            if (only_threads == 0 || only_threads == threads)
                run_case(&cases[i], ctx, threads, repeat, bandwidth[threads], limit_only);
    }
    for (int threads = 1; threads <= 2 && !limit_only; ++threads)
        if ((only == NULL || strcmp(only, "trainer_overhead") == 0) &&
            (only_threads == 0 || only_threads == threads))
            bench_trainer_overhead(ctx, threads, repeat);
    optima_context_destroy(ctx);
    free(g_flush);
    return 0;
}
