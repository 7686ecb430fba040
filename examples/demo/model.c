/* The three-module VQA model: forward, backward with extra hidden-state gradients. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One module's residual stack: h[0] is the input stage's output, h[l + 1] block l's. */
typedef struct demo_stack {
    size_t layers, width;
    nn_block blocks[DEMO_MAX_LAYERS];
    nn_block_cache caches[DEMO_MAX_LAYERS];
    float *h[DEMO_MAX_LAYERS + 1]; /* max_batch x width each */
    float *dh[2];                  /* ping-pong gradient buffers, max_batch x width */
} demo_stack;

struct demo_model {
    demo_model_config cfg;
    size_t max_batch, n;
    nn_params params;
    nn_linear image_in;     /* pixels -> d_i */
    nn_embedding words;     /* vocab -> d_q, pooled */
    nn_linear fusion_in;    /* d_i + d_q -> d_f */
    nn_layernorm final_ln;
    nn_linear head;         /* d_f -> answers */
    demo_stack stack[DEMO_MODULES];
    nn_block_scratch scratch; /* sized for the widest module */
    /* forward buffers */
    const float *pixels;    /* the caller's, kept for backward */
    const uint8_t *tokens;
    float *concat;          /* max_batch x (d_i + d_q) */
    float *normed, *ln_mean, *ln_rstd;
    float *logits;
    /* backward buffers */
    float *dconcat, *dnormed;
};

static const char *const module_names[DEMO_MODULES] = {"image", "question", "fusion"};

const char *demo_module_name(int module)
{
    return module >= 0 && module < DEMO_MODULES ? module_names[module] : NULL;
}

static int config_error(const demo_model_config *cfg, char *err, size_t errlen)
{
    for (int m = 0; m < DEMO_MODULES; ++m) {
        if (cfg->layers[m] < 1 || cfg->layers[m] > DEMO_MAX_LAYERS) {
            snprintf(err, errlen, "model: module '%s' must have 1..%d layers, got %u",
                     module_names[m], DEMO_MAX_LAYERS, (unsigned)cfg->layers[m]);
            return 1;
        }
        if (cfg->width[m] < 1 || cfg->width[m] > 4096) {
            snprintf(err, errlen, "model: module '%s' width must be in 1..4096, got %u",
                     module_names[m], (unsigned)cfg->width[m]);
            return 1;
        }
    }
    if (cfg->input < 1 || cfg->vocab < 1 || cfg->vocab > 256 || cfg->seq_len < 1 ||
        cfg->pad >= cfg->vocab || cfg->answers < 2) {
        snprintf(err, errlen, "model: bad input, vocabulary, padding or answer count");
        return 1;
    }
    return 0;
}

static float *alloc_floats(size_t n) { return malloc((n ? n : 1) * sizeof(float)); }

static int stack_init(demo_stack *s, nn_params *p, size_t layers, size_t width,
                      size_t max_batch, demo_rng *r)
{
    s->layers = layers;
    s->width = width;
    /* Scale each branch's output so the stack's variance grows slowly with depth. */
    const float out_scale = 1.0f / sqrtf(2.0f * (float)layers);
    for (size_t l = 0; l < layers; ++l) {
        if (nn_block_init(&s->blocks[l], p, width, width, out_scale, r) != 0) return -1;
        if (nn_block_cache_alloc(&s->caches[l], width, width, max_batch) != 0) return -1;
    }
    for (size_t l = 0; l <= layers; ++l)
        if ((s->h[l] = alloc_floats(max_batch * width)) == NULL) return -1;
    for (int k = 0; k < 2; ++k)
        if ((s->dh[k] = alloc_floats(max_batch * width)) == NULL) return -1;
    return 0;
}

static void stack_free(demo_stack *s)
{
    for (size_t l = 0; l < s->layers; ++l) nn_block_cache_free(&s->caches[l]);
    for (size_t l = 0; l <= DEMO_MAX_LAYERS; ++l) free(s->h[l]);
    free(s->dh[0]);
    free(s->dh[1]);
}

static int model_build(demo_model *m, demo_rng *r)
{
    const demo_model_config *c = &m->cfg;
    const size_t b = m->max_batch;
    const size_t di = c->width[DEMO_IMAGE], dq = c->width[DEMO_QUESTION],
                 df = c->width[DEMO_FUSION];
    nn_params *p = &m->params;
    if (nn_linear_init(&m->image_in, p, c->input, di, sqrtf(2.0f / (float)c->input), r) ||
        nn_embedding_init(&m->words, p, c->vocab, dq, 1.0f, r) ||
        nn_linear_init(&m->fusion_in, p, di + dq, df, sqrtf(1.0f / (float)(di + dq)), r))
        return -1;
    for (int k = 0; k < DEMO_MODULES; ++k)
        if (stack_init(&m->stack[k], p, c->layers[k], c->width[k], b, r)) return -1;
    if (nn_layernorm_init(&m->final_ln, p, df) ||
        nn_linear_init(&m->head, p, df, c->answers, 1.0f / sqrtf((float)df), r))
        return -1;
    size_t widest = 0;
    for (int k = 0; k < DEMO_MODULES; ++k) widest = c->width[k] > widest ? c->width[k] : widest;
    if (nn_block_scratch_alloc(&m->scratch, widest, widest, b)) return -1;
    m->concat = alloc_floats(b * (di + dq));
    m->dconcat = alloc_floats(b * (di + dq));
    m->normed = alloc_floats(b * df);
    m->dnormed = alloc_floats(b * df);
    m->ln_mean = alloc_floats(b);
    m->ln_rstd = alloc_floats(b);
    m->logits = alloc_floats(b * c->answers);
    if (!m->concat || !m->dconcat || !m->normed || !m->dnormed || !m->ln_mean || !m->ln_rstd ||
        !m->logits)
        return -1;
    return 0;
}

demo_model *demo_model_create(const demo_model_config *cfg, size_t max_batch, uint64_t seed,
                              char *err, size_t errlen)
{
    if (config_error(cfg, err, errlen)) return NULL;
    if (max_batch < 1) {
        snprintf(err, errlen, "model: max_batch must be >= 1");
        return NULL;
    }
    demo_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        snprintf(err, errlen, "model: out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    m->max_batch = max_batch;
    nn_params_init(&m->params);
    demo_rng r;
    demo_rng_seed(&r, seed);
    if (model_build(m, &r) != 0) {
        snprintf(err, errlen, "model: out of memory");
        demo_model_destroy(m);
        return NULL;
    }
    return m;
}

void demo_model_destroy(demo_model *m)
{
    if (m == NULL) return;
    for (int k = 0; k < DEMO_MODULES; ++k) stack_free(&m->stack[k]);
    nn_block_scratch_free(&m->scratch);
    free(m->concat);
    free(m->dconcat);
    free(m->normed);
    free(m->dnormed);
    free(m->ln_mean);
    free(m->ln_rstd);
    free(m->logits);
    nn_params_free(&m->params);
    free(m);
}

const demo_model_config *demo_model_get_config(const demo_model *m) { return &m->cfg; }
nn_params *demo_model_params(demo_model *m) { return &m->params; }
size_t demo_model_max_batch(const demo_model *m) { return m->max_batch; }
size_t demo_model_layers(const demo_model *m, int module) { return m->stack[module].layers; }
size_t demo_model_width(const demo_model *m, int module) { return m->stack[module].width; }
size_t demo_model_batch(const demo_model *m) { return m->n; }
const float *demo_model_logits(const demo_model *m) { return m->logits; }

const float *demo_model_hidden(const demo_model *m, int module, size_t layer)
{
    return m->stack[module].h[layer + 1];
}

static void stack_forward(demo_stack *s, const nn_ctx *c, size_t n)
{
    for (size_t l = 0; l < s->layers; ++l)
        nn_block_forward(&s->blocks[l], c, s->h[l], n, &s->caches[l], s->h[l + 1]);
}

static const float *stack_output(const demo_stack *s) { return s->h[s->layers]; }

const float *demo_model_forward(demo_model *m, const nn_ctx *c, const float *pixels,
                                const uint8_t *tokens, size_t n)
{
    demo_stack *img = &m->stack[DEMO_IMAGE], *q = &m->stack[DEMO_QUESTION],
               *fu = &m->stack[DEMO_FUSION];
    m->n = n;
    m->pixels = pixels;
    m->tokens = tokens;
    nn_linear_forward(&m->image_in, c, pixels, n, img->h[0]);
    stack_forward(img, c, n);
    nn_embedding_pool_forward(&m->words, tokens, n, m->cfg.seq_len, (uint8_t)m->cfg.pad, q->h[0]);
    stack_forward(q, c, n);
    const size_t di = img->width, dq = q->width, dc = di + dq;
    for (size_t i = 0; i < n; ++i) {
        memcpy(m->concat + i * dc, stack_output(img) + i * di, di * sizeof(float));
        memcpy(m->concat + i * dc + di, stack_output(q) + i * dq, dq * sizeof(float));
    }
    nn_linear_forward(&m->fusion_in, c, m->concat, n, fu->h[0]);
    stack_forward(fu, c, n);
    nn_layernorm_forward(&m->final_ln, stack_output(fu), n, m->normed, m->ln_mean, m->ln_rstd);
    nn_linear_forward(&m->head, c, m->normed, n, m->logits);
    return m->logits;
}

static void add_into(float *dst, const float *src, size_t count)
{
    if (src == NULL) return;
    for (size_t i = 0; i < count; ++i) dst[i] += src[i];
}

/* Backward through a stack whose output gradient is in s->dh[0]; returns the buffer that
 * holds d(loss)/d(h[0]). extra[l] (may be NULL) is added at block l's output; capture[l]
 * (may be NULL) receives the gradient at block l's output, extra included. */
static float *stack_backward(demo_stack *s, const nn_ctx *c, size_t n,
                             const float *const *extra, float *const *capture,
                             nn_block_scratch *scratch)
{
    const size_t count = n * s->width;
    int cur = 0;
    for (size_t l = s->layers; l-- > 0;) {
        if (extra != NULL) add_into(s->dh[cur], extra[l], count);
        if (capture != NULL) memcpy(capture[l], s->dh[cur], count * sizeof(float));
        nn_block_backward(&s->blocks[l], c, s->h[l], s->dh[cur], n, &s->caches[l], scratch,
                          s->dh[1 - cur]);
        cur = 1 - cur;
    }
    return s->dh[cur];
}

/* The backward of demo_model_backward, with optional captures of the hidden gradients. */
static void model_backward(demo_model *m, const nn_ctx *c, const float *dlogits,
                           const demo_model_extra *extra,
                           float *(*capture)[DEMO_MAX_LAYERS])
{
    demo_stack *img = &m->stack[DEMO_IMAGE], *q = &m->stack[DEMO_QUESTION],
               *fu = &m->stack[DEMO_FUSION];
    const size_t n = m->n, di = img->width, dq = q->width, dc = di + dq;
    nn_params_zero_grad(&m->params);

    nn_linear_backward(&m->head, c, m->normed, dlogits, n, m->dnormed, 0);
    nn_layernorm_backward(&m->final_ln, stack_output(fu), m->dnormed, n, m->ln_mean,
                          m->ln_rstd, fu->dh[0], 0);
    float *dfu0 = stack_backward(fu, c, n, extra ? extra->hidden[DEMO_FUSION] : NULL,
                                 capture ? capture[DEMO_FUSION] : NULL, &m->scratch);
    nn_linear_backward(&m->fusion_in, c, m->concat, dfu0, n, m->dconcat, 0);
    for (size_t i = 0; i < n; ++i) {
        memcpy(img->dh[0] + i * di, m->dconcat + i * dc, di * sizeof(float));
        memcpy(q->dh[0] + i * dq, m->dconcat + i * dc + di, dq * sizeof(float));
    }
    float *dimg0 = stack_backward(img, c, n, extra ? extra->hidden[DEMO_IMAGE] : NULL,
                                  capture ? capture[DEMO_IMAGE] : NULL, &m->scratch);
    nn_linear_backward(&m->image_in, c, m->pixels, dimg0, n, NULL, 0);
    float *dq0 = stack_backward(q, c, n, extra ? extra->hidden[DEMO_QUESTION] : NULL,
                                capture ? capture[DEMO_QUESTION] : NULL, &m->scratch);
    nn_embedding_pool_backward(&m->words, m->tokens, n, m->cfg.seq_len, (uint8_t)m->cfg.pad, dq0);
}

void demo_model_backward(demo_model *m, const nn_ctx *c, const float *dlogits,
                         const demo_model_extra *extra)
{
    model_backward(m, c, dlogits, extra, NULL);
}

void demo_model_hidden_grads(demo_model *m, const nn_ctx *c, const float *dlogits,
                             float *out[DEMO_MODULES][DEMO_MAX_LAYERS])
{
    model_backward(m, c, dlogits, NULL, out);
}
