/* Schedule-only mode: fed the loss values the full mode computed, a schedule-only trainer
 * plays the same arms and gives the same rewards, round records, round log and resumed
 * state, bit for bit; what it does not do (views, compute, gradients) is refused naming
 * the mode, and a step cannot end before every active pair's loss is reported. */
#include <unistd.h>

#include "blob.h"
#include "trainer_host.h"

#define STEPS 40
#define ROUND 3

/* What one full-mode step computed, to be reported to a schedule-only trainer. */
typedef struct step_values {
    uint32_t arm;
    double pair_loss[HOST_MODULES];
    int32_t active[HOST_MODULES];
    double kl;
    double task;
    int32_t ended;
} step_values;

/* host_step, keeping the values between compute and end_step. */
static void full_step(host *h, optima_trainer *t, uint64_t step, step_values *v)
{
    assert_int_equal(optima_trainer_begin_step(t, &v->arm), OPTIMA_OK);
    host_next_batch(h, step);
    host_forward(h);
    assert_int_equal(host_give(h, t, 1), OPTIMA_OK);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    for (size_t p = 0; p < HOST_MODULES; ++p)
        assert_int_equal(optima_trainer_pair_loss_value(t, p, &v->pair_loss[p], &v->active[p]), OPTIMA_OK);
    assert_int_equal(optima_trainer_losses(t, &v->kl, NULL), OPTIMA_OK);
    optima_tensor grads[HOST_MODULES], kl_grad;
    for (size_t m = 0; m < HOST_MODULES; ++m)
        assert_int_equal(optima_trainer_student_grad(t, m, 0, &grads[m]), OPTIMA_OK);
    assert_int_equal(optima_trainer_logits_grad(t, &kl_grad), OPTIMA_OK);
    host_backward(h, grads, &kl_grad, &v->task);
    assert_int_equal(optima_trainer_end_step(t, v->task, &v->ended), OPTIMA_OK);
}

/* The same step in schedule-only mode, from the values; the plan must list exactly the
 * layers of the pairs the full mode had active. */
static void reported_step(optima_trainer *t, const step_values *v)
{
    uint32_t arm = 0;
    assert_int_equal(optima_trainer_begin_step(t, &arm), OPTIMA_OK);
    assert_int_equal(arm, v->arm);
    const optima_layer_ref *plan = NULL;
    size_t count = 0, active = 0;
    assert_int_equal(optima_trainer_plan(t, &plan, &count), OPTIMA_OK);
    for (size_t p = 0; p < HOST_MODULES; ++p) {
        if (!v->active[p]) continue;
        ++active;
        assert_int_equal(optima_trainer_report_pair_loss(t, p, v->pair_loss[p]), OPTIMA_OK);
    }
    assert_int_equal(count, 2 * active);
    assert_int_equal(optima_trainer_report_kl(t, v->kl), OPTIMA_OK);
    int32_t ended = -1;
    assert_int_equal(optima_trainer_end_step(t, v->task, &ended), OPTIMA_OK);
    assert_int_equal(ended, v->ended);
}

static optima_trainer *schedule_only_trainer(fixture *f)
{
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, ROUND);
    assert_int_equal(optima_trainer_set_mode(t, OPTIMA_TRAINER_MODE_SCHEDULE_ONLY), OPTIMA_OK);
    int32_t mode = -1;
    assert_int_equal(optima_trainer_get_mode(t, &mode), OPTIMA_OK);
    assert_int_equal(mode, OPTIMA_TRAINER_MODE_SCHEDULE_ONLY);
    return t;
}

static void assert_same_records(optima_trainer *a, optima_trainer *b)
{
    uint64_t steps_a = 0, rounds_a = 0, steps_b = 0, rounds_b = 0;
    assert_int_equal(optima_trainer_progress(a, &steps_a, &rounds_a), OPTIMA_OK);
    assert_int_equal(optima_trainer_progress(b, &steps_b, &rounds_b), OPTIMA_OK);
    assert_int_equal(steps_a, steps_b);
    assert_int_equal(rounds_a, rounds_b);
    assert_true(rounds_a > 10);
    for (uint64_t r = 0; r < rounds_a; ++r) {
        uint64_t first_a = 0, first_b = 1;
        uint32_t arm_a = 0, arm_b = 1;
        double reward_a = 0, reward_b = 1, mean_a = 0, mean_b = 1;
        assert_int_equal(optima_trainer_round_record(a, r, &first_a, &arm_a, &reward_a, &mean_a), OPTIMA_OK);
        assert_int_equal(optima_trainer_round_record(b, r, &first_b, &arm_b, &reward_b, &mean_b), OPTIMA_OK);
        assert_int_equal(first_a, first_b);
        assert_int_equal(arm_a, arm_b);
        assert_memory_equal(&reward_a, &reward_b, sizeof reward_a);
        assert_memory_equal(&mean_a, &mean_b, sizeof mean_a);
        for (size_t p = 0; p < HOST_MODULES; ++p) {
            double la = 0, lb = 1;
            int32_t aa = 0, ab = 1;
            assert_int_equal(optima_trainer_round_pair_loss(a, r, p, &la, &aa), OPTIMA_OK);
            assert_int_equal(optima_trainer_round_pair_loss(b, r, p, &lb, &ab), OPTIMA_OK);
            assert_memory_equal(&la, &lb, sizeof la);
            assert_int_equal(aa, ab);
        }
    }
}

static char *read_all(const char *path)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    char *text = calloc(1, 1 << 16);
    const size_t n = fread(text, 1, (1 << 16) - 1, file);
    fclose(file);
    assert_true(n > 0);
    return text;
}

static void same_arms_rewards_and_round_log_as_the_full_mode(void **state)
{
    fixture *f = *state;
    char log_full[] = "optima-full-XXXXXX", log_so[] = "optima-schedule-XXXXXX";
    close(mkstemp(log_full));
    close(mkstemp(log_so));
    optima_trainer *full = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, ROUND);
    optima_trainer *so = schedule_only_trainer(f);
    assert_int_equal(optima_trainer_set_round_log(full, log_full, OPTIMA_LOG_FORMAT_JSONL), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_round_log(so, log_so, OPTIMA_LOG_FORMAT_JSONL), OPTIMA_OK);
    for (uint64_t step = 0; step < STEPS; ++step) {
        step_values v;
        full_step(&f->h, full, step, &v);
        reported_step(so, &v);
    }
    assert_same_records(full, so);
    assert_int_equal(optima_trainer_set_round_log(full, NULL, OPTIMA_LOG_FORMAT_CSV), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_round_log(so, NULL, OPTIMA_LOG_FORMAT_CSV), OPTIMA_OK);
    char *a = read_all(log_full), *b = read_all(log_so);
    assert_string_equal(a, b);
    free(a);
    free(b);
    unlink(log_full);
    unlink(log_so);
    optima_trainer_destroy(full);
    optima_trainer_destroy(so);
}

/* Checkpoints mid-round: both modes resume into the same arms, rewards and records as
 * the uninterrupted full run. */
static void resumed_schedule_only_trainers_continue_as_the_full_mode(void **state)
{
    fixture *f = *state;
    optima_trainer *full = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, ROUND);
    optima_trainer *so = schedule_only_trainer(f);
    step_values values[STEPS];
    for (uint64_t step = 0; step < STEPS; ++step) full_step(&f->h, full, step, &values[step]);
    const uint64_t cut = 2 * ROUND + 1; /* mid-round */
    for (uint64_t step = 0; step < cut; ++step) reported_step(so, &values[step]);
    blob cp = blob_of_trainer(so);
    optima_trainer_destroy(so);
    so = schedule_only_trainer(f);
    assert_int_equal(load_trainer_bytes(so, cp.data, cp.size), OPTIMA_OK);
    for (uint64_t step = cut; step < STEPS; ++step) reported_step(so, &values[step]);
    assert_same_records(full, so);
    /* a full trainer refuses the schedule-only checkpoint, naming the mode */
    optima_trainer *other = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, ROUND);
    assert_int_equal(load_trainer_bytes(other, cp.data, cp.size), OPTIMA_EMISMATCH);
    assert_non_null(strstr(optima_trainer_last_error(other), "mode is schedule-only, this trainer's full"));
    free(cp.data);
    optima_trainer_destroy(other);
    optima_trainer_destroy(full);
    optima_trainer_destroy(so);
}

static void end_step_names_the_first_pair_not_reported(void **state)
{
    fixture *f = *state;
    optima_trainer *t = schedule_only_trainer(f);
    assert_int_equal(optima_trainer_set_policy(t, OPTIMA_POLICY_ALL, 0), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_round_length(t, 1), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE, "begin_step");
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_report_pair_loss(t, 0, 0.5), OPTIMA_OK);
    assert_int_equal(optima_trainer_report_pair_loss(t, 2, 0.25), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE, "pair 1 ('text')");
    assert_int_equal(optima_trainer_report_pair_loss(t, 1, 0.75), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE, "optima_trainer_report_kl");
    assert_int_equal(optima_trainer_report_kl(t, 0.125), OPTIMA_OK);
    assert_int_equal(optima_trainer_end_step(t, 1.0, NULL), OPTIMA_OK);
    double loss = 0;
    assert_int_equal(optima_trainer_round_pair_loss(t, 0, 1, &loss, NULL), OPTIMA_OK);
    assert_true(loss == 0.75);
    double mean = 0;
    assert_int_equal(optima_trainer_round_record(t, 0, NULL, NULL, NULL, &mean), OPTIMA_OK);
    assert_true(mean == 1.0 + 0.125); /* task + alpha_pred · KL */
    /* the reports of one step do not carry into the next */
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_report_kl(t, 0.125), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE, "pair 0 ('vision')");
    optima_trainer_destroy(t);
}

static void what_the_mode_does_not_do_is_refused_naming_it(void **state)
{
    fixture *f = *state;
    optima_trainer *t = schedule_only_trainer(f);
    assert_int_equal(optima_trainer_set_policy(t, OPTIMA_POLICY_ALL, 0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    host_forward(&f->h);
    const optima_tensor s0 = host_hidden_view(&f->h, OPTIMA_SIDE_STUDENT, 0, 0);
    const optima_tensor zs = host_view(f->h.student_z, HOST_CLASSES);
    const uint8_t mask[HOST_ROWS] = {1, 1, 1, 1, 1, 1};
    optima_tensor g;
    assert_fails_naming(t, optima_trainer_set_hidden(t, OPTIMA_SIDE_STUDENT, 0, 0, &s0), OPTIMA_ESTATE, "schedule-only");
    assert_fails_naming(t, optima_trainer_set_logits(t, OPTIMA_SIDE_STUDENT, &zs), OPTIMA_ESTATE, "schedule-only");
    assert_fails_naming(t, optima_trainer_set_row_mask(t, 0, mask, HOST_ROWS), OPTIMA_ESTATE, "schedule-only");
    assert_fails_naming(t, optima_trainer_set_logits_mask(t, mask, HOST_ROWS), OPTIMA_ESTATE, "schedule-only");
    assert_fails_naming(t, optima_trainer_compute(t, NULL), OPTIMA_ESTATE, "schedule-only");
    assert_fails_naming(t, optima_trainer_student_grad(t, 0, 0, &g), OPTIMA_ESTATE, "schedule-only");
    assert_fails_naming(t, optima_trainer_logits_grad(t, &g), OPTIMA_ESTATE, "schedule-only");
    assert_fails_naming(t, optima_trainer_set_task_grad(t, 0, 0, &s0), OPTIMA_ESTATE, "schedule-only");
    optima_callbacks cb = host_callbacks();
    assert_fails_naming(t, optima_trainer_run(t, &cb, &f->h, 1), OPTIMA_ESTATE, "schedule-only");
    /* bad reports change nothing */
    assert_fails_naming(t, optima_trainer_report_pair_loss(t, 3, 1.0), OPTIMA_ENOTFOUND, "'pair'");
    assert_fails_naming(t, optima_trainer_report_pair_loss(t, 0, NAN), OPTIMA_ENONFINITE, "'loss'");
    assert_fails_naming(t, optima_trainer_report_pair_loss(t, 0, 1e301), OPTIMA_EINVAL, "'loss'");
    assert_fails_naming(t, optima_trainer_report_kl(t, INFINITY), OPTIMA_ENONFINITE, "'kl'");
    assert_fails_naming_no_handle(optima_trainer_report_kl(NULL, 1.0), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming_no_handle(optima_trainer_report_pair_loss(NULL, 0, 1.0), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_end_step(t, 1.0, NULL), OPTIMA_ESTATE, "pair 0");
    /* the mode is set before freezing */
    assert_fails_naming(t, optima_trainer_set_mode(t, OPTIMA_TRAINER_MODE_FULL), OPTIMA_ESTATE, "frozen");
    optima_trainer_destroy(t);

    t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    assert_fails_naming(t, optima_trainer_set_mode(t, 2), OPTIMA_EINVAL, "'mode'");
    assert_fails_naming_no_handle(optima_trainer_set_mode(NULL, 0), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_mode(t, NULL), OPTIMA_EINVAL, "'mode'");
    int32_t mode = -1;
    assert_int_equal(optima_trainer_get_mode(t, &mode), OPTIMA_OK);
    assert_int_equal(mode, OPTIMA_TRAINER_MODE_FULL);
    assert_fails_naming(t, optima_trainer_report_kl(t, 1.0), OPTIMA_ESTATE, "full mode");
    assert_int_equal(optima_trainer_set_mode(t, OPTIMA_TRAINER_MODE_SCHEDULE_ONLY), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_report_pair_loss(t, 0, 1.0), OPTIMA_ESTATE, "begin_step");
    assert_int_equal(optima_trainer_set_reward(t, OPTIMA_REWARD_RELATIVE, OPTIMA_REWARD_SOURCE_ALIGNMENT), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_begin_step(t, NULL), OPTIMA_ESTATE, "alignment");
    optima_trainer_destroy(t);

    /* a pair the arm leaves inactive cannot be reported; without logits no KL is wanted */
    t = schedule_only_trainer(f);
    assert_int_equal(optima_trainer_set_pair_weight(t, 1, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_begin_step(t, NULL), OPTIMA_OK);
    assert_fails_naming(t, optima_trainer_report_pair_loss(t, 1, 1.0), OPTIMA_ENOTFOUND, "not active");
    assert_fails_naming(t, optima_trainer_report_kl(t, 1.0), OPTIMA_ESTATE, "alpha_pred");
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(same_arms_rewards_and_round_log_as_the_full_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(resumed_schedule_only_trainers_continue_as_the_full_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(end_step_names_the_first_pair_not_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(what_the_mode_does_not_do_is_refused_naming_it, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
