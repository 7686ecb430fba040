/* One layer pair of a hidden-state loss: Y = Hs·P (BLIS), a fused row pass for the value
 * and dvalue/dY, then dHs = G·Pᵀ and dP = Hsᵀ·G (BLIS). Without a projection the row pass
 * writes dHs directly. */
#include "hidden.h"

#include <math.h>

#include <optima/loss.h>

#include "gemm.h"
#include "rowloss.h"
#include "views.h"

static double opt_rows_kernel(int32_t kind, const optima_tensor *y, const optima_tensor *t,
                              const uint8_t *mask, float coef, float *g, size_t gs)
{
    return kind == OPTIMA_LOSS_MSE ? opt_mse_rows(y, t, mask, coef, g, gs)
                                   : opt_cosine_rows(y, t, mask, coef, g, gs);
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
        if (job->scan_first && job->grad_student != NULL &&
            (!opt_view_finite(hs) || !opt_view_finite(ht)))
            return -1;
        const double sum = opt_rows_kernel(job->kind, hs, ht, job->mask, coef,
                                           job->grad_student, job->grad_student_stride);
        if (!isfinite(sum)) return -1;
        *value = sum * inv;
        return 0;
    }

    const int wants_grad = job->grad_student != NULL || job->grad_projection != NULL;
    opt_sgemm(ctx, OPT_NO_TRANS, OPT_NO_TRANS, rows, dt, hs->cols, 1.0f, hs->data,
              hs->row_stride, p->data, p->row_stride, 0.0f, job->work, dt);
    const optima_tensor y = {job->work, rows, dt, dt};
    const double sum = opt_rows_kernel(job->kind, &y, ht, job->mask, coef,
                                       wants_grad ? job->work : NULL, dt);
    if (!isfinite(sum)) return -1;
    *value = sum * inv;
    if (job->grad_student != NULL)
        opt_sgemm(ctx, OPT_NO_TRANS, OPT_TRANS, rows, hs->cols, dt, 1.0f, job->work, dt,
                  p->data, p->row_stride, 0.0f, job->grad_student, job->grad_student_stride);
    if (job->grad_projection != NULL)
        opt_sgemm(ctx, OPT_TRANS, OPT_NO_TRANS, hs->cols, dt, rows, 1.0f, hs->data,
                  hs->row_stride, job->work, dt, 0.0f, job->grad_projection,
                  job->grad_projection_stride);
    return 0;
}
