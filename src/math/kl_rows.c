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
 * third of the cost of float64 lanes.
 *
 * Two loops per row: the maxima (unless the stateless function's scan took them), then
 * one fused loop that computes both rows' exponentials, their sums and the cross term,
 * and meanwhile writes the previous row's gradient from its exponentials in scratch (two
 * rows of them, in turn). Written at the end of each row instead, the gradient's stores
 * miss the cache in a burst that stalls the arithmetic; spread over the next row's loop
 * they overlap it (KL of 4096 × 1000: 10–15 % faster, docs/losses.md). */
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

/* A row's sums: Σ et and Σ es in float64 lanes, and the cross term Σ et·(t − s). */
typedef struct opt_kl_sums {
    opt_v8d t[2], s[2], cross[2];
} opt_kl_sums;

/* The gradient row still to be written: the previous row's, written while the fused loop
 * computes this row's exponentials, so that its stores (which miss the cache) overlap
 * arithmetic instead of stalling in a burst at the end of the row. */
typedef struct opt_kl_pending {
    const float *et, *es; /* that row's exponentials (scratch) */
    float cq, cp;         /* g = cq·es − cp·et */
    float *g;             /* its gradient row; NULL when there is none */
    float *gnext;         /* the row written after it, fetched meanwhile */
} opt_kl_pending;

/* Over n, a multiple of OPT_V16 up to OPT_KL_BLOCK, from element i of a row: et = 2^{(t −
 * mt)·k}, es = 2^{(s − ms)·k} into scratch, their sums and the cross term into @p sum's
 * lanes, and the pending row's gradient (tnext, snext: the next row, fetched meanwhile). */
OPT_INLINE void opt_kl_block(const float *t, const float *s, float mt, float ms, float k,
                             size_t i, size_t n, float *et, float *es, const float *tnext,
                             const float *snext, const opt_kl_pending *pend, opt_kl_sums *sum)
{
    opt_v16f at = {0}, as = {0}, ac = {0};
    for (const size_t end = i + n; i < end; i += OPT_V16) {
        __builtin_prefetch(tnext + i, 0, 3);
        __builtin_prefetch(snext + i, 0, 3);
        opt_v16f x, y;
        opt_v16_load(&x, t + i);
        opt_v16_load(&y, s + i);
        opt_v16f u = (x - mt) * k, v = (y - ms) * k;
        opt_v16_exp2(&u);
        opt_v16_exp2(&v);
        opt_v16_store(et + i, &u);
        opt_v16_store(es + i, &v);
        at += u;
        as += v;
        ac += u * (x - y);
        if (pend->g == NULL) continue;
        __builtin_prefetch(pend->gnext + i, 1, 3);
        opt_v16f a, b;
        opt_v16_load(&a, pend->et + i);
        opt_v16_load(&b, pend->es + i);
        const opt_v16f gv = b * pend->cq - a * pend->cp;
        opt_v16_store(pend->g + i, &gv);
    }
    opt_v16_add_wide(sum->t, &at);
    opt_v16_add_wide(sum->s, &as);
    opt_v16_add_wide(sum->cross, &ac);
}

/* Σ of e_i = 2^{(z_i − m)·k} over the n < OPT_V16 elements after the last whole vector,
 * written to e. */
OPT_INLINE double opt_exp_tail(const float *z, float m, float k, size_t n, float *e)
{
    float x[OPT_V16];
    for (size_t i = 0; i < n; ++i) x[i] = (z[i] - m) * k;
    opt_exp2_lanes(x, n, e);
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) total += (double)e[i];
    return total;
}

/* Elements [i, n) of the pending row's gradient. */
OPT_INLINE void opt_kl_pending_tail(const opt_kl_pending *pend, size_t i, size_t n)
{
    for (; pend->g != NULL && i < n; ++i)
        pend->g[i] = pend->cq * pend->es[i] - pend->cp * pend->et[i];
}

/* One row (maxima mt, ms): its exponentials into et, es, Σ et, Σ es and the cross term,
 * and the pending row's gradient. The sums are float lanes within a block, float64 lanes
 * across blocks, added along a tree once per row, then the tail's terms in order. */
OPT_INLINE void opt_kl_row(const float *t, const float *s, float mt, float ms, float k, size_t n,
                           float *et, float *es, const float *tnext, const float *snext,
                           const opt_kl_pending *pend, double *st, double *ss, double *cross)
{
    opt_kl_sums sum;
    memset(&sum, 0, sizeof sum);
    size_t i = 0;
    for (size_t end; (end = opt_block_end(i, n)) > i; i = end)
        opt_kl_block(t, s, mt, ms, k, i, end - i, et, es, tnext, snext, pend, &sum);
    opt_kl_pending_tail(pend, i, n);
    *st = opt_wide_sum(sum.t) + opt_exp_tail(t + i, mt, k, n - i, et + i);
    *ss = opt_wide_sum(sum.s) + opt_exp_tail(s + i, ms, k, n - i, es + i);
    double c = opt_wide_sum(sum.cross);
    for (; i < n; ++i) c += (double)(et[i] * (t[i] - s[i]));
    *cross = c;
}

/* Writes the pending row's gradient on its own (after the last row). */
OPT_INLINE void opt_kl_flush(const opt_kl_pending *pend, size_t n)
{
    size_t i = 0;
    for (; pend->g != NULL && i + OPT_V16 <= n; i += OPT_V16) {
        opt_v16f a, b;
        opt_v16_load(&a, pend->et + i);
        opt_v16_load(&b, pend->es + i);
        const opt_v16f gv = b * pend->cq - a * pend->cp;
        opt_v16_store(pend->g + i, &gv);
    }
    opt_kl_pending_tail(pend, i, n);
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
    opt_kl_pending pend = {NULL, NULL, 0.0f, 0.0f, NULL, NULL};
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
        /* Two rows of exponentials in turn: this row's, and the pending row's. */
        float *et = scratch + (r % 2) * 2 * n, *es = et + n;
        const size_t next = r + 1 < zs->rows ? 1 : 0;
        double st, ss, cross;
        opt_kl_row(t, s, mt, ms, k, n, et, es, t + next * zt->row_stride,
                   s + next * zs->row_stride, &pend, &st, &ss, &cross);
        const double kl = cross / st * inv_t - ((double)mt - (double)ms) * inv_t - log(st) +
                          log(ss);
        total += w * kl;
        if (g == NULL) continue;
        float *gr = g + r * gs;
        const opt_kl_pending row = {et, es, (float)((double)coef * w / ss),
                                    (float)((double)coef * w / st), gr, gr + next * gs};
        pend = row;
    }
    opt_kl_flush(&pend, n);
    return total;
}
