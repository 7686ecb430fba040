/* Attention-map MSE (TinyBERT style): squared error over the (query, key) elements that
 * both masks admit. Elements outside the masks are never read, since attention scores
 * at padded keys are commonly −∞ or −10000. */
#include <optima/math.h>

#include <math.h>

#include "../core/checked.h"
#include "../core/context_impl.h"
#include "row_blocks.h"
#include "views.h"

#define OPT_LANES 8

/* Σ over admitted keys of (s − t)²; g = c·(s − t) on admitted keys, 0 on the others. The
 * difference is taken in float64, so any finite scores give a finite value; the caller
 * checks the float32 gradient fits before asking for it (opt_gradient_fits). */
static double opt_attention_row(const float *s, const float *t, const uint8_t *keys, size_t n,
                                float c, float *g)
{
    double acc[OPT_LANES] = {0};
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES) {
        for (size_t j = 0; j < OPT_LANES; ++j) {
            const int on = keys == NULL || keys[i + j] != 0;
            const double d = on ? (double)s[i + j] - (double)t[i + j] : 0.0;
            if (g != NULL) g[i + j] = c * (float)d;
            acc[j] += d * d;
        }
    }
    for (; i < n; ++i) {
        const int on = keys == NULL || keys[i] != 0;
        const double d = on ? (double)s[i] - (double)t[i] : 0.0;
        if (g != NULL) g[i] = c * (float)d;
        acc[0] += d * d;
    }
    double sum = 0.0;
    for (size_t j = 0; j < OPT_LANES; ++j) sum += acc[j];
    return sum;
}

static size_t opt_count(const uint8_t *mask, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; ++i) c += mask == NULL || mask[i] != 0;
    return c;
}

typedef struct opt_attention_shape {
    size_t examples, heads, queries, keys;
} opt_attention_shape;

typedef struct opt_attention_job {
    const optima_tensor *s, *t;
    opt_attention_shape sh;
    const uint8_t *qmask, *kmask;
    float c;
    float *g; /* NULL: the value only */
    size_t gs;
} opt_attention_job;

/* Rows [begin, end): row r is query q = r mod queries of example e = r / (heads·queries). */
static double opt_attention_block(const void *arg, size_t begin, size_t end, size_t worker)
{
    (void)worker;
    const opt_attention_job *j = arg;
    const opt_attention_shape sh = j->sh;
    double total = 0.0;
    for (size_t r = begin; r < end; ++r) {
        const size_t e = r / (sh.heads * sh.queries), q = r % sh.queries;
        float *gr = j->g != NULL ? j->g + r * j->gs : NULL;
        if (j->qmask != NULL && j->qmask[e * sh.queries + q] == 0) {
            if (gr != NULL) for (size_t k = 0; k < sh.keys; ++k) gr[k] = 0.0f;
            continue;
        }
        total += opt_attention_row(j->s->data + r * j->s->row_stride,
                                   j->t->data + r * j->t->row_stride,
                                   j->kmask != NULL ? j->kmask + e * sh.keys : NULL, sh.keys,
                                   j->c, gr);
    }
    return total;
}

/* One pass over the admitted elements on the context's threads (row_blocks.h). */
static double opt_attention_pass(const optima_context *ctx, const opt_attention_job *job)
{
    return opt_row_blocks_sum(ctx, job->s->rows, job->sh.keys, opt_attention_block,
                              job);
}

optima_status optima_attention_mse(const optima_context *ctx, const optima_tensor *student,
                                   const optima_tensor *teacher, size_t heads, size_t queries,
                                   const uint8_t *query_mask, const uint8_t *key_mask,
                                   double *loss, float *grad, size_t grad_stride)
{
    static const char fn[] = "optima_attention_mse";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(NULL, fn, loss);
    OPT_FORWARD_IF_ERROR(opt_check_view(NULL, fn, "student", student));
    OPT_FORWARD_IF_ERROR(opt_check_view(NULL, fn, "teacher", teacher));
    OPT_RETURN_ERROR_IF(teacher->rows != student->rows || teacher->cols != student->cols, NULL,
                        OPTIMA_ESHAPE, "%s: argument 'teacher' is %zu × %zu, 'student' %zu × %zu",
                        fn, teacher->rows, teacher->cols, student->rows, student->cols);
    OPT_RETURN_ERROR_IF(heads == 0, NULL, OPTIMA_ESHAPE, "%s: argument 'heads' is 0", fn);
    OPT_RETURN_ERROR_IF(queries == 0, NULL, OPTIMA_ESHAPE, "%s: argument 'queries' is 0", fn);
    size_t per_example;
    OPT_RETURN_ERROR_IF(opt_mul_overflows(heads, queries, &per_example) ||
                            student->rows % per_example != 0,
                        NULL, OPTIMA_ESHAPE,
                        "%s: argument 'student' has %zu rows, not a multiple of heads %zu × "
                        "queries %zu", fn, student->rows, heads, queries);
    OPT_FORWARD_IF_ERROR(opt_check_output(NULL, fn, "grad", grad, grad_stride, student->rows,
                                          student->cols));
    const opt_attention_shape sh = {student->rows / per_example, heads, queries, student->cols};
    /* N = heads · Σ_e (admitted queries of e) · (admitted keys of e) */
    double elements = 0.0;
    for (size_t e = 0; e < sh.examples; ++e)
        elements += (double)heads *
                    (double)opt_count(query_mask ? query_mask + e * queries : NULL, queries) *
                    (double)opt_count(key_mask ? key_mask + e * sh.keys : NULL, sh.keys);
    const double inv = elements > 0.0 ? 1.0 / elements : 0.0;
    /* value first, gradient second: nothing is written unless every admitted element is
     * finite (the pass never reads the others, so this scan is the only check) */
    opt_attention_job job = {student, teacher, sh, query_mask, key_mask, 0.0f, NULL, 0};
    const double sum = opt_attention_pass(ctx, &job);
    OPT_RETURN_ERROR_IF(!isfinite(sum), NULL, OPTIMA_ENONFINITE,
                        "%s: argument 'student' or 'teacher' holds a NaN or an infinity in an "
                        "admitted element (nothing was written)", fn);
    OPT_RETURN_ERROR_IF(grad != NULL && !opt_gradient_fits(2.0 * inv, sum), NULL,
                        OPTIMA_ENONFINITE, "%s: the gradient overflows float32 (arguments "
                        "'student' and 'teacher' differ by too much; nothing was written)", fn);
    if (grad != NULL) {
        job.c = (float)(2.0 * inv);
        job.g = grad;
        job.gs = grad_stride;
        (void)opt_attention_pass(ctx, &job);
    }
    *loss = sum * inv;
    return OPTIMA_OK;
}
