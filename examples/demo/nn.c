/* Layers for the demo's models: forward and backward, float32, row-major. */
#include "nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void nn_ctx_init(nn_ctx *c, int threads)
{
    c->threads = threads < 1 ? 1 : threads;
    bli_rntm_init(&c->rntm);
    bli_rntm_set_num_threads((dim_t)c->threads, &c->rntm);
}

void nn_gemm(const nn_ctx *c, int ta, int tb, size_t m, size_t n, size_t k, float alpha,
             const float *a, size_t lda, const float *b, size_t ldb, float beta, float *cm,
             size_t ldc)
{
    if (m == 0 || n == 0) return;
    /* BLIS's signatures are not const-correct; it reads a copy of the runtime object. */
    rntm_t rntm = c->rntm;
    bli_sgemm_ex(ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
                 (dim_t)m, (dim_t)n, (dim_t)k, &alpha, (float *)a, (inc_t)lda, 1, (float *)b,
                 (inc_t)ldb, 1, &beta, cm, (inc_t)ldc, 1, NULL, &rntm);
}

/* --- parameters ------------------------------------------------------------------------- */

void nn_params_init(nn_params *p) { memset(p, 0, sizeof *p); }

void nn_params_free(nn_params *p)
{
    for (size_t i = 0; i < p->count; ++i) {
        free(p->items[i].value);
        free(p->items[i].grad);
    }
    free(p->items);
    nn_params_init(p);
}

float *nn_params_add(nn_params *p, size_t size, int decay, float **grad)
{
    if (p->count == p->capacity) {
        const size_t cap = p->capacity ? 2 * p->capacity : 16;
        nn_tensor *items = realloc(p->items, cap * sizeof *items);
        if (items == NULL) return NULL;
        p->items = items;
        p->capacity = cap;
    }
    float *v = calloc(size, sizeof(float));
    float *g = calloc(size, sizeof(float));
    if (v == NULL || g == NULL) {
        free(v);
        free(g);
        return NULL;
    }
    p->items[p->count++] = (nn_tensor){v, g, size, decay};
    p->total += size;
    *grad = g;
    return v;
}

void nn_params_zero_grad(nn_params *p)
{
    for (size_t i = 0; i < p->count; ++i)
        memset(p->items[i].grad, 0, p->items[i].size * sizeof(float));
}

static void fill_gaussian(float *v, size_t n, float std, demo_rng *r)
{
    for (size_t i = 0; i < n; ++i) v[i] = std * (float)demo_rng_gaussian(r);
}

/* --- linear ----------------------------------------------------------------------------- */

int nn_linear_init(nn_linear *l, nn_params *p, size_t in, size_t out, float std, demo_rng *r)
{
    l->in = in;
    l->out = out;
    l->w = nn_params_add(p, in * out, 1, &l->dw);
    if (l->w == NULL) return -1;
    l->b = nn_params_add(p, out, 0, &l->db);
    if (l->b == NULL) return -1;
    fill_gaussian(l->w, in * out, std, r);
    return 0;
}

void nn_linear_forward(const nn_linear *l, const nn_ctx *c, const float *x, size_t n, float *y)
{
    for (size_t i = 0; i < n; ++i) memcpy(y + i * l->out, l->b, l->out * sizeof(float));
    nn_gemm(c, 0, 0, n, l->out, l->in, 1.0f, x, l->in, l->w, l->out, 1.0f, y, l->out);
}

void nn_linear_backward(const nn_linear *l, const nn_ctx *c, const float *x, const float *dy,
                        size_t n, float *dx, int accumulate)
{
    nn_gemm(c, 1, 0, l->in, l->out, n, 1.0f, x, l->in, dy, l->out, 1.0f, l->dw, l->out);
    for (size_t i = 0; i < n; ++i) {
        const float *row = dy + i * l->out;
        for (size_t j = 0; j < l->out; ++j) l->db[j] += row[j];
    }
    if (dx != NULL)
        nn_gemm(c, 0, 1, n, l->in, l->out, 1.0f, dy, l->out, l->w, l->out,
                accumulate ? 1.0f : 0.0f, dx, l->in);
}

/* --- GELU ------------------------------------------------------------------------------- */

#define GELU_K 0.7978845608028654f /* sqrt(2 / pi) */
#define GELU_C 0.044715f

/* tanh from one expf: glibc's tanhf goes through expm1f and cost a third of a training
 * step. expf overflowing to inf still gives the right limit (1). */
static inline float fast_tanh(float u) { return 1.0f - 2.0f / (1.0f + expf(2.0f * u)); }

void nn_gelu_forward(const float *x, size_t count, float *y)
{
    for (size_t i = 0; i < count; ++i) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + fast_tanh(GELU_K * (v + GELU_C * v * v * v)));
    }
}

void nn_gelu_backward(const float *x, const float *dy, size_t count, float *dx)
{
    for (size_t i = 0; i < count; ++i) {
        const float v = x[i];
        if (fabsf(v) > 10.0f) { /* saturated: gelu' is 1 or 0 (and v^2 may overflow) */
            dx[i] = v > 0.0f ? dy[i] : 0.0f;
            continue;
        }
        const float t = fast_tanh(GELU_K * (v + GELU_C * v * v * v));
        const float d = 0.5f * (1.0f + t) +
                        0.5f * v * (1.0f - t * t) * GELU_K * (1.0f + 3.0f * GELU_C * v * v);
        dx[i] = dy[i] * d;
    }
}

/* --- layer normalisation ---------------------------------------------------------------- */

int nn_layernorm_init(nn_layernorm *l, nn_params *p, size_t dim)
{
    l->dim = dim;
    l->gamma = nn_params_add(p, dim, 0, &l->dgamma);
    if (l->gamma == NULL) return -1;
    l->beta = nn_params_add(p, dim, 0, &l->dbeta);
    if (l->beta == NULL) return -1;
    for (size_t j = 0; j < dim; ++j) l->gamma[j] = 1.0f;
    return 0;
}

void nn_layernorm_forward(const nn_layernorm *l, const float *x, size_t n, float *y,
                          float *mean, float *rstd)
{
    const size_t d = l->dim;
    for (size_t i = 0; i < n; ++i) {
        const float *xr = x + i * d;
        float *yr = y + i * d;
        float mu = 0.0f;
        for (size_t j = 0; j < d; ++j) mu += xr[j];
        mu /= (float)d;
        float var = 0.0f;
        for (size_t j = 0; j < d; ++j) var += (xr[j] - mu) * (xr[j] - mu);
        var /= (float)d;
        const float rs = 1.0f / sqrtf(var + NN_LAYERNORM_EPS);
        for (size_t j = 0; j < d; ++j) yr[j] = (xr[j] - mu) * rs * l->gamma[j] + l->beta[j];
        mean[i] = mu;
        rstd[i] = rs;
    }
}

void nn_layernorm_backward(const nn_layernorm *l, const float *x, const float *dy, size_t n,
                           const float *mean, const float *rstd, float *dx, int accumulate)
{
    const size_t d = l->dim;
    for (size_t i = 0; i < n; ++i) {
        const float *xr = x + i * d;
        const float *dyr = dy + i * d;
        float *dxr = dx + i * d;
        /* With xh = (x - mu) * rs and g = dy * gamma:
         * dx = rs * (g - mean(g) - xh * mean(g * xh)). */
        float sum_g = 0.0f, sum_gx = 0.0f;
        for (size_t j = 0; j < d; ++j) {
            const float xh = (xr[j] - mean[i]) * rstd[i];
            const float g = dyr[j] * l->gamma[j];
            l->dgamma[j] += dyr[j] * xh;
            l->dbeta[j] += dyr[j];
            sum_g += g;
            sum_gx += g * xh;
        }
        const float mg = sum_g / (float)d, mgx = sum_gx / (float)d;
        for (size_t j = 0; j < d; ++j) {
            const float xh = (xr[j] - mean[i]) * rstd[i];
            const float v = rstd[i] * (dyr[j] * l->gamma[j] - mg - xh * mgx);
            dxr[j] = accumulate ? dxr[j] + v : v;
        }
    }
}

/* --- embedding with masked mean pooling ------------------------------------------------- */

int nn_embedding_init(nn_embedding *e, nn_params *p, size_t vocab, size_t dim, float std,
                      demo_rng *r)
{
    e->vocab = vocab;
    e->dim = dim;
    e->table = nn_params_add(p, vocab * dim, 1, &e->dtable);
    if (e->table == NULL) return -1;
    fill_gaussian(e->table, vocab * dim, std, r);
    return 0;
}

static size_t count_tokens(const uint8_t *seq, size_t len, uint8_t pad)
{
    size_t k = 0;
    for (size_t t = 0; t < len; ++t) k += seq[t] != pad;
    return k;
}

void nn_embedding_pool_forward(const nn_embedding *e, const uint8_t *tokens, size_t n,
                               size_t len, uint8_t pad, float *y)
{
    const size_t d = e->dim;
    for (size_t i = 0; i < n; ++i) {
        const uint8_t *seq = tokens + i * len;
        float *yr = y + i * d;
        memset(yr, 0, d * sizeof(float));
        const size_t k = count_tokens(seq, len, pad);
        if (k == 0) continue;
        const float inv = 1.0f / (float)k;
        for (size_t t = 0; t < len; ++t) {
            if (seq[t] == pad) continue;
            const float *row = e->table + (size_t)seq[t] * d;
            for (size_t j = 0; j < d; ++j) yr[j] += inv * row[j];
        }
    }
}

void nn_embedding_pool_backward(const nn_embedding *e, const uint8_t *tokens, size_t n,
                                size_t len, uint8_t pad, const float *dy)
{
    const size_t d = e->dim;
    for (size_t i = 0; i < n; ++i) {
        const uint8_t *seq = tokens + i * len;
        const size_t k = count_tokens(seq, len, pad);
        if (k == 0) continue;
        const float inv = 1.0f / (float)k;
        for (size_t t = 0; t < len; ++t) {
            if (seq[t] == pad) continue;
            float *row = e->dtable + (size_t)seq[t] * d;
            for (size_t j = 0; j < d; ++j) row[j] += inv * dy[i * d + j];
        }
    }
}

/* --- softmax cross-entropy -------------------------------------------------------------- */

float nn_softmax_xent(const float *logits, const uint8_t *labels, size_t n, size_t classes,
                      float *dlogits)
{
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const float *z = logits + i * classes;
        float mx = z[0];
        for (size_t j = 1; j < classes; ++j) mx = z[j] > mx ? z[j] : mx;
        float sum = 0.0f;
        for (size_t j = 0; j < classes; ++j) sum += expf(z[j] - mx);
        const float lse = mx + logf(sum);
        total += (double)(lse - z[labels[i]]);
        if (dlogits == NULL) continue;
        for (size_t j = 0; j < classes; ++j) {
            const float p = expf(z[j] - lse);
            dlogits[i * classes + j] = (p - (j == labels[i] ? 1.0f : 0.0f)) / (float)n;
        }
    }
    return n ? (float)(total / (double)n) : 0.0f;
}

size_t nn_argmax(const float *row, size_t count)
{
    size_t best = 0;
    for (size_t j = 1; j < count; ++j)
        if (row[j] > row[best]) best = j;
    return best;
}

/* --- residual MLP block ----------------------------------------------------------------- */

int nn_block_init(nn_block *b, nn_params *p, size_t width, size_t hidden, float out_scale,
                  demo_rng *r)
{
    b->width = width;
    b->hidden = hidden;
    if (nn_layernorm_init(&b->ln, p, width) != 0) return -1;
    if (nn_linear_init(&b->fc1, p, width, hidden, sqrtf(2.0f / (float)width), r) != 0) return -1;
    return nn_linear_init(&b->fc2, p, hidden, width, out_scale / sqrtf((float)hidden), r);
}

int nn_block_cache_alloc(nn_block_cache *c, size_t width, size_t hidden, size_t max_batch)
{
    c->u = malloc(max_batch * width * sizeof(float));
    c->mean = malloc(max_batch * sizeof(float));
    c->rstd = malloc(max_batch * sizeof(float));
    c->a = malloc(max_batch * hidden * sizeof(float));
    c->g = malloc(max_batch * hidden * sizeof(float));
    if (c->u && c->mean && c->rstd && c->a && c->g) return 0;
    nn_block_cache_free(c);
    return -1;
}

void nn_block_cache_free(nn_block_cache *c)
{
    free(c->u);
    free(c->mean);
    free(c->rstd);
    free(c->a);
    free(c->g);
    memset(c, 0, sizeof *c);
}

int nn_block_scratch_alloc(nn_block_scratch *s, size_t width, size_t hidden, size_t max_batch)
{
    s->dg = malloc(max_batch * hidden * sizeof(float));
    s->du = malloc(max_batch * width * sizeof(float));
    if (s->dg && s->du) return 0;
    nn_block_scratch_free(s);
    return -1;
}

void nn_block_scratch_free(nn_block_scratch *s)
{
    free(s->dg);
    free(s->du);
    memset(s, 0, sizeof *s);
}

void nn_block_forward(const nn_block *b, const nn_ctx *c, const float *x, size_t n,
                      nn_block_cache *cache, float *y)
{
    nn_layernorm_forward(&b->ln, x, n, cache->u, cache->mean, cache->rstd);
    nn_linear_forward(&b->fc1, c, cache->u, n, cache->a);
    nn_gelu_forward(cache->a, n * b->hidden, cache->g);
    nn_linear_forward(&b->fc2, c, cache->g, n, y);
    for (size_t i = 0; i < n * b->width; ++i) y[i] += x[i];
}

void nn_block_backward(const nn_block *b, const nn_ctx *c, const float *x, const float *dy,
                       size_t n, const nn_block_cache *cache, nn_block_scratch *s, float *dx)
{
    nn_linear_backward(&b->fc2, c, cache->g, dy, n, s->dg, 0);
    nn_gelu_backward(cache->a, s->dg, n * b->hidden, s->dg);
    nn_linear_backward(&b->fc1, c, cache->u, s->dg, n, s->du, 0);
    memcpy(dx, dy, n * b->width * sizeof(float)); /* the residual path */
    nn_layernorm_backward(&b->ln, x, s->du, n, cache->mean, cache->rstd, dx, 1);
}

/* --- AdamW ------------------------------------------------------------------------------ */

int nn_adamw_init(nn_adamw *o, const nn_params *p, float weight_decay)
{
    o->beta1 = 0.9f;
    o->beta2 = 0.999f;
    o->eps = 1e-8f;
    o->weight_decay = weight_decay;
    o->t = 0;
    o->m = calloc(p->total ? p->total : 1, sizeof(float));
    o->v = calloc(p->total ? p->total : 1, sizeof(float));
    if (o->m && o->v) return 0;
    nn_adamw_free(o);
    return -1;
}

void nn_adamw_free(nn_adamw *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

void nn_adamw_step(nn_adamw *o, nn_params *p, float lr)
{
    o->t += 1;
    const float c1 = 1.0f - powf(o->beta1, (float)o->t);
    const float c2 = 1.0f - powf(o->beta2, (float)o->t);
    size_t off = 0;
    for (size_t k = 0; k < p->count; ++k) {
        nn_tensor *t = &p->items[k];
        float *m = o->m + off, *v = o->v + off;
        const float decay = t->decay ? 1.0f - lr * o->weight_decay : 1.0f;
        for (size_t i = 0; i < t->size; ++i) {
            const float g = t->grad[i];
            m[i] = o->beta1 * m[i] + (1.0f - o->beta1) * g;
            v[i] = o->beta2 * v[i] + (1.0f - o->beta2) * g * g;
            const float mh = m[i] / c1, vh = v[i] / c2;
            t->value[i] = t->value[i] * decay - lr * mh / (sqrtf(vh) + o->eps);
        }
        off += t->size;
    }
}
