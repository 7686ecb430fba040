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
#include "clones.h"
#include "lanes.h"

static void opt_exp_shifted(const float *z, float m, float inv_t, size_t n, float *e)
{
    for (size_t i = 0; i < n; ++i) e[i] = opt_expf((z[i] - m) * inv_t);
}

OPT_VECTOR_CLONES
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
        const float mt = opt_lanes_max(t, n), ms = opt_lanes_max(s, n);
        opt_exp_shifted(t, mt, (float)inv_t, n, et);
        opt_exp_shifted(s, ms, (float)inv_t, n, es);
        const double st = opt_lanes_sum(et, n), ss = opt_lanes_sum(es, n);
        const double cross = opt_lanes_weighted_diff(et, t, s, n);
        const double kl = cross / st * inv_t - ((double)mt - (double)ms) * inv_t - log(st) +
                          log(ss);
        total += w * kl;
        if (g == NULL) continue;
        const float cq = (float)((double)coef * w / ss), cp = (float)((double)coef * w / st);
        float *gr = g + r * gs;
        for (size_t i = 0; i < n; ++i) gr[i] = cq * es[i] - cp * et[i];
    }
    return total;
}
