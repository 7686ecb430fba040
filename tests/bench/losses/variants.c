/* optima-bench-variants: nanoseconds per element of each compiled variant of the row
 * kernels (src/math/row_variants.h) that this CPU runs, called directly, with hot caches
 * (small views timed over and over). One JSON line per kernel and variant:
 *   {"kernel": NAME, "variant": NAME, "rows": R, "cols": C, "ns_per_element": MEDIAN}
 * Kernels: kl (opt_kl_rows with its own maxima and a gradient), kl_scan (opt_kl_scan_rows),
 * cosine (opt_cosine_rows with a gradient), finite (opt_finite_rows).
 * Flags: --repeat N (timed runs per figure, default 15; each run takes ≥ 2 ms), --kernel
 *        NAME (only that kernel), --variant NAME (only that variant). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_time.h"

#include "math/row_variants.h"

#define ROWS 16
#define KL_COLS 1000
#define COLS 768
#define RUN_MS 2.0

typedef struct bench_data {
    float *y, *t, *g, *scratch, *maxima;
} bench_data;

typedef struct bench_kernel {
    const char *name;
    size_t cols;
    double (*run)(const opt_row_variant *v, const bench_data *d, size_t cols);
} bench_kernel;

static double run_kl(const opt_row_variant *v, const bench_data *d, size_t cols)
{
    const optima_tensor y = {d->y, ROWS, cols, cols}, t = {d->t, ROWS, cols, cols};
    return v->kl_rows(&y, &t, NULL, 2.0, 1.0f / ROWS, d->g, cols, d->scratch, NULL);
}

static double run_kl_scan(const opt_row_variant *v, const bench_data *d, size_t cols)
{
    const optima_tensor y = {d->y, ROWS, cols, cols}, t = {d->t, ROWS, cols, cols};
    return v->kl_scan_rows(&y, &t, d->maxima);
}

static double run_cosine(const opt_row_variant *v, const bench_data *d, size_t cols)
{
    const optima_tensor y = {d->y, ROWS, cols, cols}, t = {d->t, ROWS, cols, cols};
    return v->cosine_rows(&y, &t, NULL, 1.0f / ROWS, d->g, cols);
}

static double run_finite(const opt_row_variant *v, const bench_data *d, size_t cols)
{
    const optima_tensor y = {d->y, ROWS, cols, cols}, t = {d->t, ROWS, cols, cols};
    return v->finite_rows(&y, &t);
}

static const bench_kernel kernels[] = {
    {"kl", KL_COLS, run_kl},
    {"kl_scan", KL_COLS, run_kl_scan},
    {"cosine", COLS, run_cosine},
    {"finite", COLS, run_finite},
};

/* Median ns per element of @p k under @p v over @p repeat runs of ≥ RUN_MS each. */
static double time_kernel(const bench_kernel *k, const opt_row_variant *v, const bench_data *d,
                          int repeat)
{
    double *ns = malloc((size_t)repeat * sizeof *ns);
    volatile double sink = 0.0;
    for (int r = 0; r < repeat; ++r) {
        long calls = 0;
        const double start = bench_now_ms();
        double now = start;
        while (now - start < RUN_MS) {
            for (int i = 0; i < 16; ++i) sink += k->run(v, d, k->cols);
            calls += 16;
            now = bench_now_ms();
        }
        ns[r] = (now - start) * 1e6 / ((double)calls * ROWS * (double)k->cols);
    }
    (void)sink;
    qsort(ns, (size_t)repeat, sizeof *ns, bench_by_value);
    const double median = ns[repeat / 2];
    free(ns);
    return median;
}

int main(int argc, char **argv)
{
    int repeat = 15;
    const char *only_kernel = NULL, *only_variant = NULL;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc) only_kernel = argv[++i];
        else if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc) only_variant = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--repeat N] [--kernel NAME] [--variant NAME]\n",
                    argv[0]);
            return 2;
        }
    }
    if (repeat < 1) repeat = 1;
    const size_t n = ROWS * KL_COLS;
    bench_data d = {malloc(n * sizeof(float)), malloc(n * sizeof(float)),
                    malloc(n * sizeof(float)), malloc(4 * KL_COLS * sizeof(float)),
                    malloc(2 * ROWS * sizeof(float))};
    if (!d.y || !d.t || !d.g || !d.scratch || !d.maxima) return 1;
    unsigned state = 1;
    for (size_t i = 0; i < n; ++i) {
        state = state * 1664525u + 1013904223u;
        d.y[i] = (float)(state >> 8) / 1048576.0f - 8.0f; /* logits in [−8, 8) */
        d.t[i] = 0.75f * d.y[i] + 0.5f;
    }
    size_t count;
    const opt_row_variant *variants = opt_row_variants(&count);
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; ++k) {
        if (only_kernel != NULL && strcmp(only_kernel, kernels[k].name) != 0) continue;
        for (size_t v = 0; v < count; ++v) {
            if (only_variant != NULL && strcmp(only_variant, variants[v].name) != 0) continue;
            if (!variants[v].runs()) continue;
            printf("{\"kernel\": \"%s\", \"variant\": \"%s\", \"rows\": %d, \"cols\": %zu, "
                   "\"ns_per_element\": %.3f}\n",
                   kernels[k].name, variants[v].name, ROWS, kernels[k].cols,
                   time_kernel(&kernels[k], &variants[v], &d, repeat));
            fflush(stdout);
        }
    }
    free(d.y);
    free(d.t);
    free(d.g);
    free(d.scratch);
    free(d.maxima);
    return 0;
}
