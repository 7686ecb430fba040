/* A three-module VQA model shaped like CoCa: an image encoder over the pixels, a question
 * encoder over word tokens, and a fusion decoder over both with the answer head.
 *
 *   image:    pixels (784) -> linear -> L_i residual MLP blocks (width d_i)
 *   question: tokens -> embedding (d_q) + masked mean pooling -> L_q blocks (d_q)
 *   fusion:   [image last | question last] -> linear -> L_f blocks (d_f) -> LN -> head (12)
 *
 * A module's "layers" are its blocks: after forward, demo_model_hidden(m, module, l) views
 * the output of block l (rows = batch examples, cols = the module's width). Backward
 * takes, besides d(loss)/d(logits), optional extra gradients d(loss)/d(hidden) for any
 * layer and adds them to the gradient flowing through that layer: this is how layerwise
 * distillation gradients enter. */
#ifndef DEMO_MODEL_H
#define DEMO_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"

enum { DEMO_IMAGE = 0, DEMO_QUESTION = 1, DEMO_FUSION = 2, DEMO_MODULES = 3 };
#define DEMO_MAX_LAYERS 8

typedef struct demo_model_config {
    uint32_t layers[DEMO_MODULES]; /* 1..DEMO_MAX_LAYERS each */
    uint32_t width[DEMO_MODULES];
    uint32_t input;                /* pixels per image */
    uint32_t vocab, seq_len, pad;  /* question tokens */
    uint32_t answers;              /* logits */
} demo_model_config;

typedef struct demo_model demo_model;

/* Extra gradients for backward: hidden[m][l] is NULL or an n x width(m) buffer, logits is
 * unused by backward (the caller adds it into dlogits). */
typedef struct demo_model_extra {
    const float *hidden[DEMO_MODULES][DEMO_MAX_LAYERS];
} demo_model_extra;

const char *demo_module_name(int module);

/* Creates a model with weights drawn from `seed`, with buffers for batches of up to
 * max_batch rows. Returns NULL (with a message in err) on a bad config or out of memory. */
demo_model *demo_model_create(const demo_model_config *cfg, size_t max_batch, uint64_t seed,
                              char *err, size_t errlen);
void demo_model_destroy(demo_model *m);

const demo_model_config *demo_model_get_config(const demo_model *m);
nn_params *demo_model_params(demo_model *m);
size_t demo_model_max_batch(const demo_model *m);

/* Forward over n <= max_batch examples: pixels n x input (float), tokens n x seq_len.
 * Returns the logits (n x answers), valid until the next forward. */
const float *demo_model_forward(demo_model *m, const nn_ctx *c, const float *pixels,
                                const uint8_t *tokens, size_t n);

/* Output of block `layer` of `module` from the last forward (n x width, row stride width). */
const float *demo_model_hidden(const demo_model *m, int module, size_t layer);
size_t demo_model_layers(const demo_model *m, int module);
size_t demo_model_width(const demo_model *m, int module);
size_t demo_model_batch(const demo_model *m); /* n of the last forward */
/* The logits of the last forward (n x answers). */
const float *demo_model_logits(const demo_model *m);

/* Backward of the last forward: zeroes then fills every parameter gradient from
 * dlogits (n x answers) plus the extra hidden-state gradients (extra may be NULL). */
void demo_model_backward(demo_model *m, const nn_ctx *c, const float *dlogits,
                         const demo_model_extra *extra);

/* d(loss)/d(hidden) of the last forward for every layer: a backward from dlogits alone
 * (no extra gradients) that copies the gradient reaching each block's output into
 * out[module][layer] (n x width each). The parameter gradients it leaves are those of
 * dlogits alone; the next demo_model_backward() zeroes them again. */
void demo_model_hidden_grads(demo_model *m, const nn_ctx *c, const float *dlogits,
                             float *out[DEMO_MODULES][DEMO_MAX_LAYERS]);

#endif
