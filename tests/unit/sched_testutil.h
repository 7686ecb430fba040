/* Helpers shared by the scheduler tests: making schedulers and playing rounds against a
 * fixed reward function. */
#ifndef OPTIMA_SCHED_TESTUTIL_H
#define OPTIMA_SCHED_TESTUTIL_H

#include <math.h>

#include "testutil.h"

static inline optima_scheduler *make_scheduler(optima_context *ctx, int32_t k, int32_t policy,
                                               uint64_t seed)
{
    optima_scheduler *s = NULL;
    assert_int_equal(optima_scheduler_create(ctx, k, policy, seed, &s), OPTIMA_OK);
    return s;
}

/* A deterministic, nonstationary reward: depends on the arm's mask and the round, so that
 * the best arm changes at round 40. Exactly representable inputs, libm-free. */
static inline double test_reward(uint32_t mask, uint64_t round)
{
    const double base = (double)(mask % 5) * 0.125;
    const double late = round >= 40 ? (double)((mask * 3u) % 7) * 0.0625 : 0.0;
    const double wobble = (double)((round * 7u + mask) % 11) * 0.015625;
    return base + late + wobble;
}

/* Play @p n rounds; store the arms in @p arms when non-NULL. */
static inline void play(optima_scheduler *s, int n, uint32_t *arms)
{
    for (int i = 0; i < n; ++i) {
        uint32_t arm = 0, mask = 0;
        uint64_t round = 0;
        assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
        assert_int_equal(optima_scheduler_get_arm_mask(s, arm, &mask), OPTIMA_OK);
        assert_int_equal(optima_scheduler_get_rounds(s, &round), OPTIMA_OK);
        assert_int_equal(optima_scheduler_update(s, arm, test_reward(mask, round)), OPTIMA_OK);
        if (arms != NULL) arms[i] = arm;
    }
}

#endif /* OPTIMA_SCHED_TESTUTIL_H */
