/* Distillation through liboptima's trainer: the bridge between the demo's models and the
 * library's step API.
 *
 * A distiller describes the demo's teacher and student to the library (one optima_model
 * each: modules image, question, fusion with their blocks' widths, 12 logits), creates a
 * trainer with one MSE pair per module (the widths differ, so each layer pair gets a
 * learned projection) and the chosen scheduler policy, and provides the training loop's
 * hook (demo_distiller_hook, a demo_distill_fn). At every step the hook:
 *
 *   begin_step -> plan -> set_hidden (only the layers the plan lists) -> set_logits ->
 *   compute -> student_grad / logits_grad added into the step's buffers -> end_step
 *
 * end_step gets the step's task loss, which the loop computes before calling the hook
 * (train.h, stage 3); the gradients are copied out before end_step, so ending the step
 * inside the hook, before the host's backward, changes nothing for the host. */
#ifndef DEMO_DISTILL_H
#define DEMO_DISTILL_H

#include <stddef.h>
#include <stdint.h>

#include <optima/optima.h>

#include "model.h"
#include "train.h"

/* Hyperparameters shared by every distilling policy (one set for all of them). */
typedef struct demo_distill_settings {
    double alpha_pred;    /* weight of the prediction-layer KL */
    double temperature;   /* KL temperature */
    double alpha_layer;   /* weight of the layer term (ignored when layerwise = 0) */
    uint32_t round_length;/* steps per scheduler round */
    double projection_lr; /* AdamW learning rate of the projections */
} demo_distill_settings;

/* What one run distils and how it picks modules. */
typedef struct demo_distill_choice {
    int32_t policy;       /* OPTIMA_POLICY_OPTIMA, _ALL, _RANDOM or _FIXED */
    int layerwise;        /* 0: prediction-layer KD only (the layer term is switched off) */
    uint32_t fixed_module;/* OPTIMA_POLICY_FIXED: the single module distilled */
    uint64_t seed;        /* scheduler and projection initialisation */
    int threads;          /* the library context's BLIS threads */
    const char *round_log;/* CSV round log written by the trainer, or NULL */
} demo_distill_choice;

typedef struct demo_distiller demo_distiller;

/* Creates a distiller for these models (borrowed: they must outlive it). Returns NULL with
 * a message in err on failure. */
demo_distiller *demo_distiller_create(const demo_model *teacher, const demo_model *student,
                                      const demo_distill_settings *settings,
                                      const demo_distill_choice *choice, char *err,
                                      size_t errlen);
void demo_distiller_destroy(demo_distiller *d);

/* The training loop's hook (user = the distiller). Returns 0, or 1 after a library call
 * failed; the message is then in demo_distiller_error(). */
int demo_distiller_hook(void *user, demo_distill_step *step);

/* The last failure's message ("" when none). */
const char *demo_distiller_error(const demo_distiller *d);

/* The module mask of the arm the last step distilled (bit m = module m; 0 for KD). */
uint32_t demo_distiller_last_mask(const demo_distiller *d);

/* Adds the number of rounds each arm played (over the kept round records) into
 * rounds_per_mask[module mask]. */
void demo_distiller_count_rounds(demo_distiller *d, uint64_t rounds_per_mask[1u << DEMO_MODULES]);

/* The name of the arm with module mask `mask`, as the library prints it (e.g.
 * "image+fusion"), into buf. */
void demo_arm_name(uint32_t mask, char *buf, size_t len);

#endif
