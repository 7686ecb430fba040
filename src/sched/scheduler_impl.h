/* Private header: the scheduler's layout, its two kinds of reward memory and the policy
 * table. Not installed. docs/scheduler.md states the algorithms this code implements. */
#ifndef OPT_SCHED_SCHEDULER_IMPL_H
#define OPT_SCHED_SCHEDULER_IMPL_H

#include <optima/scheduler.h>

#include "core/error.h"
#include "core/rng.h"

#define OPT_SCHED_NO_ARM UINT32_MAX
#define OPT_SCHED_NAME_CAPACITY 64 /* per module name, NUL included */

/* Defaults of the hyperparameters (documented in scheduler.h and docs/scheduler.md). */
#define OPT_SCHED_DEFAULT_WINDOW 64u
#define OPT_SCHED_DEFAULT_DISCOUNT 0.98
#define OPT_SCHED_DEFAULT_VARIANCE_FLOOR 1e-6
#define OPT_SCHED_DEFAULT_EXPLORATION 1.0
#define OPT_SCHED_DEFAULT_EXP3_GAMMA 0.1
#define OPT_SCHED_MAX_PARAMETER 1e100
#define OPT_SCHED_DEFAULT_FORCED_EXPLORATION 0.0
#define OPT_SCHED_DEFAULT_HISTORY OPTIMA_HISTORY_CHANGE_POINT
#define OPT_SCHED_DEFAULT_DETECTOR_CONFIDENCE 0.5
#define OPT_SCHED_DEFAULT_DETECTOR_STRIDE 4u
/* Split points the change detector keeps per arm: the last DETECTOR_BLOCKS blocks of
 * `stride` rewards (docs/scheduler.md, "Change-point restarts"). */
#define OPT_SCHED_DETECTOR_BLOCKS 32u

/* Per-arm statistics: 96 bytes, so 2^16 - 1 arms take 6 MiB. */
typedef struct opt_arm {
    double win_sum;     /* sum of this arm's rewards among the last W rounds */
    double dec_count;   /* sum of gamma^age over its rewards, as of round dec_round */
    double dec_sum;     /* sum of gamma^age * reward, as of round dec_round */
    double theta;       /* last Thompson sample; NaN before the first */
    double log_weight;  /* EXP3's log weight */
    uint64_t plays;     /* rewards credited, ever */
    uint64_t dec_round; /* the round count when dec_* were last brought up to date */
    uint32_t mask;      /* module mask */
    uint32_t win_count; /* rewards among the last W rounds */
    /* change-point memory: the rewards since the last restart (Welford) */
    uint64_t cp_count;
    double cp_mean;
    double cp_m2;
    double cp_block; /* sum of the rewards of the block being filled */
} opt_arm;

/* One round of the reward ring. */
typedef struct opt_ring_entry {
    double reward;
    uint32_t arm;
    uint32_t reserved;
} opt_ring_entry;

/* The sliding window: the last `size` (<= capacity = W) rounds, oldest at
 * (head - size) mod W, with Welford's running mean and sum of squared deviations. */
typedef struct opt_window {
    opt_ring_entry *ring;
    uint32_t capacity;
    uint32_t size;
    uint32_t head; /* where the next round goes */
    uint32_t reserved;
    double mean;
    double m2;
} opt_window;

/* Discounted statistics of all rewards (West's weighted running moments). gamma = 1 gives
 * plain all-history statistics. */
typedef struct opt_decay {
    double weight; /* sum of gamma^age */
    double mean;
    double m2;
} opt_decay;

/* The change-point memory's global part: the pooled within-arm squared deviations and
 * count of the segment that the last restart ended, kept as the prior of sigma^2 until
 * the new segment has its own (docs/scheduler.md). */
typedef struct opt_change_point {
    double *blocks;   /* max_arms * OPT_SCHED_DETECTOR_BLOCKS closed block sums, or NULL */
    uint64_t restarts;
    uint64_t restart_round; /* the round count at the last restart */
    double retired_m2;
    double retired_count;
} opt_change_point;

/* What a policy reads; a setter for a hyperparameter outside its flags is refused. */
enum opt_policy_uses {
    OPT_USES_WINDOW = 1u << 0,
    OPT_USES_DISCOUNT = 1u << 1,
    OPT_USES_HISTORY = 1u << 2,
    OPT_USES_VARIANCE = 1u << 3,
    OPT_USES_EXPLORATION = 1u << 4,
    OPT_USES_EXP3 = 1u << 5,
    OPT_USES_FIXED_ARM = 1u << 6,
    OPT_USES_DETECTOR = 1u << 7,
    OPT_USES_FORCED = 1u << 8
};

struct optima_scheduler {
    opt_errslot error;
    const optima_context *ctx;
    /* configuration */
    int32_t num_modules;
    int32_t policy;
    int32_t arm_set;
    int32_t history;
    uint32_t num_arms;
    uint32_t max_arms; /* 2^K - 1: the tables' length */
    uint32_t full_arm; /* the arm whose mask is every module, or OPT_SCHED_NO_ARM */
    uint32_t fixed_arm;
    double discount;
    double variance_floor;
    double fixed_variance;
    double exploration;
    double exp3_gamma;
    double forced_exploration;
    double detector_confidence;
    uint32_t detector_stride;
    uint32_t reserved;
    char *names; /* K * OPT_SCHED_NAME_CAPACITY bytes, or NULL */
    /* state */
    opt_rng rng;
    uint64_t rounds;
    uint32_t pending; /* the selected arm awaiting its reward, or OPT_SCHED_NO_ARM */
    uint32_t started; /* non-zero once select ran: the configuration is frozen */
    double pending_probability; /* EXP3: probability the pending arm had */
    opt_arm *arms;    /* max_arms */
    uint32_t *order;  /* max_arms: OPTIMA's seeded order of the first |A| rounds */
    opt_window window;
    opt_decay decay;
    opt_change_point cp;
};

/* ---- policies (one file each) ---------------------------------------------------------- */
typedef struct opt_policy {
    const char *name;
    uint32_t uses; /* enum opt_policy_uses */
    uint32_t (*select)(optima_scheduler *s);
    /* optional: policy-specific bookkeeping after the common statistics took a reward */
    void (*credit)(optima_scheduler *s, uint32_t arm, double reward);
} opt_policy;

extern const opt_policy opt_policy_optima;
extern const opt_policy opt_policy_all;
extern const opt_policy opt_policy_random;
extern const opt_policy opt_policy_round_robin;
extern const opt_policy opt_policy_fixed;
extern const opt_policy opt_policy_ucb1;
extern const opt_policy opt_policy_thompson;
extern const opt_policy opt_policy_discounted_thompson;
extern const opt_policy opt_policy_sliding_window_ucb;
extern const opt_policy opt_policy_exp3;
extern const opt_policy opt_policy_glr_ucb;

/* The policy with this enum value, or NULL. */
const opt_policy *opt_policy_find(int32_t policy);

/* ---- memory: window, decay, and the policy's view of them ------------------------------ */
void opt_window_reset(opt_window *w);
/* Take a reward; evict the oldest round when the window is full. */
void opt_window_push(opt_window *w, opt_arm *arms, uint32_t arm, double reward);
/* Recompute the window's moments and the arms' sums from the ring, exactly. */
void opt_window_refresh(opt_window *w, opt_arm *arms);

void opt_decay_reset(opt_decay *d);
void opt_decay_push(opt_decay *d, opt_arm *arms, uint32_t arm, double reward, double gamma,
                    uint64_t round);
/* gamma^(round - dec_round): the factor that brings an arm's statistics to @p round. */
double opt_decay_factor(const opt_arm *arm, double gamma, uint64_t round);

/* Change-point memory (memory_change_point.c): every arm's rewards since the last restart,
 * a GLR test on each arm's stream, a restart of every arm when one fires. */
optima_status opt_cp_allocate(optima_scheduler *s, const char *fn);
void opt_cp_reset(optima_scheduler *s);
/* Take a reward of @p arm; test its stream when a block closes; restart on an alarm. */
void opt_cp_push(optima_scheduler *s, uint32_t arm, double reward);
/* The GLR statistic's largest value over the arm's split points divided by its threshold
 * (>= 1 is an alarm), for sigma^2 = @p variance. */
double opt_cp_glr_ratio(const optima_scheduler *s, uint32_t arm, double variance);
/* For an arm with @p count rewards since the restart: how many closed blocks the detector
 * keeps, and the slot (0 .. OPT_SCHED_DETECTOR_BLOCKS - 1) of kept block b, 0 = oldest. */
uint32_t opt_cp_kept(uint64_t count, uint32_t stride);
uint32_t opt_cp_slot(uint64_t count, uint32_t stride, uint32_t b);
/* The same for an arm of the scheduler, and a pointer to its kept block b. */
uint32_t opt_cp_kept_blocks(const optima_scheduler *s, uint32_t arm);
double *opt_cp_block(const optima_scheduler *s, uint32_t arm, uint32_t b);

/* The policy's memory: the window, the change-point memory, or the decay with the
 * policy's gamma (1 if none). */
int opt_sched_uses_window(const optima_scheduler *s);
int opt_sched_uses_change_point(const optima_scheduler *s);
double opt_sched_gamma(const optima_scheduler *s);
/* Count and sum of an arm's remembered rewards, as of now. */
void opt_sched_arm_memory(const optima_scheduler *s, uint32_t arm, double *count, double *sum);
/* Mean of all remembered rewards (0 before any) and sigma^2: the fixed variance if set,
 * else the pooled within-arm variance of the remembered rewards, floored. */
void opt_sched_memory_moments(const optima_scheduler *s, double *mean, double *variance);

/* Gaussian Thompson sampling shared by OPTIMA, THOMPSON and DISCOUNTED_THOMPSON: one
 * draw per arm in index order, argmax (lowest index on ties). */
uint32_t opt_sched_thompson_select(optima_scheduler *s);
/* The forced-exploration arm of this round, or OPT_SCHED_NO_ARM: the rounds since the last
 * restart (or the start) run in periods of floor(|A| / alpha) rounds whose first |A| play
 * s->order; alpha = 0 leaves only the first |A| rounds (OPTIMA's initial sweep). */
uint32_t opt_sched_forced_arm(const optima_scheduler *s);

/* UCB index policy shared by UCB1 and SW-UCB over the policy's memory: the first arm with
 * no remembered reward, else argmax of mean + c * sqrt(2 ln(horizon) / count). */
uint32_t opt_sched_ucb_select(optima_scheduler *s, double horizon);

/* EINVAL naming 'arm' unless arm < num_arms. */
optima_status opt_sched_check_arm(const optima_scheduler *s, const char *fn, uint32_t arm);

/* ESTATE once select has run: configuration setters only work before. */
optima_status opt_sched_check_configurable(optima_scheduler *s, const char *fn);

/* The public getters of one configuration value share this shape. */
#define OPT_SCHED_GETTER(name, type, arg, expr)                                    \
    optima_status optima_scheduler_get_##name(const optima_scheduler *s, type *arg) \
    {                                                                              \
        static const char fn[] = "optima_scheduler_get_" #name;                    \
        OPT_CHECK_NOT_NULL(NULL, fn, s);                                           \
        OPT_CHECK_NOT_NULL(&s->error, fn, arg);                                    \
        *arg = (expr);                                                             \
        return OPTIMA_OK;                                                          \
    }

#endif /* OPT_SCHED_SCHEDULER_IMPL_H */
