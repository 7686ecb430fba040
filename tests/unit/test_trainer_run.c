/* The trainer's run loop: the same numbers as the step API, callbacks that stop the run
 * leave a consistent trainer, bad callback tables are refused. */
#include "trainer_host.h"

static void collect_arms(optima_trainer *t, uint32_t *arms, uint64_t rounds)
{
    for (uint64_t r = 0; r < rounds; ++r)
        assert_int_equal(optima_trainer_round_record(t, r, NULL, &arms[r], NULL, NULL), OPTIMA_OK);
}

static void projection_of(optima_trainer *t, size_t pair, const float **data, size_t *size)
{
    optima_loss *loss = NULL;
    assert_int_equal(optima_trainer_pair_loss(t, pair, &loss), OPTIMA_OK);
    float *p = NULL;
    size_t rows = 0, cols = 0;
    assert_int_equal(optima_loss_projection(loss, 0, &p, &rows, &cols), OPTIMA_OK);
    *data = p;
    *size = rows * cols;
}

static void run_loop_equals_the_step_api(void **state)
{
    fixture *f = *state;
    optima_trainer *by_steps = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 3);
    for (uint64_t step = 0; step < 30; ++step) assert_int_equal(host_step(&f->h, by_steps, step, NULL), OPTIMA_OK);

    host h2;
    host_init(&h2, f->ctx);
    optima_trainer *by_run = host_trainer(&h2, OPTIMA_POLICY_OPTIMA, 3);
    const optima_callbacks cb = host_callbacks();
    assert_int_equal(optima_trainer_run(by_run, &cb, &h2, 30), OPTIMA_OK);

    uint32_t a1[10], a2[10];
    collect_arms(by_steps, a1, 10);
    collect_arms(by_run, a2, 10);
    assert_memory_equal(a1, a2, sizeof a1);
    for (size_t p = 0; p < HOST_MODULES; ++p) {
        const float *x = NULL, *y = NULL;
        size_t nx = 0, ny = 0;
        projection_of(by_steps, p, &x, &nx);
        projection_of(by_run, p, &y, &ny);
        assert_int_equal(nx, ny);
        if (nx > 0) assert_memory_equal(x, y, nx * sizeof(float));
    }
    assert_memory_equal(f->h.student_w, h2.student_w, sizeof h2.student_w);
    optima_trainer_destroy(by_steps);
    optima_trainer_destroy(by_run);
    host_free(&h2);
}

static void distillation_lowers_the_layer_losses(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 5);
    assert_int_equal(optima_trainer_set_optimizer(t, OPTIMA_OPTIMIZER_ADAMW, 1e-2), OPTIMA_OK);
    const optima_callbacks cb = host_callbacks();
    assert_int_equal(optima_trainer_run(t, &cb, &f->h, 400), OPTIMA_OK);
    for (size_t p = 0; p < HOST_MODULES; ++p) {
        double first = 0, last = 0;
        int32_t active = 0;
        assert_int_equal(optima_trainer_round_pair_loss(t, 0, p, &first, &active), OPTIMA_OK);
        assert_int_equal(active, 1);
        assert_int_equal(optima_trainer_round_pair_loss(t, 79, p, &last, &active), OPTIMA_OK);
        assert_true(last < 0.5 * first);
    }
    optima_trainer_destroy(t);
}

static void a_callback_stopping_mid_round_leaves_a_consistent_trainer(void **state)
{
    fixture *f = *state;
    static const char *const which[] = {"next_batch", "forward", "backward"};
    for (size_t w = 0; w < 3; ++w) {
        host h;
        host_init(&h, f->ctx);
        optima_trainer *t = host_trainer(&h, OPTIMA_POLICY_OPTIMA, 3);
        const optima_callbacks cb = host_callbacks();
        h.fail_in = which[w];
        h.fail_at_step = 4; /* the second step of round 1 */
        assert_int_equal(optima_trainer_run(t, &cb, &h, 10), OPTIMA_ECALLBACK);
        assert_non_null(strstr(optima_trainer_last_error(t), which[w]));
        int32_t code = 0;
        assert_int_equal(optima_trainer_callback_code(t, &code), OPTIMA_OK);
        assert_int_equal(code, 7);
        uint64_t steps = 0, rounds = 0;
        assert_int_equal(optima_trainer_progress(t, &steps, &rounds), OPTIMA_OK);
        assert_int_equal(rounds, 1);
        assert_int_equal(steps, 4); /* steps 0-3 ended; step 4 was discarded */
        uint32_t arm_before = 0;
        optima_scheduler *s = NULL;
        assert_int_equal(optima_trainer_get_scheduler(t, &s), OPTIMA_OK);
        uint64_t played = 0;
        assert_int_equal(optima_scheduler_get_rounds(s, &played), OPTIMA_OK);
        assert_int_equal(played, 1); /* the round in flight was not credited */
        /* the interrupted round is replayed whole with the same arm */
        h.fail_in = NULL;
        assert_int_equal(optima_trainer_run(t, &cb, &h, 3), OPTIMA_OK);
        assert_int_equal(optima_trainer_progress(t, &steps, &rounds), OPTIMA_OK);
        assert_int_equal(rounds, 2);
        uint64_t first = 0;
        assert_int_equal(optima_trainer_round_record(t, 1, &first, &arm_before, NULL, NULL), OPTIMA_OK);
        assert_int_equal(first, 4);
        optima_trainer_destroy(t);
        host_free(&h);
    }
}

typedef struct round_host {
    host h; /* first: the host's callbacks read the user pointer as a host */
    uint64_t seen[8];
    uint32_t arms[8];
    int count;
    int stop_at_round;
} round_host;

static int record_round(void *user, uint64_t round, uint32_t arm, double reward)
{
    (void)reward;
    round_host *rh = user;
    rh->seen[rh->count] = round;
    rh->arms[rh->count] = arm;
    rh->count += 1;
    return (int)round == rh->stop_at_round ? 3 : 0;
}

static void round_end_callback_sees_every_round_and_may_stop(void **state)
{
    fixture *f = *state;
    round_host rh;
    memset(&rh, 0, sizeof rh);
    host_init(&rh.h, f->ctx);
    rh.stop_at_round = 1;
    optima_trainer *t = host_trainer(&rh.h, OPTIMA_POLICY_ROUND_ROBIN, 2);
    optima_callbacks cb = host_callbacks();
    cb.round_end = record_round;
    assert_fails_naming(t, optima_trainer_run(t, &cb, &rh, 10), OPTIMA_ECALLBACK, "round_end");
    assert_int_equal(rh.count, 2);
    assert_int_equal(rh.seen[0], 0);
    assert_int_equal(rh.seen[1], 1);
    assert_int_equal(rh.arms[1], 1);
    /* stopping in round_end loses nothing: both rounds are credited */
    uint64_t rounds = 0, steps = 0;
    assert_int_equal(optima_trainer_progress(t, &steps, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 2);
    assert_int_equal(steps, 4);
    rh.stop_at_round = -1;
    assert_int_equal(optima_trainer_run(t, &cb, &rh, 2), OPTIMA_OK);
    assert_int_equal(rh.count, 3);
    assert_int_equal(rh.arms[2], 2);
    optima_trainer_destroy(t);
    host_free(&rh.h);
}

static void evaluation_source_calls_evaluate_for_baseline_and_rounds(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ROUND_ROBIN, 2);
    assert_int_equal(optima_trainer_set_reward(t, OPTIMA_REWARD_RELATIVE,
                                               OPTIMA_REWARD_SOURCE_EVALUATION), OPTIMA_OK);
    optima_callbacks cb = host_callbacks();
    cb.evaluate = NULL;
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 4), OPTIMA_EINVAL, "'callbacks->evaluate'");
    cb = host_callbacks();
    assert_int_equal(optima_trainer_run(t, &cb, &f->h, 4), OPTIMA_OK);
    /* evaluations fall by 10% each call: baseline 9, then 8.1, 7.29 */
    double reward = 0, mean = 0;
    assert_int_equal(optima_trainer_round_record(t, 0, NULL, NULL, &reward, &mean), OPTIMA_OK);
    assert_true(fabs(mean - 8.1) < 1e-12);
    assert_true(fabs(reward - 0.1) < 1e-12);
    assert_int_equal(optima_trainer_round_record(t, 1, NULL, NULL, &reward, &mean), OPTIMA_OK);
    assert_true(fabs(mean - 7.29) < 1e-12);
    assert_true(fabs(reward - 0.1) < 1e-12);
    optima_trainer_destroy(t);
}

static void bad_callback_tables_are_refused(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    optima_callbacks cb = host_callbacks();
    assert_fails_naming_no_handle(optima_trainer_run(NULL, &cb, &f->h, 1), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_run(t, NULL, &f->h, 1), OPTIMA_EINVAL, "'callbacks'");
    cb.struct_size = 8;
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 1), OPTIMA_EINVAL, "'callbacks->struct_size'");
    cb = host_callbacks();
    cb.reserved = 1;
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 1), OPTIMA_EINVAL, "'callbacks->reserved'");
    cb = host_callbacks();
    cb.forward = NULL;
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 1), OPTIMA_EINVAL, "'callbacks->forward'");
    cb = host_callbacks();
    cb.backward = NULL;
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 1), OPTIMA_EINVAL, "'callbacks->backward'");
    cb = host_callbacks();
    cb.next_batch = NULL;
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 1), OPTIMA_EINVAL, "'callbacks->next_batch'");
    /* an older, shorter table (up to backward) is accepted: later members count as NULL */
    cb = host_callbacks();
    cb.struct_size = (uint32_t)(offsetof(optima_callbacks, backward) + sizeof cb.backward);
    cb.optimizer_step = (int (*)(void *, uint64_t))1; /* never read */
    assert_int_equal(optima_trainer_run(t, &cb, &f->h, 2), OPTIMA_OK);
    optima_trainer_destroy(t);
}

static int count_projection_updates(void *user, uint32_t pair, uint32_t layer_pair, float *param,
                                    const float *grad, size_t rows, size_t cols)
{
    (void)layer_pair;
    int *calls = user;
    assert_true(pair == 0 || pair == 2); /* text has no projection */
    for (size_t i = 0; i < rows * cols; ++i) param[i] -= 0.1f * grad[i];
    return ++*calls == 5 ? 9 : 0;
}

static void host_projection_optimizer_gets_every_pair(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_ALL, 2);
    assert_int_equal(optima_trainer_set_optimizer(t, OPTIMA_OPTIMIZER_HOST, 0.0), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_begin_step(t, NULL), OPTIMA_ESTATE, "callback");
    int calls = 0;
    assert_int_equal(optima_trainer_set_projection_callback(t, count_projection_updates, &calls), OPTIMA_OK);
    assert_int_equal(host_step(&f->h, t, 0, NULL), OPTIMA_OK);
    assert_int_equal(calls, 2);
    assert_int_equal(host_step(&f->h, t, 1, NULL), OPTIMA_OK);
    assert_fails_naming(t, host_step(&f->h, t, 2, NULL), OPTIMA_ECALLBACK, "projection callback returned 9");
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(run_loop_equals_the_step_api, setup, teardown),
        cmocka_unit_test_setup_teardown(distillation_lowers_the_layer_losses, setup, teardown),
        cmocka_unit_test_setup_teardown(a_callback_stopping_mid_round_leaves_a_consistent_trainer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(round_end_callback_sees_every_round_and_may_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(evaluation_source_calls_evaluate_for_baseline_and_rounds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_callback_tables_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(host_projection_optimizer_gets_every_pair, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
