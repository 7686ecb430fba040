/* The row kernels of rowloss.h on the context's threads: each block of rows becomes a
 * view of those rows (row_blocks.h), so the kernels themselves know nothing of threads. */
#include <optima/loss.h>

#include "row_blocks.h"
#include "rowloss.h"

static optima_tensor opt_rows_of(const optima_tensor *v, size_t begin, size_t end)
{
    const optima_tensor sub = {v->data + begin * v->row_stride, end - begin, v->cols,
                               v->row_stride};
    return sub;
}

static double opt_row_loss_block(const void *arg, size_t begin, size_t end, size_t worker)
{
    const opt_row_job *j = arg;
    const optima_tensor y = opt_rows_of(j->y, begin, end), t = opt_rows_of(j->t, begin, end);
    const uint8_t *mask = j->mask != NULL ? j->mask + begin : NULL;
    float *g = j->g != NULL ? j->g + begin * j->gs : NULL;
    switch (j->kind) {
    case OPTIMA_LOSS_MSE: return opt_mse_rows(&y, &t, mask, j->coef, g, j->gs);
    case OPTIMA_LOSS_COSINE: return opt_cosine_rows(&y, &t, mask, j->coef, g, j->gs);
    case OPT_ROW_FINITE_SCAN: return opt_finite_rows(&y, &t);
    case OPT_ROW_KL_SCAN: return opt_kl_scan_rows(&y, &t, j->maxima + 2 * begin);
    default:
        return opt_kl_rows(&y, &t, mask, j->temperature, j->coef, g, j->gs,
                           j->scratch + worker * OPT_KL_SCRATCH * y.cols,
                           j->maxima != NULL ? j->maxima + 2 * begin : NULL);
    }
}

/* A row's cost for row_blocks.h: KL's kernel is arithmetic-bound, the others (its scan
 * included) memory-bound. */
static size_t opt_row_cost(int32_t kind, size_t cols)
{
    return kind == OPTIMA_LOSS_KL ? cols * OPT_ROW_COST_KL : cols;
}

double opt_row_loss(const opt_row_job *job, const optima_context *ctx)
{
    return opt_row_blocks_sum(ctx, job->y->rows, opt_row_cost(job->kind, job->y->cols),
                              opt_row_loss_block, job);
}

size_t opt_row_loss_scratch(int32_t threads, size_t rows, size_t cols)
{
    const size_t used = (size_t)opt_row_blocks_threads(
        threads, rows, opt_row_cost(OPTIMA_LOSS_KL, cols));
    return used * OPT_KL_SCRATCH * cols;
}
