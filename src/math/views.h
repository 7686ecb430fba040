/* Private header: checks of tensor views and output buffers shared by every loss entry
 * point, and the finiteness scan. Not installed. */
#ifndef OPT_MATH_VIEWS_H
#define OPT_MATH_VIEWS_H

#include <optima/tensor.h>

#include "../core/error.h"

/* A readable view: non-NULL, non-NULL data, rows and cols ≥ 1, row_stride ≥ cols, and an
 * extent in bytes that fits in size_t. @p name is the argument as the caller knows it. */
optima_status opt_check_view(const opt_errslot *slot, const char *fn, const char *name,
                             const optima_tensor *view);

/* A writable rows × cols buffer with row stride @p stride (NULL is accepted: no output). */
optima_status opt_check_output(const opt_errslot *slot, const char *fn, const char *name,
                               const float *data, size_t stride, size_t rows, size_t cols);

/* Half the float32 range: a sum of float32 terms whose absolute values add up to no more
 * than this cannot overflow, rounding included. */
#define OPT_FLOAT_SAFE 1.7e38

/* Non-zero when every element of the view is finite. */
int opt_view_finite(const optima_tensor *view);

/* The largest |element| of the view; +∞ when an element is ∞ or NaN. */
float opt_view_max_abs(const optima_tensor *view);

/* Non-zero when a float32 gradient g = c·d (|c| ≤ |coef|, d a float32 or float64
 * difference) cannot overflow, knowing Σ d² = @p sum_squares ≥ max d²: every |d| and
 * every |c·d| stays within OPT_FLOAT_SAFE. Zero for a non-finite sum. */
int opt_gradient_fits(double coef, double sum_squares);

/* How many of @p rows mask bytes are non-zero (all rows for a NULL mask). */
size_t opt_mask_count(const uint8_t *mask, size_t rows);

/* Zero rows × cols floats of a strided buffer. */
void opt_zero_rows(float *data, size_t stride, size_t rows, size_t cols);

/* A temperature that is finite and within [OPTIMA_TEMPERATURE_MIN, OPTIMA_TEMPERATURE_MAX]. */
optima_status opt_check_temperature(const opt_errslot *slot, const char *fn, double temperature);

#endif /* OPT_MATH_VIEWS_H */
