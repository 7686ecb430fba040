/* The student's training loop, one step in five stages:
 *
 *   1. batch      images drawn from a seeded per-epoch shuffle, one generated question each
 *   2. teacher    forward, no gradient                     (skipped when the hook is NULL)
 *   3. student    forward, task loss (softmax cross-entropy) and d(task)/d(logits)
 *   4. hook       distillation: sees the teacher's and the student's per-layer hidden
 *                 states and logits, ADDS its gradients wrt the student's hidden states
 *                 and logits into the buffers it is given   (NULL = no distillation)
 *   5. backward   of the student with the task gradient plus the hook's, then AdamW
 *
 * The teacher is trained by the same loop with no teacher and no hook. */
#ifndef DEMO_TRAIN_H
#define DEMO_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <optima/optima.h>

#include "fashion.h"
#include "model.h"
#include "parallel.h"
#include "progress.h"
#include "vqa.h"

/* What the distillation hook sees and fills at one step. Views and buffers are valid for
 * the duration of the call only. Views are optima_tensor, the library's frozen view type:
 * rows = batch examples, cols = the module's width, row_stride = cols. */
typedef struct demo_distill_step {
    size_t step;  /* 0-based */
    size_t steps; /* total in this run */
    size_t batch; /* rows of every view and buffer */
    float task_loss; /* the student's cross-entropy on this batch */

    size_t teacher_layers[DEMO_MODULES];
    size_t student_layers[DEMO_MODULES];
    optima_tensor teacher_hidden[DEMO_MODULES][DEMO_MAX_LAYERS];
    optima_tensor student_hidden[DEMO_MODULES][DEMO_MAX_LAYERS];
    optima_tensor teacher_logits; /* batch x 12 */
    optima_tensor student_logits;

    /* Outputs, zeroed before the call. student_hidden_grad[m][l] is batch x width(m),
     * row-major; student_logits_grad is batch x 12 and is added to the task gradient. */
    float *student_hidden_grad[DEMO_MODULES][DEMO_MAX_LAYERS];
    float *student_logits_grad;
    /* With demo_train_config.task_hidden_grads: d(task loss)/d(student hidden) for every
     * layer (the task's share of the gradient, no distillation in it); else empty views. */
    optima_tensor task_hidden_grad[DEMO_MODULES][DEMO_MAX_LAYERS];
    float distill_loss; /* optional, for the logs: set by the hook (0 before the call) */
} demo_distill_step;

/* Returns 0 to go on; any other value stops training (demo_train then fails and reports
 * the value). */
typedef int (*demo_distill_fn)(void *user, demo_distill_step *step);

typedef struct demo_train_config {
    size_t steps;
    size_t batch;
    float lr;           /* peak learning rate */
    float warmup;       /* fraction of steps with a linear warm-up, then cosine to 0 */
    float weight_decay; /* AdamW, decoupled */
    uint64_t seed;      /* batches and questions (weights are seeded at creation) */
    size_t log_every;   /* steps between CSV rows, 0 = no CSV */
    int task_hidden_grads; /* 1: the hook gets the task gradient at every student layer,
                            * computed by one more student backward per step */
    const demo_parallel *parallel; /* NULL: one process; else this rank trains on its
                                    * share of every batch and the ranks average their
                                    * gradients (parallel.h) */
} demo_train_config;

typedef struct demo_train_result {
    double seconds;
    float final_loss;   /* mean task loss over the last log window */
    int hook_status;    /* non-zero when the hook stopped the run */
} demo_train_result;

/* Trains `student` for cfg->steps steps. `teacher` is required when hook is not NULL.
 * progress and csv may be NULL. Returns 0, or -1 with a message in err. */
int demo_train(demo_model *student, demo_model *teacher, const demo_split *train,
               const demo_train_config *cfg, const nn_ctx *c, demo_distill_fn hook,
               void *hook_user, demo_progress *progress, FILE *csv, demo_train_result *res,
               char *err, size_t errlen);

/* Test accuracy, overall and per question type. */
typedef struct demo_accuracy {
    size_t correct[VQA_TYPES];
    size_t total[VQA_TYPES];
} demo_accuracy;

double demo_accuracy_overall(const demo_accuracy *a);
double demo_accuracy_of(const demo_accuracy *a, int type);

/* Evaluates on `count` questions; question i is about image i / 4 of `test` when the
 * questions come from vqa_test_set. Returns 0, or -1 when out of memory. */
int demo_evaluate(demo_model *m, const nn_ctx *c, const demo_split *test,
                  const vqa_question *questions, size_t count, demo_accuracy *out);

#endif
