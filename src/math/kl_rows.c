/* The temperature-scaled KL row kernel with a stable log-softmax.
 *
 * Per row, with mt, ms the row maxima, et_j = e^{(zt_j − mt)/T}, es_j = e^{(zs_j − ms)/T},
 * St = Σ et, Ss = Σ es (so p = et/St, q = es/Ss):
 *   KL = Σ p (log p − log q) = (Σ et (zt − zs))/(St·T) − (mt − ms)/T − log St + log Ss,
 * which needs no log per element and never forms 0·log 0. The exponentials are kept in
 * @p scratch for the gradient q − p, so each is computed once.
 *
 * Two exponentials per element make this kernel arithmetic-bound (about 50 vector
 * operations per 16 elements, 20 per exponential: 2^x with log2 e folded into 1/T, see
 * fastexp.h), so it is written with 16-lane vectors (vec16.h) and its sums are taken in
 * float lanes over blocks of OPT_KL_BLOCK elements, each block's lanes then added to
 * float64 lanes, which are summed along a fixed tree once per row: a float lane adds at
 * most 16 terms, so the sums stay as accurate as the float32 exponentials they add, at a
 * third of the cost of float64 lanes. Three passes per row (maxima, unless the stateless
 * function's scan took them; exponentials and their sums; gradient and the cross term),
 * the later ones on data already in L1. */
#include "rowloss.h"

#include <math.h>

#include "clones.h"
#include "fastexp.h"
#include "vec16.h"

#define OPT_KL_BLOCK 256

/* Row maxima of a and b (n ≥ 1); a NaN may or may not win: the cross term catches it. */
OPT_INLINE void opt_row_maxima(const float *a, const float *b, size_t n, float *ma, float *mb)
{
    float ra = a[0], rb = b[0];
    size_t i = 0;
    if (n >= OPT_V16) {
        opt_v16f x, y;
        opt_v16_load(&x, a);
        opt_v16_load(&y, b);
        for (i = OPT_V16; i + OPT_V16 <= n; i += OPT_V16) {
            opt_v16_max_into(&x, a + i);
            opt_v16_max_into(&y, b + i);
        }
        for (int j = 0; j < OPT_V16; ++j) {
            ra = x[j] > ra ? x[j] : ra;
            rb = y[j] > rb ? y[j] : rb;
        }
    }
    for (; i < n; ++i) {
        ra = a[i] > ra ? a[i] : ra;
        rb = b[i] > rb ? b[i] : rb;
    }
    *ma = ra;
    *mb = rb;
}

/* End of the block starting at i: OPT_KL_BLOCK elements, or the whole vectors left
 * (i itself when none is left). */
OPT_INLINE size_t opt_block_end(size_t i, size_t n)
{
    return n - i >= OPT_KL_BLOCK ? i + OPT_KL_BLOCK : n - (n - i) % OPT_V16;
}

/* e_i = 2^{(z_i − m)·k} over n, a multiple of OPT_V16 up to OPT_KL_BLOCK; adds Σ e to
 * @p sum's lanes (next: the same place one row on, fetched into the cache meanwhile). */
OPT_INLINE void opt_exp_block(const float *z, float m, float k, size_t n, float *e,
                              const float *next, opt_v8d sum[2])
{
    opt_v16f acc = {0};
    for (size_t i = 0; i < n; i += OPT_V16) {
        __builtin_prefetch(next + i, 0, 3);
        opt_v16f x;
        opt_v16_load(&x, z + i);
        x = (x - m) * k;
        opt_v16_exp2(&x);
        opt_v16_store(e + i, &x);
        acc += x;
    }
    opt_v16_add_wide(sum, &acc);
}

/* The same for the n < OPT_V16 elements after the last whole vector. */
OPT_INLINE double opt_exp_tail(const float *z, float m, float k, size_t n, float *e)
{
    float x[OPT_V16];
    for (size_t i = 0; i < n; ++i) x[i] = (z[i] - m) * k;
    opt_exp2_lanes(x, n, e);
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) total += (double)e[i];
    return total;
}

/* e_i = 2^{(z_i − m)·k} over a row (k = log2 e/T, so e_i = e^{(z_i − m)/T}); returns Σ e.
 * Sums are float lanes within a block, float64 lanes across blocks, added along a tree
 * once per row. */
OPT_INLINE double opt_exp_row(const float *z, float m, float k, size_t n, float *e,
                              const float *next)
{
    opt_v8d sum[2] = {{0}};
    size_t i = 0;
    for (size_t end; (end = opt_block_end(i, n)) > i; i = end)
        opt_exp_block(z + i, m, k, end - i, e + i, next + i, sum);
    return opt_wide_sum(sum) + opt_exp_tail(z + i, m, k, n - i, e + i);
}

/* Over n, a multiple of OPT_V16 up to OPT_KL_BLOCK: g_i = cq·es_i − cp·et_i unless g is
 * NULL; adds Σ et_i·(t_i − s_i) to @p sum's lanes. */
OPT_INLINE void opt_grad_cross_block(const float *et, const float *es, const float *t,
                                     const float *s, float cq, float cp, size_t n, float *g,
                                     const float *gnext, opt_v8d sum[2])
{
    opt_v16f acc = {0};
    for (size_t i = 0; i < n; i += OPT_V16) {
        opt_v16f a, b, x, y;
        opt_v16_load(&a, et + i);
        opt_v16_load(&x, t + i);
        opt_v16_load(&y, s + i);
        acc += a * (x - y);
        if (g == NULL) continue;
        __builtin_prefetch(gnext + i, 1, 3);
        opt_v16_load(&b, es + i);
        const opt_v16f gv = b * cq - a * cp;
        opt_v16_store(g + i, &gv);
    }
    opt_v16_add_wide(sum, &acc);
}

/* The gradient row and the cross term Σ et·(t − s) of a row. */
OPT_INLINE double opt_grad_cross_row(const float *et, const float *es, const float *t,
                                     const float *s, float cq, float cp, size_t n, float *g,
                                     const float *gnext)
{
    opt_v8d sum[2] = {{0}};
    size_t i = 0;
    for (size_t end; (end = opt_block_end(i, n)) > i; i = end)
        opt_grad_cross_block(et + i, es + i, t + i, s + i, cq, cp, end - i,
                             g == NULL ? NULL : g + i, g == NULL ? NULL : gnext + i, sum);
    double total = opt_wide_sum(sum);
    for (; i < n; ++i) {
        total += (double)(et[i] * (t[i] - s[i]));
        if (g != NULL) g[i] = cq * es[i] - cp * et[i];
    }
    return total;
}

/* NaN when some t_i or s_i is not finite or some |t_i − s_i| exceeds FLT_MAX/32, else 0:
 * the cross term's float lanes then add at most 16 terms below FLT_MAX/32 each. */
OPT_INLINE float opt_diff_flag(const float *t, const float *s, size_t n)
{
    opt_v16f acc = {0};
    size_t i = 0;
    for (; i + OPT_V16 <= n; i += OPT_V16) {
        opt_v16f x, y;
        opt_v16_load(&x, t + i);
        opt_v16_load(&y, s + i);
        acc += (x - y) * 32.0f * 0.0f;
    }
    float flag = 0.0f;
    for (int j = 0; j < OPT_V16; ++j) flag += acc[j];
    for (; i < n; ++i) flag += (t[i] - s[i]) * 32.0f * 0.0f;
    return flag;
}

OPT_VECTOR_CLONES
double opt_kl_scan_rows(const optima_tensor *zs, const optima_tensor *zt, float *maxima)
{
    const size_t n = zs->cols;
    double flag = 0.0;
    for (size_t r = 0; r < zs->rows; ++r) {
        const float *s = zs->data + r * zs->row_stride;
        const float *t = zt->data + r * zt->row_stride;
        opt_row_maxima(t, s, n, &maxima[2 * r], &maxima[2 * r + 1]);
        flag += opt_diff_flag(t, s, n);
    }
    return flag;
}

OPT_VECTOR_CLONES
double opt_kl_rows(const optima_tensor *zs, const optima_tensor *zt, const uint8_t *mask,
                   double temperature, float coef, float *g, size_t gs, float *scratch,
                   const float *maxima)
{
    const size_t n = zs->cols;
    const double inv_t = 1.0 / temperature;
    const float k = (float)(OPT_LOG2E / temperature); /* e^{x/T} = 2^{x·k} */
    float *et = scratch, *es = scratch + n;
    double total = 0.0;
    for (size_t r = 0; r < zs->rows; ++r) {
        const double w = mask == NULL || mask[r] != 0 ? 1.0 : 0.0;
        const float *s = zs->data + r * zs->row_stride;
        const float *t = zt->data + r * zt->row_stride;
        float mt, ms;
        if (maxima != NULL) {
            mt = maxima[2 * r];
            ms = maxima[2 * r + 1];
        } else {
            opt_row_maxima(t, s, n, &mt, &ms);
        }
        const size_t next = r + 1 < zs->rows ? 1 : 0;
        const double st = opt_exp_row(t, mt, k, n, et, t + next * zt->row_stride);
        const double ss = opt_exp_row(s, ms, k, n, es, s + next * zs->row_stride);
        const float cq = (float)((double)coef * w / ss), cp = (float)((double)coef * w / st);
        float *gr = g == NULL ? NULL : g + r * gs;
        const double cross = opt_grad_cross_row(et, es, t, s, cq, cp, n, gr,
                                                gr == NULL ? gr : gr + next * gs);
        const double kl = cross / st * inv_t - ((double)mt - (double)ms) * inv_t - log(st) +
                          log(ss);
        total += w * kl;
    }
    return total;
}
