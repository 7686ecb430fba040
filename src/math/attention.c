/* Attention-map MSE (TinyBERT style): squared error over the (query, key) elements that
 * both masks admit. Elements outside the masks are never read, since attention scores
 * at padded keys are commonly −∞ or −10000. */
#include <optima/math.h>

#include <math.h>

#include "../core/checked.h"
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

/* One pass over the admitted elements; @p g NULL computes the value only. */
static double opt_attention_pass(const optima_tensor *s, const optima_tensor *t,
                                 opt_attention_shape sh, const uint8_t *qmask,
                                 const uint8_t *kmask, float c, float *g, size_t gs)
{
    double total = 0.0;
    for (size_t e = 0; e < sh.examples; ++e) {
        const uint8_t *keys = kmask != NULL ? kmask + e * sh.keys : NULL;
        for (size_t h = 0; h < sh.heads; ++h) {
            for (size_t q = 0; q < sh.queries; ++q) {
                const size_t r = (e * sh.heads + h) * sh.queries + q;
                float *gr = g != NULL ? g + r * gs : NULL;
                if (qmask != NULL && qmask[e * sh.queries + q] == 0) {
                    if (gr != NULL) for (size_t k = 0; k < sh.keys; ++k) gr[k] = 0.0f;
                    continue;
                }
                total += opt_attention_row(s->data + r * s->row_stride,
                                           t->data + r * t->row_stride, keys, sh.keys, c, gr);
            }
        }
    }
    return total;
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
    const double sum = opt_attention_pass(student, teacher, sh, query_mask, key_mask, 0.0f, NULL, 0);
    OPT_RETURN_ERROR_IF(!isfinite(sum), NULL, OPTIMA_ENONFINITE,
                        "%s: argument 'student' or 'teacher' holds a NaN or an infinity in an "
                        "admitted element (nothing was written)", fn);
    OPT_RETURN_ERROR_IF(grad != NULL && !opt_gradient_fits(2.0 * inv, sum), NULL,
                        OPTIMA_ENONFINITE, "%s: the gradient overflows float32 (arguments "
                        "'student' and 'teacher' differ by too much; nothing was written)", fn);
    if (grad != NULL)
        (void)opt_attention_pass(student, teacher, sh, query_mask, key_mask, (float)(2.0 * inv),
                                 grad, grad_stride);
    *loss = sum * inv;
    return OPTIMA_OK;
}
