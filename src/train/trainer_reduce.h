/* Private header: data-parallel training, the trainer's side (optima_trainer_set_reduction):
 * what one rank keeps to sum its step's values with the other ranks' through the host's
 * callback, and to put its own back when the step fails after the sums. Not installed. */
#ifndef OPT_TRAIN_TRAINER_REDUCE_H
#define OPT_TRAIN_TRAINER_REDUCE_H

#include <stddef.h>
#include <stdint.h>

#include <optima/scheduler.h>
#include <optima/trainer.h>

#include "reward_state.h"

/* The step statistics' layout: fixed slots, then P pair losses, then (alignment source)
 * 3·P alignment sums. Every rank sends the same count, whatever its state. */
enum {
    OPT_STAT_RANKS = 0,    /* 1 per rank */
    OPT_STAT_ROWS,         /* w: the rank's rows this step */
    OPT_STAT_REFERENCE,    /* w · reference loss */
    OPT_STAT_EVALUATION,   /* the evaluation at a round's end (equal weights) */
    OPT_STAT_EVALUATIONS,  /* 1 when this rank has one */
    OPT_STAT_BASELINE,     /* the baseline evaluation, at the first step */
    OPT_STAT_BASELINES,    /* 1 when this rank has one */
    OPT_STAT_FIXED         /* the first pair loss */
};
#define OPT_STAT_CAPACITY (OPT_STAT_FIXED + 4 * OPTIMA_SCHEDULER_MAX_MODULES)
#define OPT_AGREEMENT_VALUES 6 /* arm and checksum in 16-bit parts */

typedef struct opt_reduce_state {
    optima_reduce_fn fn; /* NULL: one process */
    void *user;
    uint32_t agreement_interval;
    int applied;     /* the step's values below are the local ones, the trainer's the sums */
    double stats[OPT_STAT_CAPACITY];
    double rows;     /* this rank's weight this step */
    float *grads;    /* the packed projection gradients; allocated at the first step */
    size_t grads_capacity;
    size_t grads_count; /* packed this step, 0 when none were reduced */
    /* The local values, kept while the sums stand in for them. */
    double pair_loss[OPTIMA_SCHEDULER_MAX_MODULES];
    opt_alignment_step alignment;
    double evaluation;
    double previous_reference;
} opt_reduce_state;

#endif /* OPT_TRAIN_TRAINER_REDUCE_H */
