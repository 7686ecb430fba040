/* Helpers for the loss tests: seeded data in strided buffers and float64 reference
 * implementations of every loss, written straight from the formulas in docs/losses.md
 * (no shared code with the library), for finite-difference checks. */
#ifndef OPTIMA_LOSSTEST_H
#define OPTIMA_LOSSTEST_H

#include <math.h>

#include "testutil.h"

#include "core/rng.h"

/* A host-owned strided matrix: rows × cols at row stride `stride` (padding filled with
 * garbage so a kernel that reads it would be caught by the references disagreeing). */
typedef struct host_matrix {
    float *data;
    size_t rows, cols, stride;
} host_matrix;

static inline host_matrix host_random(size_t rows, size_t cols, size_t pad, uint64_t seed,
                                      double scale)
{
    host_matrix m = {NULL, rows, cols, cols + pad};
    m.data = malloc(rows * m.stride * sizeof(float));
    opt_rng r;
    opt_rng_seed(&r, seed);
    for (size_t i = 0; i < rows * m.stride; ++i)
        m.data[i] = (i % m.stride) < cols ? (float)(scale * opt_rng_gaussian(&r)) : 1e30f;
    return m;
}

static inline optima_tensor host_view(const host_matrix *m)
{
    optima_tensor t = {m->data, m->rows, m->cols, m->stride};
    return t;
}

static inline double hm(const host_matrix *m, size_t r, size_t c)
{
    return m->data[r * m->stride + c];
}

static inline int row_on(const uint8_t *mask, size_t r)
{
    return mask == NULL || mask[r] != 0;
}

/* y_r = hs_r · P (or hs_r) in float64 */
static inline void ref_project(const host_matrix *hs, const host_matrix *p, size_t r, double *y,
                               size_t dt)
{
    for (size_t j = 0; j < dt; ++j) {
        if (p == NULL) {
            y[j] = hm(hs, r, j);
            continue;
        }
        double s = 0.0;
        for (size_t k = 0; k < hs->cols; ++k) s += hm(hs, r, k) * hm(p, k, j);
        y[j] = s;
    }
}

static inline double ref_hidden(int kind, const host_matrix *hs, const host_matrix *ht,
                                const host_matrix *p, const uint8_t *mask)
{
    const size_t dt = ht->cols;
    double *y = malloc(dt * sizeof(double));
    double total = 0.0, n = 0.0;
    for (size_t r = 0; r < hs->rows; ++r) {
        if (!row_on(mask, r)) continue;
        n += 1.0;
        ref_project(hs, p, r, y, dt);
        if (kind == OPTIMA_LOSS_MSE) {
            for (size_t j = 0; j < dt; ++j) total += (y[j] - hm(ht, r, j)) * (y[j] - hm(ht, r, j));
        } else {
            double yt = 0, yy = 0, tt = 0;
            for (size_t j = 0; j < dt; ++j) {
                yt += y[j] * hm(ht, r, j);
                yy += y[j] * y[j];
                tt += hm(ht, r, j) * hm(ht, r, j);
            }
            total += 1.0 - yt / (fmax(sqrt(yy), OPTIMA_COSINE_EPSILON) *
                                 fmax(sqrt(tt), OPTIMA_COSINE_EPSILON));
        }
    }
    free(y);
    if (n == 0.0) return 0.0;
    return kind == OPTIMA_LOSS_MSE ? total / (n * (double)dt) : total / n;
}

static inline double ref_kl(const host_matrix *zs, const host_matrix *zt, double t,
                            const uint8_t *mask)
{
    double total = 0.0, n = 0.0;
    for (size_t r = 0; r < zs->rows; ++r) {
        if (!row_on(mask, r)) continue;
        n += 1.0;
        double ms = -INFINITY, mt = -INFINITY, ss = 0, st = 0;
        for (size_t j = 0; j < zs->cols; ++j) {
            ms = fmax(ms, hm(zs, r, j) / t);
            mt = fmax(mt, hm(zt, r, j) / t);
        }
        for (size_t j = 0; j < zs->cols; ++j) {
            ss += exp(hm(zs, r, j) / t - ms);
            st += exp(hm(zt, r, j) / t - mt);
        }
        for (size_t j = 0; j < zs->cols; ++j) {
            const double lp = hm(zt, r, j) / t - mt - log(st);
            const double lq = hm(zs, r, j) / t - ms - log(ss);
            total += exp(lp) * (lp - lq);
        }
    }
    return n == 0.0 ? 0.0 : t * t * total / n;
}

/* Central difference of @p f wrt element @p x (a float of a host matrix), in float64 by
 * perturbing the float and re-evaluating the float64 reference. */
typedef double (*ref_fn)(void *state);
static inline double central_difference(ref_fn f, void *state, float *x, double h)
{
    const float saved = *x;
    *x = (float)(saved + h);
    const double hp = (double)*x - saved;
    const double up = f(state);
    *x = (float)(saved - h);
    const double hm_ = saved - (double)*x;
    const double down = f(state);
    *x = saved;
    return (up - down) / (hp + hm_);
}

/* A prediction (KL) loss handle between two models of one module, one layer and logits
 * @p classes wide; the models are destroyed again (the loss copies what it needs). */
static inline optima_loss *kl_handle(optima_context *ctx, size_t classes)
{
    optima_model *m[2] = {NULL, NULL};
    for (int i = 0; i < 2; ++i) {
        assert_int_equal(optima_model_create(ctx, i ? "teacher" : "student", &m[i]), OPTIMA_OK);
        assert_int_equal(optima_model_add_module(m[i], "all", NULL), OPTIMA_OK);
        assert_int_equal(optima_model_add_layer(m[i], 0, classes, NULL), OPTIMA_OK);
        assert_int_equal(optima_model_set_logits_width(m[i], classes), OPTIMA_OK);
    }
    optima_loss *loss = NULL;
    assert_int_equal(optima_loss_create_prediction(ctx, m[0], m[1], &loss), OPTIMA_OK);
    optima_model_destroy(m[0]);
    optima_model_destroy(m[1]);
    return loss;
}

#endif /* OPTIMA_LOSSTEST_H */
