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
 * inside the hook, before the host's backward, changes nothing for the host.
 *
 * With an evaluation set (demo_distill_choice.evaluation) the trainer takes its rewards
 * from OPTIMA_REWARD_SOURCE_EVALUATION: the reference loss at a round's end is the
 * student's task loss (cross-entropy) on that fixed set, measured on a copy of the
 * student's weights (a probe model, so the training step's activations stay intact). The
 * weights after a round's last update only exist once the host's optimizer has stepped,
 * after the hook returns, so the round's final end_step is deferred to the next hook call
 * (evaluate, submit_evaluation, end_step, then begin_step of the new round), and
 * demo_distiller_finish() ends the last round after training. Nothing else changes: for
 * the same arms the student trains bit for bit as with the training reward; only the
 * rewards, and so the arms an adaptive policy picks, differ.
 *
 * With the alignment reward (demo_distill_choice.alignment) the hook also hands the
 * trainer, after compute, the task loss's gradient at every student layer the plan lists
 * (optima_trainer_set_task_grad); the loop computes it with one more student backward
 * (demo_train_config.task_hidden_grads). */
#ifndef DEMO_DISTILL_H
#define DEMO_DISTILL_H

#include <stddef.h>
#include <stdint.h>

#include <optima/optima.h>

#include "fashion.h"
#include "model.h"
#include "nn.h"
#include "parallel.h"
#include "train.h"
#include "vqa.h"

/* Hyperparameters shared by every distilling policy (one set for all of them). */
typedef struct demo_distill_settings {
    double alpha_pred;    /* weight of the prediction-layer KL */
    double temperature;   /* KL temperature */
    double alpha_layer;   /* weight of the layer term (ignored when layerwise = 0) */
    uint32_t round_length;/* steps per scheduler round */
    double projection_lr; /* AdamW learning rate of the projections */
} demo_distill_settings;

/* The fixed evaluation set of the evaluation reward: `count` questions, question i about
 * image i / VQA_TYPES of `images` (the layout of vqa_test_set). Borrowed: it must outlive
 * the distiller. */
typedef struct demo_distill_eval {
    const demo_split *images;
    const vqa_question *questions;
    size_t count;
    const nn_ctx *ctx; /* compute settings of the probe's forward */
} demo_distill_eval;

/* What one run distils and how it picks modules. */
typedef struct demo_distill_choice {
    int32_t policy;       /* OPTIMA_POLICY_OPTIMA, _ALL, _RANDOM or _FIXED */
    int layerwise;        /* 0: prediction-layer KD only (the layer term is switched off) */
    uint32_t fixed_module;/* OPTIMA_POLICY_FIXED: the single module distilled */
    uint64_t seed;        /* scheduler and projection initialisation */
    int threads;          /* the library context's BLIS threads */
    const char *round_log;/* CSV round log written by the trainer, or NULL */
    const demo_distill_eval *evaluation; /* NULL: rewards from the training loss (the
                                          * library's default); else the evaluation reward */
    int32_t reward_kind;  /* OPTIMA_REWARD_RELATIVE (default) or _DETRENDED */
    int alignment;        /* 1: OPTIMA_REWARD_SOURCE_ALIGNMENT (needs evaluation = NULL and
                           * the loop's task_hidden_grads) */
    uint32_t trend_window;/* OPTIMA_REWARD_DETRENDED: rounds of the trend (0: library default) */
    int32_t trend_model;  /* OPTIMA_REWARD_TREND_MEAN or _LINEAR */
    const demo_parallel *parallel; /* NULL: one process; else the trainer's reduction */
} demo_distill_choice;

typedef struct demo_distiller demo_distiller;

/* Creates a distiller for these models (borrowed: they must outlive it; the student's
 * weights are read, never written, by the evaluation reward). Returns NULL with a message
 * in err on failure. */
demo_distiller *demo_distiller_create(const demo_model *teacher, demo_model *student,
                                      const demo_distill_settings *settings,
                                      const demo_distill_choice *choice, char *err,
                                      size_t errlen);
void demo_distiller_destroy(demo_distiller *d);

/* The training loop's hook (user = the distiller). Returns 0, or 1 after a library call
 * failed; the message is then in demo_distiller_error(). */
int demo_distiller_hook(void *user, demo_distill_step *step);

/* Ends the round whose final step the hook deferred (evaluation reward: the student's
 * weights after that step's update are only known now). Call it once after training;
 * returns 0 (also when nothing is pending or the reward comes from training), or 1 with a
 * message in demo_distiller_error(). */
int demo_distiller_finish(demo_distiller *d);

/* The evaluations made so far (the baseline and one per round with the evaluation reward,
 * else 0) and the seconds they took. */
void demo_distiller_evaluations(const demo_distiller *d, uint64_t *count, double *seconds);

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
