/* Private header: checks of tensor views and output buffers shared by every loss entry
 * point, and the finiteness scan. Not installed. */
#ifndef OPT_MATH_VIEWS_H
#define OPT_MATH_VIEWS_H

#include <optima/tensor.h>

#include "../core/error.h"

/* A readable view: non-NULL, non-NULL data, rows and cols ≥ 1, row_stride ≥ cols, and an
 * extent in bytes that fits in size_t. @p name is the argument as the caller knows it. */
optima_status opt_check_view(opt_errslot *slot, const char *fn, const char *name,
                             const optima_tensor *view);

/* A writable rows × cols buffer with row stride @p stride (NULL is accepted: no output). */
optima_status opt_check_output(opt_errslot *slot, const char *fn, const char *name,
                               const float *data, size_t stride, size_t rows, size_t cols);

/* Non-zero when every element of the view is finite. */
int opt_view_finite(const optima_tensor *view);

/* How many of @p rows mask bytes are non-zero (all rows for a NULL mask). */
size_t opt_mask_count(const uint8_t *mask, size_t rows);

/* Zero rows × cols floats of a strided buffer. */
void opt_zero_rows(float *data, size_t stride, size_t rows, size_t cols);

/* A temperature that is finite and within [OPTIMA_TEMPERATURE_MIN, OPTIMA_TEMPERATURE_MAX]. */
optima_status opt_check_temperature(opt_errslot *slot, const char *fn, double temperature);

#endif /* OPT_MATH_VIEWS_H */
