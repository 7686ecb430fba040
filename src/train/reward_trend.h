/* Private header: the common trend of the rewards, estimated from every arm's rounds, and
 * the detrended reward it gives (OPTIMA_REWARD_DETRENDED). Not installed.
 *
 * The trend keeps the base rewards (the relative decrement, or the mean alignment) of the
 * last `window` completed rounds in a ring, whatever arm played them. Its prediction for
 * the next round is their mean (OPTIMA_REWARD_TREND_MEAN) or the least-squares line
 * through them against the round index, evaluated one round ahead
 * (OPTIMA_REWARD_TREND_LINEAR, which falls back to the mean with fewer than 3 rounds).
 * Before any round completed there is no prediction, and the detrended reward is 0. */
#ifndef OPT_TRAIN_REWARD_TREND_H
#define OPT_TRAIN_REWARD_TREND_H

#include <stdint.h>

/* The largest window: the ring lives inside the trainer, so no step allocates. */
#define OPT_TREND_MAX_WINDOW 256u
#define OPT_TREND_DEFAULT_WINDOW 8u

typedef struct opt_reward_trend {
    uint32_t window; /* configuration: rounds kept, 1..OPT_TREND_MAX_WINDOW */
    int32_t model;   /* configuration: enum optima_reward_trend */
    uint32_t count;  /* base rewards kept, ≤ window */
    uint32_t next;   /* ring index of the next base reward */
    double base[OPT_TREND_MAX_WINDOW];
} opt_reward_trend;

void opt_reward_trend_init(opt_reward_trend *trend);
/* Forget the kept rewards, keep the configuration. */
void opt_reward_trend_clear(opt_reward_trend *trend);
/* What the trend predicts for the next round's base reward; 0 with *known = 0 when no
 * round is kept. */
double opt_reward_trend_predict(const opt_reward_trend *trend, int *known);
/* The detrended reward of a round whose base reward is `base` (no state change). */
double opt_reward_trend_detrend(const opt_reward_trend *trend, double base);
/* Keep a completed round's base reward. */
void opt_reward_trend_push(opt_reward_trend *trend, double base);

#endif /* OPT_TRAIN_REWARD_TREND_H */
