/* The gradient-alignment reward (OPTIMA_REWARD_SOURCE_ALIGNMENT) and
 * optima_trainer_set_task_grad(): the cosine per pair, the round's mean, what is refused,
 * and save/restore with a round in flight. */
#include <math.h>

#include "reward_testutil.h"

#define ROUND 2u

/* The task gradient the test hands for module m: sign[m] × the layerwise gradient, so the
 * pair's cosine is exactly 1, −1, or 0 for a zero sign. */
typedef struct task_script {
    float sign[HOST_MODULES];
    int skip_module; /* a module whose task gradient is not handed (-1: none) */
} task_script;

static optima_trainer *alignment_trainer(fixture *f, int32_t policy, int32_t kind)
{
    optima_trainer *t = host_trainer(&f->h, policy, ROUND);
    assert_int_equal(optima_trainer_set_reward(t, kind, OPTIMA_REWARD_SOURCE_ALIGNMENT), OPTIMA_OK);
    return t;
}

static void begin_and_compute(fixture *f, optima_trainer *t, uint64_t step)
{
    host_begin_and_give(&f->h, t, step, NULL, 1);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
}

/* Hands sign[m] × the layerwise gradient of every planned student layer. */
static void hand_task_grads(optima_trainer *t, const task_script *s)
{
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
    for (size_t i = 0; i < count; ++i) {
        if (plan[i].side != OPTIMA_SIDE_STUDENT || (int)plan[i].module == s->skip_module) continue;
        optima_tensor g;
        assert_int_equal(optima_trainer_student_grad(t, plan[i].module, plan[i].layer, &g), OPTIMA_OK);
        float task[HOST_ROWS * HOST_MAX_WIDTH];
        for (size_t r = 0; r < g.rows; ++r)
            for (size_t c = 0; c < g.cols; ++c)
                task[r * g.cols + c] = s->sign[plan[i].module] * g.data[r * g.row_stride + c];
        const optima_tensor v = host_view(task, g.cols);
        assert_int_equal(optima_trainer_set_task_grad(t, plan[i].module, plan[i].layer, &v), OPTIMA_OK);
    }
}

static void aligned_step(fixture *f, optima_trainer *t, uint64_t step, const task_script *s)
{
    begin_and_compute(f, t, step);
    hand_task_grads(t, s);
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_OK);
}

static double round_reward(optima_trainer *t, uint64_t round)
{
    double reward = NAN;
    assert_int_equal(optima_trainer_round_record(t, round, NULL, NULL, &reward, NULL), OPTIMA_OK);
    return reward;
}

/* ALL distils the 3 pairs: a step's alignment is the mean of their cosines. */
static void the_reward_is_the_mean_cosine_over_pairs_and_steps(void **state)
{
    fixture *f = *state;
    optima_trainer *t = alignment_trainer(f, OPTIMA_POLICY_ALL, OPTIMA_REWARD_ABSOLUTE);
    const task_script same = {{1.0f, 3.0f, 0.5f}, -1}, opposite = {{-1.0f, -2.0f, -1.0f}, -1};
    const task_script mixed = {{1.0f, -1.0f, 1.0f}, -1};
    aligned_step(f, t, 0, &same);
    aligned_step(f, t, 1, &same);
    assert_float_equal(round_reward(t, 0), 1.0, 1e-6);
    aligned_step(f, t, 2, &opposite);
    aligned_step(f, t, 3, &opposite);
    assert_float_equal(round_reward(t, 1), -1.0, 1e-6);
    aligned_step(f, t, 4, &mixed);
    aligned_step(f, t, 5, &same);
    /* step 4: (1 − 1 + 1) / 3, step 5: 1 */
    assert_float_equal(round_reward(t, 2), (1.0 / 3.0 + 1.0) / 2.0, 1e-6);
    optima_trainer_destroy(t);
}

static void a_step_without_every_task_gradient_cannot_end(void **state)
{
    fixture *f = *state;
    optima_trainer *t = alignment_trainer(f, OPTIMA_POLICY_ALL, OPTIMA_REWARD_RELATIVE);
    task_script partial = {{1.0f, 1.0f, 1.0f}, 1};
    begin_and_compute(f, t, 0);
    hand_task_grads(t, &partial);
    assert_fails_naming(t, optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE, "optima_trainer_set_task_grad");
    uint64_t steps = 9;
    assert_int_equal(optima_trainer_progress(t, &steps, NULL), OPTIMA_OK);
    assert_int_equal(steps, 0);
    /* the missing one now: the step ends */
    const task_script rest = {{1.0f, 1.0f, 1.0f}, -1};
    optima_tensor g;
    assert_int_equal(optima_trainer_student_grad(t, 1, 0, &g), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_task_grad(t, 1, 0, &g), OPTIMA_OK);
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_OK);
    /* a new compute forgets what was handed: all must come again */
    begin_and_compute(f, t, 1);
    hand_task_grads(t, &rest);
    assert_int_equal(host_give(&f->h, t, 1), OPTIMA_OK);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE, "3 of this step's 3");
    hand_task_grads(t, &rest);
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_OK);
    assert_float_equal(round_reward(t, 0), 1.0, 1e-6);
    optima_trainer_destroy(t);
}

static void bad_task_gradients_are_refused_and_change_nothing(void **state)
{
    fixture *f = *state;
    optima_trainer *t = alignment_trainer(f, OPTIMA_POLICY_FIXED, OPTIMA_REWARD_ABSOLUTE);
    optima_scheduler *sched = NULL;
    assert_int_equal(optima_trainer_get_scheduler(t, &sched), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_arm_set(sched, OPTIMA_ARMS_SINGLE_MODULES), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_fixed_arm(sched, 0), OPTIMA_OK); /* module 0 alone */
    float data[HOST_ROWS * HOST_MAX_WIDTH] = {0};
    optima_tensor v = host_view(data, host_student_width[0]);
    assert_fails_naming_no_handle(optima_trainer_set_task_grad(NULL, 0, 0, &v), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, NULL), OPTIMA_EINVAL, "'view'");
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &v), OPTIMA_ESTATE, "optima_trainer_compute");
    optima_trainer_destroy(t);

    t = alignment_trainer(f, OPTIMA_POLICY_ALL, OPTIMA_REWARD_ABSOLUTE);
    begin_and_compute(f, t, 0);
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 1, &v), OPTIMA_ENOTFOUND, "'layer'");
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 7, 0, &v), OPTIMA_ENOTFOUND, "'module'");
    optima_tensor wrong = host_view(data, host_student_width[0] + 1);
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &wrong), OPTIMA_ESHAPE, "'view'");
    wrong = v;
    wrong.rows -= 1;
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &wrong), OPTIMA_ESHAPE, "'view'");
    wrong = v;
    wrong.data = NULL;
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &wrong), OPTIMA_ESHAPE, "NULL");
    wrong = v;
    wrong.row_stride = wrong.cols - 1;
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &wrong), OPTIMA_ESHAPE, "stride");
    data[3] = NAN;
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &v), OPTIMA_ENONFINITE, "'view'");
    data[3] = INFINITY;
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &v), OPTIMA_ENONFINITE, "'view'");
    /* nothing was counted: the aligned gradients give exactly 1 */
    const task_script same = {{1.0f, 1.0f, 1.0f}, -1};
    hand_task_grads(t, &same);
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &v), OPTIMA_ESTATE, "already");
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_OK);
    aligned_step(f, t, 1, &same);
    assert_float_equal(round_reward(t, 0), 1.0, 1e-6);
    optima_trainer_destroy(t);
}

/* A zero task gradient has no direction: its cosine counts as 0. */
static void a_zero_task_gradient_counts_as_zero(void **state)
{
    fixture *f = *state;
    optima_trainer *t = alignment_trainer(f, OPTIMA_POLICY_ALL, OPTIMA_REWARD_ABSOLUTE);
    const task_script zero = {{0.0f, 1.0f, 1.0f}, -1};
    aligned_step(f, t, 0, &zero);
    aligned_step(f, t, 1, &zero);
    assert_float_equal(round_reward(t, 0), 2.0 / 3.0, 1e-6);
    optima_trainer_destroy(t);
}

/* The run loop's task gradient: the student's hidden state itself (any view of the right
 * shape that depends on the step will do), or a bad view at h->fail_at_step. */
static int host_cb_task_grad(void *user, uint64_t step, const optima_layer_ref *needed,
                             size_t count, optima_tensor *task_grads)
{
    host *h = user;
    for (size_t i = 0; i < count; ++i) {
        if (needed[i].side != OPTIMA_SIDE_STUDENT) continue;
        task_grads[i] = host_hidden_view(h, needed[i].side, needed[i].module, needed[i].layer);
        if ((int)step == h->fail_at_step && h->fail_in == NULL) task_grads[i].cols -= 1;
    }
    return host_cb_fails(h, step, "task_grad");
}

static optima_callbacks aligned_callbacks(void)
{
    optima_callbacks cb = host_callbacks();
    cb.task_grad = host_cb_task_grad;
    return cb;
}

/* What the run loop's callback hands, handed through the step API. */
static void hand_hidden_as_task_grads(host *h, optima_trainer *t)
{
    const optima_layer_ref *plan = NULL;
    size_t count = 0;
    assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
    for (size_t i = 0; i < count; ++i) {
        if (plan[i].side != OPTIMA_SIDE_STUDENT) continue;
        const optima_tensor v = host_hidden_view(h, plan[i].side, plan[i].module, plan[i].layer);
        assert_int_equal(optima_trainer_set_task_grad(t, plan[i].module, plan[i].layer, &v), OPTIMA_OK);
    }
}

static void the_run_loop_feeds_the_alignment_through_its_callback(void **state)
{
    fixture *f = *state;
    optima_trainer *by_steps = alignment_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_RELATIVE);
    for (uint64_t step = 0; step < 30; ++step)
        assert_int_equal(host_step_with(&f->h, by_steps, step, NULL, hand_hidden_as_task_grads), OPTIMA_OK);

    host h2;
    host_init(&h2, f->ctx);
    optima_trainer *by_run = host_trainer(&h2, OPTIMA_POLICY_OPTIMA, ROUND);
    assert_int_equal(optima_trainer_set_reward(by_run, OPTIMA_REWARD_RELATIVE,
                                               OPTIMA_REWARD_SOURCE_ALIGNMENT), OPTIMA_OK);
    const optima_callbacks cb = aligned_callbacks();
    assert_int_equal(optima_trainer_run(by_run, &cb, &h2, 30), OPTIMA_OK);
    for (uint64_t r = 0; r < 15; ++r) {
        uint32_t arm_a = 0, arm_b = 0;
        double reward_a = NAN, reward_b = NAN;
        assert_int_equal(optima_trainer_round_record(by_steps, r, NULL, &arm_a, &reward_a, NULL), OPTIMA_OK);
        assert_int_equal(optima_trainer_round_record(by_run, r, NULL, &arm_b, &reward_b, NULL), OPTIMA_OK);
        assert_int_equal(arm_a, arm_b);
        assert_true(reward_a == reward_b); /* bit for bit */
        assert_true(reward_a != 0.0);      /* the hidden states are not orthogonal to the gradients */
    }
    optima_trainer_destroy(by_steps);
    optima_trainer_destroy(by_run);
    host_free(&h2);
}

static void the_run_loop_needs_the_task_grad_callback(void **state)
{
    fixture *f = *state;
    optima_trainer *t = alignment_trainer(f, OPTIMA_POLICY_ALL, OPTIMA_REWARD_RELATIVE);
    const optima_callbacks cb = host_callbacks();
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 4), OPTIMA_EINVAL, "callbacks->task_grad");
    /* a 1.0-sized table ends before the member: the same refusal */
    optima_callbacks old = aligned_callbacks();
    old.struct_size = (uint32_t)offsetof(optima_callbacks, task_grad);
    assert_fails_naming(t, optima_trainer_run(t, &old, &f->h, 4), OPTIMA_EINVAL, "callbacks->task_grad");
    optima_trainer_destroy(t);
}

static void a_bad_task_gradient_or_a_stop_in_the_callback_ends_the_run(void **state)
{
    fixture *f = *state;
    optima_trainer *t = alignment_trainer(f, OPTIMA_POLICY_ALL, OPTIMA_REWARD_RELATIVE);
    const optima_callbacks cb = aligned_callbacks();
    f->h.fail_at_step = 3;
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 6), OPTIMA_ESHAPE, "argument 'view'");
    optima_trainer_destroy(t);

    t = alignment_trainer(f, OPTIMA_POLICY_ALL, OPTIMA_REWARD_RELATIVE);
    f->h.fail_in = "task_grad";
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 6), OPTIMA_ECALLBACK, "task_grad");
    int32_t code = 0;
    assert_int_equal(optima_trainer_callback_code(t, &code), OPTIMA_OK);
    assert_int_equal(code, 7);
    uint64_t steps = 0, rounds = 0;
    assert_int_equal(optima_trainer_progress(t, &steps, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 1); /* round 0 credited, round 1 (steps 2 and 3) forgotten */
    f->h.fail_in = NULL;
    f->h.fail_at_step = -1;
    assert_int_equal(optima_trainer_run(t, &cb, &f->h, 4), OPTIMA_OK);
    optima_trainer_destroy(t);
}

/* With the training source, handing task gradients changes nothing. */
static void other_sources_ignore_task_gradients(void **state)
{
    fixture *f = *state;
    optima_trainer *a = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, ROUND);
    optima_trainer *b = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, ROUND);
    const task_script same = {{1.0f, -1.0f, 1.0f}, -1};
    for (uint64_t step = 0; step < 20; ++step) {
        begin_and_compute(f, a, step);
        assert_int_equal(optima_trainer_end_step(a, 1.0 / (double)(step + 1), NULL), OPTIMA_OK);
        begin_and_compute(f, b, step);
        hand_task_grads(b, &same);
        assert_int_equal(optima_trainer_end_step(b, 1.0 / (double)(step + 1), NULL), OPTIMA_OK);
    }
    for (uint64_t r = 0; r < 10; ++r) assert_true(round_reward(a, r) == round_reward(b, r));
    optima_trainer_destroy(a);
    optima_trainer_destroy(b);
}

/* ---- save and restore with a round in flight ------------------------------------------ */

/* Step k hands signs that vary with k, so every round's reward differs. */
static task_script script_of(uint64_t step)
{
    task_script s = {{1.0f, step % 3 ? 1.0f : -1.0f, step % 5 ? -1.0f : 1.0f}, -1};
    return s;
}

static void run_aligned(fixture *f, optima_trainer *t, uint64_t from, uint64_t to)
{
    for (uint64_t step = from; step < to; ++step) {
        const task_script s = script_of(step);
        aligned_step(f, t, step, &s);
    }
}

static void save_and_restore_mid_round_is_exact(void **state)
{
    fixture *f = *state;
    const uint64_t n = 21; /* mid-round: one step of a round of 2 in flight */
    optima_trainer *a = alignment_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED);
    run_aligned(f, a, 0, 2 * n);
    optima_trainer *b = alignment_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED);
    run_aligned(f, b, 0, n);
    blob cp = blob_of_trainer(b);
    optima_trainer_destroy(b);
    b = alignment_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED);
    assert_int_equal(load_trainer_bytes(b, cp.data, cp.size), OPTIMA_OK);
    run_aligned(f, b, n, 2 * n);
    assert_same_rounds(a, b, n);
    free(cp.data);
    optima_trainer_destroy(a);
    optima_trainer_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_reward_is_the_mean_cosine_over_pairs_and_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(a_step_without_every_task_gradient_cannot_end, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_task_gradients_are_refused_and_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_zero_task_gradient_counts_as_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(the_run_loop_feeds_the_alignment_through_its_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(the_run_loop_needs_the_task_grad_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(a_bad_task_gradient_or_a_stop_in_the_callback_ends_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(other_sources_ignore_task_gradients, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_restore_mid_round_is_exact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
