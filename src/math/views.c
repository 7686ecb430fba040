/* Checks of views and output buffers, and the finiteness scan. */
#include "views.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <optima/math.h>

#include "../core/checked.h"
#include "clones.h"

/* Elements spanned by rows × cols at row stride @p stride; non-zero on overflow, also when
 * the span in bytes would not fit. */
static int opt_extent_overflows(size_t rows, size_t cols, size_t stride)
{
    size_t span, bytes;
    return opt_mul_overflows(rows - 1, stride, &span) || opt_add_overflows(span, cols, &span) ||
           opt_mul_overflows(span, sizeof(float), &bytes);
}

optima_status opt_check_view(const opt_errslot *slot, const char *fn, const char *name,
                             const optima_tensor *view)
{
    OPT_RETURN_ERROR_IF(view == NULL, slot, OPTIMA_EINVAL, "%s: argument '%s' is NULL", fn, name);
    OPT_RETURN_ERROR_IF(view->data == NULL, slot, OPTIMA_EINVAL,
                        "%s: argument '%s': data is NULL", fn, name);
    OPT_RETURN_ERROR_IF(view->rows == 0 || view->cols == 0, slot, OPTIMA_ESHAPE,
                        "%s: argument '%s' is empty (%zu rows, %zu cols)", fn, name, view->rows,
                        view->cols);
    OPT_RETURN_ERROR_IF(view->row_stride < view->cols, slot, OPTIMA_EINVAL,
                        "%s: argument '%s': row_stride %zu is below cols %zu", fn, name,
                        view->row_stride, view->cols);
    OPT_RETURN_ERROR_IF(opt_extent_overflows(view->rows, view->cols, view->row_stride), slot,
                        OPTIMA_EOVERFLOW,
                        "%s: argument '%s': %zu rows at row_stride %zu do not fit in memory", fn,
                        name, view->rows, view->row_stride);
    return OPTIMA_OK;
}

optima_status opt_check_output(const opt_errslot *slot, const char *fn, const char *name,
                               const float *data, size_t stride, size_t rows, size_t cols)
{
    if (data == NULL) return OPTIMA_OK;
    OPT_RETURN_ERROR_IF(stride < cols, slot, OPTIMA_EINVAL,
                        "%s: argument '%s_stride' is %zu, below the width %zu", fn, name, stride,
                        cols);
    OPT_RETURN_ERROR_IF(opt_extent_overflows(rows, cols, stride), slot, OPTIMA_EOVERFLOW,
                        "%s: argument '%s_stride': %zu rows at stride %zu do not fit in memory",
                        fn, name, rows, stride);
    return OPTIMA_OK;
}

/* The largest |x| as the bits of a float: for non-negative floats the bit patterns are
 * ordered like the values, and every ∞ or NaN pattern is above FLT_MAX's, so an integer
 * maximum (vectorised, no -ffast-math needed) answers both questions in one pass that
 * keeps up with memory. */
OPT_VECTOR_CLONES
float opt_view_max_abs(const optima_tensor *view)
{
    uint32_t top = 0;
    for (size_t r = 0; r < view->rows; ++r) {
        const float *x = view->data + r * view->row_stride;
        uint32_t row_top = 0;
        for (size_t i = 0; i < view->cols; ++i) {
            uint32_t bits;
            memcpy(&bits, &x[i], sizeof bits);
            bits &= 0x7fffffffu;
            row_top = bits > row_top ? bits : row_top;
        }
        top = row_top > top ? row_top : top;
    }
    if (top >= 0x7f800000u) return INFINITY;
    float m;
    memcpy(&m, &top, sizeof m);
    return m;
}

int opt_view_finite(const optima_tensor *view)
{
    return opt_view_max_abs(view) < INFINITY;
}

int opt_gradient_fits(double coef, double sum_squares)
{
    const double c = fabs(coef) > 1.0 ? fabs(coef) : 1.0;
    return isfinite(sum_squares) && c * sqrt(sum_squares) <= OPT_FLOAT_SAFE;
}

size_t opt_mask_count(const uint8_t *mask, size_t rows)
{
    if (mask == NULL) return rows;
    size_t n = 0;
    for (size_t r = 0; r < rows; ++r) n += mask[r] != 0;
    return n;
}

void opt_zero_rows(float *data, size_t stride, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; ++r) memset(data + r * stride, 0, cols * sizeof(float));
}

optima_status opt_check_temperature(const opt_errslot *slot, const char *fn, double temperature)
{
    OPT_RETURN_ERROR_IF(!(temperature >= OPTIMA_TEMPERATURE_MIN &&
                          temperature <= OPTIMA_TEMPERATURE_MAX),
                        slot, OPTIMA_EINVAL,
                        "%s: argument 'temperature' must be finite and in [%g, %g], got %g", fn,
                        OPTIMA_TEMPERATURE_MIN, OPTIMA_TEMPERATURE_MAX, temperature);
    return OPTIMA_OK;
}
