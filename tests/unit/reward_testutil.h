/* Helpers of the reward tests: handing a step's planned views from the synthetic host,
 * checkpoints in memory, and the comparison of two trainers' round records. */
#ifndef OPTIMA_REWARD_TESTUTIL_H
#define OPTIMA_REWARD_TESTUTIL_H

#include "blob.h"
#include "trainer_host.h"

/* The first `rounds` rounds of both trainers played the same arms for the same rewards,
 * bit for bit. */
static inline void assert_same_rounds(optima_trainer *a, optima_trainer *b, uint64_t rounds)
{
    for (uint64_t r = 0; r < rounds; ++r) {
        uint32_t arm_a = 0, arm_b = 1;
        double ra = 0, rb = 1;
        assert_int_equal(optima_trainer_round_record(a, r, NULL, &arm_a, &ra, NULL), OPTIMA_OK);
        assert_int_equal(optima_trainer_round_record(b, r, NULL, &arm_b, &rb, NULL), OPTIMA_OK);
        assert_int_equal(arm_a, arm_b);
        assert_true(ra == rb);
    }
}

/* Begin a step and hand the host's views (after a forward on step `step`'s batch). */
static inline void host_begin_and_give(host *h, optima_trainer *t, uint64_t step, uint32_t *arm,
                                       int logits)
{
    assert_int_equal(optima_trainer_begin_step(t, arm), OPTIMA_OK);
    host_next_batch(h, step);
    host_forward(h);
    assert_int_equal(host_give(h, t, logits), OPTIMA_OK);
}

#endif /* OPTIMA_REWARD_TESTUTIL_H */
