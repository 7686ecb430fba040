/* The temperature-scaled KL row kernel with a stable log-softmax.
 *
 * Per row, with mt, ms the row maxima, et_j = e^{(zt_j − mt)/T}, es_j = e^{(zs_j − ms)/T},
 * St = Σ et, Ss = Σ es (so p = et/St, q = es/Ss):
 *   KL = Σ p (log p − log q) = (Σ et (zt − zs))/(St·T) − (mt − ms)/T − log St + log Ss,
 * which needs no log per element and never forms 0·log 0. The exponentials are kept in
 * @p scratch for the gradient q − p, so each is computed once. */
#include "rowloss.h"

#include <math.h>

#include "fastexp.h"

#define OPT_LANES 8

static void opt_row_max(const float *a, const float *b, size_t n, float *ma, float *mb)
{
    float la[OPT_LANES], lb[OPT_LANES];
    for (size_t j = 0; j < OPT_LANES; ++j) {
        la[j] = a[0];
        lb[j] = b[0];
    }
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES) {
        for (size_t j = 0; j < OPT_LANES; ++j) {
            la[j] = a[i + j] > la[j] ? a[i + j] : la[j];
            lb[j] = b[i + j] > lb[j] ? b[i + j] : lb[j];
        }
    }
    for (; i < n; ++i) {
        la[0] = a[i] > la[0] ? a[i] : la[0];
        lb[0] = b[i] > lb[0] ? b[i] : lb[0];
    }
    for (size_t j = 1; j < OPT_LANES; ++j) {
        la[0] = la[j] > la[0] ? la[j] : la[0];
        lb[0] = lb[j] > lb[0] ? lb[j] : lb[0];
    }
    *ma = la[0];
    *mb = lb[0];
}

static void opt_exp_shifted(const float *z, float m, float inv_t, size_t n, float *e)
{
    for (size_t i = 0; i < n; ++i) e[i] = opt_expf((z[i] - m) * inv_t);
}

typedef struct opt_kl_sums {
    double st, ss, cross;
} opt_kl_sums;

/* Σ et, Σ es and Σ et·(zt − zs), the difference taken in float64 so logits of any finite
 * size cannot overflow it. */
static opt_kl_sums opt_kl_reduce(const float *et, const float *es, const float *zt,
                                 const float *zs, size_t n)
{
    double st[OPT_LANES] = {0}, ss[OPT_LANES] = {0}, cr[OPT_LANES] = {0};
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES) {
        for (size_t j = 0; j < OPT_LANES; ++j) {
            st[j] += et[i + j];
            ss[j] += es[i + j];
            cr[j] += (double)et[i + j] * ((double)zt[i + j] - (double)zs[i + j]);
        }
    }
    for (; i < n; ++i) {
        st[0] += et[i];
        ss[0] += es[i];
        cr[0] += (double)et[i] * ((double)zt[i] - (double)zs[i]);
    }
    opt_kl_sums s = {0.0, 0.0, 0.0};
    for (size_t j = 0; j < OPT_LANES; ++j) {
        s.st += st[j];
        s.ss += ss[j];
        s.cross += cr[j];
    }
    return s;
}

double opt_kl_rows(const optima_tensor *zs, const optima_tensor *zt, const uint8_t *mask,
                   double temperature, float coef, float *g, size_t gs, float *scratch)
{
    const size_t n = zs->cols;
    const double inv_t = 1.0 / temperature;
    float *et = scratch, *es = scratch + n;
    double total = 0.0;
    for (size_t r = 0; r < zs->rows; ++r) {
        const double w = mask == NULL || mask[r] != 0 ? 1.0 : 0.0;
        const float *s = zs->data + r * zs->row_stride;
        const float *t = zt->data + r * zt->row_stride;
        float mt, ms;
        opt_row_max(t, s, n, &mt, &ms);
        opt_exp_shifted(t, mt, (float)inv_t, n, et);
        opt_exp_shifted(s, ms, (float)inv_t, n, es);
        const opt_kl_sums k = opt_kl_reduce(et, es, t, s, n);
        const double kl = k.cross / k.st * inv_t - ((double)mt - (double)ms) * inv_t -
                          log(k.st) + log(k.ss);
        total += w * kl;
        if (g == NULL) continue;
        const float cq = (float)((double)coef * w / k.ss), cp = (float)((double)coef * w / k.st);
        float *gr = g + r * gs;
        for (size_t i = 0; i < n; ++i) gr[i] = cq * es[i] - cp * et[i];
    }
    return total;
}
