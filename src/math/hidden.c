/* One layer pair of a hidden-state loss: Y = Hs·P (BLIS), a fused row pass for the value
 * and dvalue/dY, then dHs = G·Pᵀ and dP = Hsᵀ·G (BLIS). Without a projection the row pass
 * writes dHs directly.
 *
 * For the stateless functions (job->untouched) nothing reaches the caller's buffers
 * before the whole result is known finite: MSE takes its value first in a read-only
 * pass (it bounds every gradient element, see opt_gradient_fits), the cosine scans its
 * inputs (finite inputs give a finite cosine gradient: it is bounded by 1/(n·ε)), and a
 * gradient product that the magnitudes of its factors cannot prove finite is computed
 * into scratch and checked before it is copied out. */
#include "hidden.h"

#include <math.h>
#include <string.h>

#include <optima/loss.h>

#include "../core/context_impl.h"
#include "gemm.h"
#include "rowloss.h"
#include "views.h"

static double opt_rows_kernel(const optima_context *ctx, int32_t kind, const optima_tensor *y,
                              const optima_tensor *t, const uint8_t *mask, float coef, float *g,
                              size_t gs)
{
    const opt_row_job job = {kind, y, t, mask, coef, g, gs, 0.0, NULL, NULL};
    return opt_row_loss(&job, ctx);
}

/* Before a stateless pass without projection writes dHs: 0 when it will be finite. */
static int opt_precheck_rows(const optima_context *ctx, const opt_hidden_job *job, float coef)
{
    if (!job->untouched || job->grad_student == NULL) return 0;
    if (job->kind == OPTIMA_LOSS_COSINE) {
        const opt_row_job scan = {OPT_ROW_FINITE_SCAN, job->student, job->teacher, NULL, 0.0f,
                                  NULL, 0, 0.0, NULL, NULL};
        return isfinite(opt_row_loss(&scan, ctx)) ? 0 : -1;
    }
    const double sum = opt_rows_kernel(ctx, OPTIMA_LOSS_MSE, job->student, job->teacher,
                                       job->mask, 0.0f, NULL, 0);
    return opt_gradient_fits(coef, sum) ? 0 : -1;
}

typedef enum opt_product { OPT_PRODUCT_DHS, OPT_PRODUCT_DP } opt_product;

/* dHs = G·Pᵀ or dP = Hsᵀ·G into @p out (row stride @p ld); G is job->work, rows × dt. */
static void opt_run_product(const optima_context *ctx, const opt_hidden_job *job,
                            opt_product which, float *out, size_t ld)
{
    const optima_tensor *hs = job->student, *p = job->projection;
    const size_t rows = hs->rows, ds = hs->cols, dt = p->cols;
    if (which == OPT_PRODUCT_DHS)
        opt_sgemm(ctx, OPT_NO_TRANS, OPT_TRANS, rows, ds, dt, 1.0f, job->work, dt, p->data,
                  p->row_stride, 0.0f, out, ld);
    else
        opt_sgemm(ctx, OPT_TRANS, OPT_NO_TRANS, ds, dt, rows, 1.0f, hs->data, hs->row_stride,
                  job->work, dt, 0.0f, out, ld);
}

typedef struct opt_product_out {
    float *dest;   /* the caller's buffer, or NULL when not wanted */
    size_t ld;
    size_t rows, cols;
    float *held;   /* scratch holding the product until every product is known finite */
} opt_product_out;

/* Whether a product might overflow: every partial sum of dHs_ij is at most
 * dt·max|G|·max|P| in magnitude, of dP_ij at most rows·max|Hs|·max|G|. */
static int opt_product_unsafe(const opt_hidden_job *job, opt_product which, double max_g)
{
    const optima_tensor *factor = which == OPT_PRODUCT_DHS ? job->projection : job->student;
    const double terms = which == OPT_PRODUCT_DHS ? (double)job->projection->cols
                                                  : (double)job->student->rows;
    const double bound = terms * max_g * (double)opt_view_max_abs(factor);
    return !(bound <= OPT_FLOAT_SAFE);
}

/* Compute the products asked for; for the stateless functions the ones that might
 * overflow go through scratch first. 0, -1 (not finite, nothing written) or -2 (no
 * scratch memory, nothing written). */
static int opt_gradient_products(const optima_context *ctx, const opt_hidden_job *job)
{
    const size_t rows = job->student->rows, ds = job->student->cols, dt = job->projection->cols;
    opt_product_out out[2] = {
        {job->grad_student, job->grad_student_stride, rows, ds, NULL},
        {job->grad_projection, job->grad_projection_stride, ds, dt, NULL},
    };
    int status = 0;
    const optima_tensor g = {job->work, rows, dt, dt};
    const double max_g = job->untouched ? (double)opt_view_max_abs(&g) : 0.0;
    for (int k = 0; k < 2 && status == 0; ++k) {
        if (out[k].dest == NULL || !job->untouched || !opt_product_unsafe(job, k, max_g))
            continue;
        out[k].held = opt_alloc(ctx, out[k].rows * out[k].cols * sizeof(float));
        if (out[k].held == NULL) {
            status = -2;
            break;
        }
        opt_run_product(ctx, job, k, out[k].held, out[k].cols);
        const optima_tensor v = {out[k].held, out[k].rows, out[k].cols, out[k].cols};
        if (!opt_view_finite(&v)) status = -1;
    }
    for (int k = 0; k < 2; ++k) {
        if (status == 0 && out[k].dest != NULL && out[k].held == NULL)
            opt_run_product(ctx, job, k, out[k].dest, out[k].ld);
        for (size_t r = 0; status == 0 && out[k].held != NULL && r < out[k].rows; ++r)
            memcpy(out[k].dest + r * out[k].ld, out[k].held + r * out[k].cols,
                   out[k].cols * sizeof(float));
        opt_free(ctx, out[k].held);
    }
    return status;
}

int opt_hidden_loss(const optima_context *ctx, const opt_hidden_job *job, double *value)
{
    const optima_tensor *hs = job->student, *ht = job->teacher, *p = job->projection;
    const size_t rows = hs->rows, dt = ht->cols;
    const size_t n = opt_mask_count(job->mask, rows);
    /* value = sum / per_value; the MSE averages over elements, the cosine over rows */
    const double per_value = job->kind == OPTIMA_LOSS_MSE ? (double)n * (double)dt : (double)n;
    const double inv = n > 0 ? 1.0 / per_value : 0.0;
    const double slope = job->kind == OPTIMA_LOSS_MSE ? 2.0 : 1.0;
    const float coef = (float)(job->grad_scale * slope * inv);

    if (p == NULL) {
        if (opt_precheck_rows(ctx, job, coef) != 0) return -1;
        const double sum = opt_rows_kernel(ctx, job->kind, hs, ht, job->mask, coef,
                                           job->grad_student, job->grad_student_stride);
        if (!isfinite(sum)) return -1;
        *value = sum * inv;
        return 0;
    }

    const int wants_grad = job->grad_student != NULL || job->grad_projection != NULL;
    opt_sgemm(ctx, OPT_NO_TRANS, OPT_NO_TRANS, rows, dt, hs->cols, 1.0f, hs->data,
              hs->row_stride, p->data, p->row_stride, 0.0f, job->work, dt);
    const optima_tensor y = {job->work, rows, dt, dt};
    const double sum = opt_rows_kernel(ctx, job->kind, &y, ht, job->mask, coef,
                                       wants_grad ? job->work : NULL, dt);
    if (!isfinite(sum)) return -1;
    if (wants_grad) {
        const int status = opt_gradient_products(ctx, job);
        if (status != 0) return status;
    }
    *value = sum * inv;
    return 0;
}
