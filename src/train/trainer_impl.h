/* Private header: the trainer's layout, shared by its files (configuration, steps, rounds,
 * run loop, checkpoints). Not installed. */
#ifndef OPT_TRAIN_TRAINER_IMPL_H
#define OPT_TRAIN_TRAINER_IMPL_H

#include <stdio.h>

#include <optima/trainer.h>

#include "../core/context_impl.h"
#include "projection_optimizer.h"
#include "reward_state.h"
#include "trainer_reduce.h"

#define OPT_MAX_PAIRS OPTIMA_SCHEDULER_MAX_MODULES

/* One module pair of the trainer (trainer.h's "pair"): a distilled student module, its loss,
 * and what the trainer keeps per layer pair. */
typedef struct opt_module_pair {
    optima_loss *loss;
    size_t student_module;
    size_t teacher_module;
    int32_t kind;
    double weight;
    /* Filled when the configuration freezes. */
    size_t layer_pairs;
    size_t *student_layer;    /* [layer_pairs] */
    size_t *teacher_layer;    /* [layer_pairs] */
    size_t *projection_size;  /* [layer_pairs] ds·dt, 0 without projection */
    float **optimizer_state;  /* [layer_pairs] moments, NULL without projection */
    uint64_t updates;         /* projection updates so far (AdamW bias correction) */
} opt_module_pair;

typedef struct opt_round_record {
    uint64_t round;
    uint64_t first_step;
    uint32_t arm;
    uint32_t active_mask;
    double reward;
    double mean_reference;
    double pair_loss[OPT_MAX_PAIRS];
} opt_round_record;

/* The round in flight: sums over its ended steps. */
typedef struct opt_round_state {
    uint64_t first_step;
    uint32_t steps;
    uint32_t active_mask;
    double reference_sum;
    double pair_loss_sum[OPT_MAX_PAIRS];
} opt_round_state;

/* A plan entry whose hidden state's view is held (bit of view_given). */
#define OPT_VIEW_HIDDEN 1u

enum opt_step_state { OPT_STEP_IDLE = 0, OPT_STEP_BEGUN = 1, OPT_STEP_COMPUTED = 2 };

struct optima_trainer {
    optima_context *ctx;
    const optima_model *teacher;
    const optima_model *student;
    opt_errslot error;

    /* configuration */
    opt_module_pair pairs[OPT_MAX_PAIRS];
    size_t pair_count;
    optima_loss *prediction; /* NULL when the models declare no logits */
    size_t logits_width;
    double alpha_pred;
    double alpha_layer;
    uint32_t round_length;
    int32_t policy;
    uint64_t seed;
    int32_t reward_kind;
    int32_t reward_source;
    int32_t optimizer_kind;
    opt_optimizer_settings optimizer;
    optima_projection_fn projection_fn;
    void *projection_user;
    uint32_t history_capacity;
    FILE *log;
    char *log_path;          /* the host's path, copied; NULL when not logging */
    int32_t log_format;
    int log_header_due;
    int32_t mode;            /* ::optima_trainer_mode */
    int alpha_pred_set;      /* the host chose α_pred: no word about the default KL */
    int total_warned;        /* the "task loss below the distillation loss" warning was given */
    int frozen;
    const char *frozen_by;   /* the public function that froze the configuration */
    optima_scheduler *scheduler;

    /* the step in flight */
    int step_state;
    uint32_t arm;
    uint32_t arm_mask;     /* pairs active this step */
    optima_layer_ref *plan; /* capacity: every layer of every pair, both sides */
    optima_tensor *views;   /* [plan capacity], parallel to plan */
    uint8_t *view_given;    /* [plan capacity] bits: OPT_VIEW_HIDDEN, OPT_VIEW_TASK_GRAD */
    optima_tensor *grads;   /* [plan capacity], for the run loop's backward */
    size_t plan_count;
    size_t plan_capacity;
    optima_tensor logits[2];
    int logits_given[2];
    /* Row counts and masks of the step: one per pair (its student and teacher views),
     * one for the logits; a count is 0 until a view or a mask sets it. Forgotten with the
     * views at compute. */
    size_t pair_rows[OPT_MAX_PAIRS];
    const uint8_t *pair_mask[OPT_MAX_PAIRS];
    size_t logits_rows;
    const uint8_t *logits_mask;
    optima_tensor *student_args; /* scratch arguments of optima_loss_compute */
    optima_tensor *teacher_args;
    double step_kl;
    double step_layer_term;
    double step_pair_loss[OPT_MAX_PAIRS];
    uint32_t reported_mask;  /* schedule-only mode: the pairs whose loss was reported */
    int kl_reported;

    /* progress */
    uint64_t steps_done;
    uint64_t rounds_done;
    opt_round_state round;
    int has_previous;        /* previous_reference holds L̄_{t−1} (or the baseline) */
    double previous_reference;
    int has_evaluation;      /* an evaluation was submitted since the last round ended */
    double evaluation;
    opt_round_record *history; /* ring of history_capacity records */
    opt_reward_state reward;   /* the detrended reward's trend, the gradient alignment */
    int32_t callback_code;
    size_t step_rows;          /* the rows of the step's views, kept past compute */
    opt_reduce_state reduce;   /* data-parallel training (trainer_reduce.c) */
};

/* The handle is named as the header names it ('trainer'), not as the sources do. */
#define OPT_CHECK_TRAINER(func, t)                                                  \
    OPT_RETURN_ERROR_IF((t) == NULL, NULL, OPTIMA_EINVAL, "%s: argument 'trainer' is NULL", \
                        (func))

/* trainer.c */
optima_status opt_trainer_freeze(optima_trainer *t, const char *fn);
optima_status opt_trainer_require_configuring(optima_trainer *t, const char *fn);
/* ESTATE in schedule-only mode, for the calls that hand views or read gradients. */
optima_status opt_trainer_require_full(const optima_trainer *t, const char *fn);
/* ENOTFOUND naming 'pair' unless the trainer has pair @p pair. */
optima_status opt_trainer_check_pair(const optima_trainer *t, size_t pair, const char *fn);
/* EINVAL naming 'side' unless @p side is OPTIMA_SIDE_STUDENT or OPTIMA_SIDE_TEACHER. */
optima_status opt_trainer_check_side(const optima_trainer *t, int32_t side, const char *fn);

/* trainer_step.c */
/* ESTATE when no step has begun. */
optima_status opt_trainer_require_step(const optima_trainer *t, const char *fn);
/* The index of (side, module, layer) in the step's plan, or plan_count when not planned. */
size_t opt_trainer_plan_find(const optima_trainer *t, uint32_t side, size_t module, size_t layer);
/* Is pair @p pair active in this step: in the arm, weighted, and the layer term on? */
int opt_trainer_pair_active(const optima_trainer *t, size_t pair);
double opt_trainer_layer_term(const optima_trainer *t);
/* trainer_schedule_only.c: the reported losses become the step's, or ESTATE naming the
 * first one missing. */
optima_status opt_trainer_take_reports(optima_trainer *t, const char *fn);

/* trainer_rounds.c */
void opt_trainer_forget_round(optima_trainer *t);
/* Does the step in progress end a round (the rule every caller shares)? */
int opt_trainer_step_ends_round(const optima_trainer *t);
/* Count an ended step; at a round's end compute the reward, update the scheduler, keep
 * the record and log it. Never fails once opt_trainer_round_reward() has succeeded. */
optima_status opt_trainer_round_reward(optima_trainer *t, double reference, int *ends,
                                       double *reward, const char *fn);
void opt_trainer_count_step(optima_trainer *t, double reference, int ends, double reward);
/* reward_alignment.c */
void opt_alignment_reset_step(optima_trainer *t);
optima_status opt_alignment_check_step(optima_trainer *t, const char *fn);
double opt_alignment_of_step(const optima_trainer *t);
/* trainer_reduce.c */
/* With a reduction callback: check agreement when due, sum the step's statistics and the
 * projections' gradients across ranks, and stand the sums in for the step's values
 * (*reference becomes the global reference loss). Nothing changes on failure. */
optima_status opt_reduce_step(optima_trainer *t, double *reference, const char *fn);
/* Put the step's local values back after a failure that followed opt_reduce_step(). */
void opt_reduce_undo(optima_trainer *t);
/* The step is applied: forget the local values. */
void opt_reduce_commit(optima_trainer *t);
/* The gradient the projection optimizer uses: the reduced one when it was reduced. */
const float *opt_reduce_projection_grad(const optima_trainer *t, size_t pair, size_t layer_pair,
                                        const float *local);
void opt_reduce_release(optima_trainer *t);
const opt_round_record *opt_trainer_find_record(const optima_trainer *t, uint64_t round);
/* round_log.c: report a finished round to the log sink and, when set, the log file. */
void opt_trainer_log_round(optima_trainer *t, const opt_round_record *r);

#endif /* OPT_TRAIN_TRAINER_IMPL_H */
