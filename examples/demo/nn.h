/* Small reusable layers for the demo's models: float32, row-major, batch in rows.
 *
 * Layers hold parameters only; activations live in buffers the caller sized at setup,
 * so a training step allocates nothing. Parameters and their gradients are registered in
 * an nn_params list, which the optimizer walks and the teacher cache saves. Backward
 * functions ADD to parameter gradients (call nn_params_zero_grad once per step) and
 * write or add the input gradient as told by `accumulate`.
 *
 * Products go through BLIS (bli_sgemm_ex) with the runtime object of an nn_ctx, so two
 * runs in one process can use different thread counts without global state. */
#ifndef DEMO_NN_H
#define DEMO_NN_H

#include <stddef.h>
#include <stdint.h>

#include <blis.h>

#include "rng.h"

/* Per-run compute settings: the BLIS runtime object (thread count). */
typedef struct nn_ctx {
    rntm_t rntm;
    int threads;
} nn_ctx;

void nn_ctx_init(nn_ctx *c, int threads);

/* C = alpha * op(A) * op(B) + beta * C, row-major, op = transpose when t* is non-zero;
 * op(A) is m x k, op(B) is k x n, C is m x n. */
void nn_gemm(const nn_ctx *c, int ta, int tb, size_t m, size_t n, size_t k, float alpha,
             const float *a, size_t lda, const float *b, size_t ldb, float beta, float *cm,
             size_t ldc);

/* One parameter tensor and its gradient. `decay` marks weights that AdamW decays
 * (matrices and embeddings; not biases nor normalisation gains). */
typedef struct nn_tensor {
    float *value;
    float *grad;
    size_t size;
    int decay;
} nn_tensor;

typedef struct nn_params {
    nn_tensor *items;
    size_t count, capacity;
    size_t total; /* sum of sizes */
} nn_params;

void nn_params_init(nn_params *p);
void nn_params_free(nn_params *p);
/* Allocates a zeroed tensor of `size` floats (and its gradient) and registers it; NULL when
 * out of memory. */
float *nn_params_add(nn_params *p, size_t size, int decay, float **grad);
void nn_params_zero_grad(nn_params *p);

/* y = x W + b with W (in x out) and b (out). */
typedef struct nn_linear {
    size_t in, out;
    float *w, *b, *dw, *db;
} nn_linear;

/* Weights ~ N(0, std^2), bias 0. Returns 0, or -1 when out of memory. */
int nn_linear_init(nn_linear *l, nn_params *p, size_t in, size_t out, float std, demo_rng *r);
void nn_linear_forward(const nn_linear *l, const nn_ctx *c, const float *x, size_t n, float *y);
/* dW += x^T dy, db += column sums of dy; dx = dy W^T (or dx += ... when accumulate),
 * skipped when dx is NULL. */
void nn_linear_backward(const nn_linear *l, const nn_ctx *c, const float *x, const float *dy,
                        size_t n, float *dx, int accumulate);

/* GELU, tanh approximation, elementwise over `count` values; y may alias x. */
void nn_gelu_forward(const float *x, size_t count, float *y);
/* dx = dy * gelu'(x); dx may alias dy. */
void nn_gelu_backward(const float *x, const float *dy, size_t count, float *dx);

/* Layer normalisation over each row: y = (x - mean) / sqrt(var + eps) * gamma + beta. */
typedef struct nn_layernorm {
    size_t dim;
    float *gamma, *beta, *dgamma, *dbeta;
} nn_layernorm;

#define NN_LAYERNORM_EPS 1e-5f

int nn_layernorm_init(nn_layernorm *l, nn_params *p, size_t dim);
/* mean and rstd (n floats each) keep what backward needs. */
void nn_layernorm_forward(const nn_layernorm *l, const float *x, size_t n, float *y,
                          float *mean, float *rstd);
void nn_layernorm_backward(const nn_layernorm *l, const float *x, const float *dy, size_t n,
                           const float *mean, const float *rstd, float *dx, int accumulate);

/* Token embedding followed by the mean over the non-padding tokens of each sequence.
 * tokens: n x len; token `pad` is ignored; a sequence of padding only pools to zeros. */
typedef struct nn_embedding {
    size_t vocab, dim;
    float *table, *dtable;
} nn_embedding;

int nn_embedding_init(nn_embedding *e, nn_params *p, size_t vocab, size_t dim, float std,
                      demo_rng *r);
void nn_embedding_pool_forward(const nn_embedding *e, const uint8_t *tokens, size_t n,
                               size_t len, uint8_t pad, float *y);
void nn_embedding_pool_backward(const nn_embedding *e, const uint8_t *tokens, size_t n,
                                size_t len, uint8_t pad, const float *dy);

/* Mean softmax cross-entropy over n rows of `classes` logits (stable log-sum-exp).
 * When dlogits is not NULL it receives d(mean loss)/d(logits) = (softmax - onehot) / n. */
float nn_softmax_xent(const float *logits, const uint8_t *labels, size_t n, size_t classes,
                      float *dlogits);
size_t nn_argmax(const float *row, size_t count);

/* Pre-norm residual MLP block: y = x + W2 gelu(W1 LN(x) + b1) + b2, width -> hidden -> width. */
typedef struct nn_block {
    size_t width, hidden;
    nn_layernorm ln;
    nn_linear fc1, fc2;
} nn_block;

/* What one block's forward keeps for its backward, sized for max_batch rows. */
typedef struct nn_block_cache {
    float *u;          /* LN(x), n x width */
    float *mean, *rstd;
    float *a;          /* pre-activation, n x hidden */
    float *g;          /* gelu(a), n x hidden */
} nn_block_cache;

/* Scratch shared by the backward passes of blocks of at most this width and hidden size. */
typedef struct nn_block_scratch {
    float *dg;         /* n x hidden */
    float *du;         /* n x width */
} nn_block_scratch;

/* fc2's weights are scaled by `out_scale` so a deep stack starts close to the identity. */
int nn_block_init(nn_block *b, nn_params *p, size_t width, size_t hidden, float out_scale,
                  demo_rng *r);
int nn_block_cache_alloc(nn_block_cache *c, size_t width, size_t hidden, size_t max_batch);
void nn_block_cache_free(nn_block_cache *c);
int nn_block_scratch_alloc(nn_block_scratch *s, size_t width, size_t hidden, size_t max_batch);
void nn_block_scratch_free(nn_block_scratch *s);
void nn_block_forward(const nn_block *b, const nn_ctx *c, const float *x, size_t n,
                      nn_block_cache *cache, float *y);
/* dx = dy + d(branch)/dx (written, never accumulated; dx may not alias dy). */
void nn_block_backward(const nn_block *b, const nn_ctx *c, const float *x, const float *dy,
                       size_t n, const nn_block_cache *cache, nn_block_scratch *s, float *dx);

/* AdamW (Loshchilov and Hutter): decoupled weight decay on tensors marked `decay`. */
typedef struct nn_adamw {
    float beta1, beta2, eps, weight_decay;
    uint64_t t;
    float *m, *v; /* one slot per parameter, in nn_params order */
} nn_adamw;

int nn_adamw_init(nn_adamw *o, const nn_params *p, float weight_decay);
void nn_adamw_free(nn_adamw *o);
void nn_adamw_step(nn_adamw *o, nn_params *p, float lr);

#endif
