/* Rewards are defined for every finite loss: a floor on the relative reward's denominator,
 * rewards clipped to the scheduler's range and a bound on the reference loss keep every
 * round able to end, whatever finite losses the host reports. */
#include <float.h>

#include "trainer_host.h"

/* A trainer whose reference loss is exactly the task loss and whose steps need no view
 * (α_pred = α_layer = 0), so a test can replay any sequence of losses. */
static optima_trainer *bare_trainer(fixture *f, uint32_t round_length, int32_t kind, int32_t source)
{
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, round_length);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_alpha_layer(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_reward(t, kind, source), OPTIMA_OK);
    return t;
}

static optima_status end_with(optima_trainer *t, double task_loss, int32_t *ended)
{
    optima_status s = optima_trainer_begin_step(t, NULL);
    if (s == OPTIMA_OK) s = optima_trainer_compute(t, NULL);
    if (s == OPTIMA_OK) s = optima_trainer_end_step(t, task_loss, ended);
    return s;
}

static double reward_of_round(const optima_trainer *t, uint64_t round)
{
    double reward = 0;
    assert_int_equal(optima_trainer_round_record(t, round, NULL, NULL, &reward, NULL), OPTIMA_OK);
    return reward;
}

/* The hostile case: a mean reference of 1e-110, then 0.5. Without a floor the relative
 * reward is -5e109, beyond what the scheduler takes, and no later round could end. */
static void a_tiny_previous_loss_cannot_wedge_the_trainer(void **state)
{
    fixture *f = *state;
    optima_trainer *t = bare_trainer(f, 1, OPTIMA_REWARD_RELATIVE, OPTIMA_REWARD_SOURCE_TRAINING);
    int32_t ended = 0;
    assert_int_equal(end_with(t, 1e-110, &ended), OPTIMA_OK);
    assert_int_equal(ended, 1);
    for (int round = 1; round < 19; ++round) {
        ended = 0;
        assert_int_equal(end_with(t, round == 1 ? 0.5 : 0.5 - 0.01 * round, &ended), OPTIMA_OK);
        assert_int_equal(ended, 1);
    }
    uint64_t rounds = 0;
    assert_int_equal(optima_trainer_progress(t, NULL, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 19);
    assert_true(reward_of_round(t, 0) == 0.0);
    assert_true(reward_of_round(t, 1) == (1e-110 - 0.5) / OPTIMA_REWARD_MIN_DENOMINATOR);
    /* above the floor the reward is the plain relative decrement */
    assert_true(fabs(reward_of_round(t, 3) - (0.48 - 0.47) / 0.48) < 1e-15);
    optima_trainer_destroy(t);
}

/* A previous loss of exactly 0 divides by the floor too (no switch to another formula). */
static void a_zero_previous_loss_divides_by_the_floor(void **state)
{
    fixture *f = *state;
    optima_trainer *t = bare_trainer(f, 2, OPTIMA_REWARD_RELATIVE, OPTIMA_REWARD_SOURCE_TRAINING);
    int32_t ended = 0;
    assert_int_equal(end_with(t, 0.0, &ended), OPTIMA_OK);
    assert_int_equal(end_with(t, 0.0, &ended), OPTIMA_OK);
    assert_int_equal(end_with(t, 2e-7, &ended), OPTIMA_OK);
    assert_int_equal(end_with(t, 4e-7, &ended), OPTIMA_OK);
    assert_int_equal(ended, 1);
    assert_true(fabs(reward_of_round(t, 1) - (0.0 - 3e-7) / OPTIMA_REWARD_MIN_DENOMINATOR) < 1e-12);
    optima_trainer_destroy(t);
}

/* Finite evaluations at the ends of the double range: the decrement overflows to an
 * infinity, the reward is clipped to the scheduler's limit and rounds keep ending. */
static void extreme_finite_losses_give_clipped_rewards(void **state)
{
    fixture *f = *state;
    const int32_t kinds[2] = {OPTIMA_REWARD_ABSOLUTE, OPTIMA_REWARD_RELATIVE};
    for (int k = 0; k < 2; ++k) {
        optima_trainer *t = bare_trainer(f, 1, kinds[k], OPTIMA_REWARD_SOURCE_EVALUATION);
        assert_int_equal(optima_trainer_submit_evaluation(t, -DBL_MAX), OPTIMA_OK);
        const double evaluations[4] = {DBL_MAX, -DBL_MAX, 1e-300, DBL_MAX};
        const double expected[4] = {-OPTIMA_SCHEDULER_MAX_ABS_REWARD, OPTIMA_SCHEDULER_MAX_ABS_REWARD,
                                    k == 0 ? -OPTIMA_SCHEDULER_MAX_ABS_REWARD : -1.0,
                                    -OPTIMA_SCHEDULER_MAX_ABS_REWARD};
        for (uint64_t r = 0; r < 4; ++r) {
            int32_t ended = 0;
            assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
            assert_int_equal(optima_trainer_submit_evaluation(t, evaluations[r]), OPTIMA_OK);
            assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
            assert_int_equal(optima_trainer_end_step(t, 1.0, &ended), OPTIMA_OK);
            assert_int_equal(ended, 1);
            if (reward_of_round(t, r) != expected[r])
                fail_msg("kind %d round %d: reward %g, expected %g", k, (int)r, reward_of_round(t, r),
                         expected[r]);
        }
        optima_trainer_destroy(t);
    }
}

/* The training source sums a round's references: each is bounded so that the sum of the
 * longest round stays finite; a larger task loss is refused and the step may end again. */
static void reference_losses_beyond_the_bound_are_refused_and_the_step_ends_again(void **state)
{
    fixture *f = *state;
    optima_trainer *t = bare_trainer(f, 3, OPTIMA_REWARD_RELATIVE, OPTIMA_REWARD_SOURCE_TRAINING);
    int32_t ended = 0;
    assert_int_equal(end_with(t, OPTIMA_TRAINER_MAX_ABS_REFERENCE, &ended), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_end_step(t, DBL_MAX, &ended), OPTIMA_EINVAL, "'task_loss'");
    assert_fails_naming(t, optima_trainer_end_step(t, -2 * OPTIMA_TRAINER_MAX_ABS_REFERENCE, &ended),
                        OPTIMA_EINVAL, "'task_loss'");
    assert_int_equal(optima_trainer_end_step(t, OPTIMA_TRAINER_MAX_ABS_REFERENCE, &ended), OPTIMA_OK);
    assert_int_equal(end_with(t, OPTIMA_TRAINER_MAX_ABS_REFERENCE, &ended), OPTIMA_OK);
    assert_int_equal(ended, 1);
    for (int i = 0; i < 3; ++i) assert_int_equal(end_with(t, -OPTIMA_TRAINER_MAX_ABS_REFERENCE, &ended), OPTIMA_OK);
    assert_int_equal(ended, 1);
    assert_true(reward_of_round(t, 0) == 0.0);
    assert_true(reward_of_round(t, 1) == 2.0);
    optima_trainer_destroy(t);
}

/* With rounds of one step, the evaluation submitted during the first step is that
 * round's, not a second baseline: the first round ends, in the step API and the run loop. */
static void one_step_rounds_with_the_evaluation_source_end(void **state)
{
    fixture *f = *state;
    optima_trainer *t = bare_trainer(f, 1, OPTIMA_REWARD_ABSOLUTE, OPTIMA_REWARD_SOURCE_EVALUATION);
    assert_int_equal(optima_trainer_submit_evaluation(t, 3.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_submit_evaluation(t, 2.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    int32_t ended = 0;
    assert_int_equal(optima_trainer_end_step(t, 1.0, &ended), OPTIMA_OK);
    assert_int_equal(ended, 1);
    assert_true(reward_of_round(t, 0) == 1.0);
    optima_trainer_destroy(t);

    t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 1);
    assert_int_equal(optima_trainer_set_reward(t, OPTIMA_REWARD_ABSOLUTE, OPTIMA_REWARD_SOURCE_EVALUATION),
                     OPTIMA_OK);
    const optima_callbacks cb = host_callbacks();
    assert_int_equal(optima_trainer_run(t, &cb, &f->h, 3), OPTIMA_OK);
    uint64_t rounds = 0;
    assert_int_equal(optima_trainer_progress(t, NULL, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 3);
    assert_true(fabs(reward_of_round(t, 0) - (10.0 * 0.9 - 10.0 * 0.81)) < 1e-12);
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_tiny_previous_loss_cannot_wedge_the_trainer, setup, teardown),
        cmocka_unit_test_setup_teardown(a_zero_previous_loss_divides_by_the_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(extreme_finite_losses_give_clipped_rewards, setup, teardown),
        cmocka_unit_test_setup_teardown(one_step_rounds_with_the_evaluation_source_end, setup, teardown),
        cmocka_unit_test_setup_teardown(reference_losses_beyond_the_bound_are_refused_and_the_step_ends_again,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
