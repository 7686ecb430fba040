/* Private header: the built-in optimizers that train the learned projections (SGD with
 * momentum, AdamW). Not installed.
 *
 * The optimizer owns no parameters: it updates a caller's float array in place from its
 * gradient, keeping per-parameter moments in a caller-provided state of
 * opt_optimizer_state_floats() floats (zero-initialised), so the trainer can allocate
 * every moment once and checkpoint them. */
#ifndef OPT_TRAIN_PROJECTION_OPTIMIZER_H
#define OPT_TRAIN_PROJECTION_OPTIMIZER_H

#include <stddef.h>
#include <stdint.h>

enum opt_optimizer_kind { OPT_OPTIMIZER_SGD = 0, OPT_OPTIMIZER_ADAMW = 1 };

typedef struct opt_optimizer_settings {
    int32_t kind;
    float learning_rate; /* > 0 */
    float momentum;      /* SGD, in [0, 1) */
    float beta1, beta2;  /* AdamW, each in [0, 1) */
    float epsilon;       /* AdamW, > 0 */
    float weight_decay;  /* >= 0; decoupled for AdamW, added to the gradient for SGD */
} opt_optimizer_settings;

void opt_optimizer_defaults(opt_optimizer_settings *s, int32_t kind);

/* Floats of state per parameter: 1 for SGD (momentum buffer), 2 for AdamW (m, v). */
size_t opt_optimizer_state_floats(int32_t kind);

/* One update of @p count parameters. @p step is the 1-based update count of this
 * parameter array (AdamW's bias correction). State layout: SGD [buf], AdamW [m | v]. */
void opt_optimizer_update(const opt_optimizer_settings *s, float *param, const float *grad,
                          float *state, size_t count, uint64_t step);

#endif /* OPT_TRAIN_PROJECTION_OPTIMIZER_H */
