/* Private header: what the trainer keeps for its rewards beyond the reference loss: the
 * trend of the detrended reward and the gradient alignment of the alignment source.
 * Not installed. */
#ifndef OPT_TRAIN_REWARD_STATE_H
#define OPT_TRAIN_REWARD_STATE_H

#include <stdint.h>

#include <optima/scheduler.h>
#include <optima/trainer.h>

#include "../core/stream.h"
#include "reward_trend.h"

/* OPTIMA_REWARD_SOURCE_ALIGNMENT, one step: per pair, the sums over the student layers
 * whose task gradient was handed in of ⟨g_task, g_layer⟩, ‖g_task‖² and ‖g_layer‖². */
typedef struct opt_alignment_step {
    double dot[OPTIMA_SCHEDULER_MAX_MODULES];
    double task_sq[OPTIMA_SCHEDULER_MAX_MODULES];
    double layer_sq[OPTIMA_SCHEDULER_MAX_MODULES];
    uint32_t layers_given; /* student layers of the plan with a task gradient */
    uint32_t pairs_given;  /* bit p: pair p got at least one */
} opt_alignment_step;

typedef struct opt_reward_state {
    opt_reward_trend trend;
    double pending_base;       /* the base reward of the round that is ending */
    opt_alignment_step step;   /* the step in flight */
    double round_alignment_sum; /* the round in flight: sum of its steps' alignments */
} opt_reward_state;

/* A plan entry whose task gradient was handed in this step (bit of view_given). */
#define OPT_VIEW_TASK_GRAD 2u

/* The checkpoint's reward section (format version 3): the trend's configuration, checked,
 * and its ring, then the round in flight's alignment sum. */
void opt_reward_state_write(const opt_reward_state *s, opt_writer *w);
/* Restores the section of `size` bytes at `section` (NULL: a format without it, the state
 * starts empty) into *out, a copy of the trainer's state; the trainer is not changed.
 * OPTIMA_EMISMATCH for another trend setting, OPTIMA_EFORMAT for a damaged section. */
optima_status opt_reward_state_restore(optima_trainer *t, const uint8_t *section,
                                       size_t size, opt_reward_state *out, const char *fn);

#endif /* OPT_TRAIN_REWARD_STATE_H */
