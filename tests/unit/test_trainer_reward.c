/* The detrended reward (OPTIMA_REWARD_DETRENDED): the trend model on its own, then through
 * the trainer on reference losses the test writes itself: centred on a trend with no arm
 * effect, an arm effect survives, determinism, save/restore mid-run, older checkpoints. */
#include <math.h>

#include "core/bytes.h"
#include "core/crc32c.h"
#include "reward_testutil.h"
#include "train/trainer_impl.h"

/* ---- the trend model alone ------------------------------------------------------------ */

static void trend_of(opt_reward_trend *trend, uint32_t window, int32_t model)
{
    opt_reward_trend_init(trend);
    trend->window = window;
    trend->model = model;
}

static void mean_model_predicts_the_mean_of_the_last_window(void **state)
{
    (void)state;
    opt_reward_trend trend;
    trend_of(&trend, 3, OPTIMA_REWARD_TREND_MEAN);
    int known = 1;
    assert_true(opt_reward_trend_predict(&trend, &known) == 0.0);
    assert_int_equal(known, 0);
    assert_true(opt_reward_trend_detrend(&trend, 5.0) == 0.0); /* nothing to compare with */
    const double values[5] = {1.0, 2.0, 4.0, 8.0, 16.0};
    for (int i = 0; i < 5; ++i) opt_reward_trend_push(&trend, values[i]);
    /* the ring keeps 4, 8, 16 */
    assert_float_equal(opt_reward_trend_predict(&trend, &known), 28.0 / 3.0, 1e-12);
    assert_int_equal(known, 1);
    assert_float_equal(opt_reward_trend_detrend(&trend, 10.0), 10.0 - 28.0 / 3.0, 1e-12);
    opt_reward_trend_clear(&trend);
    assert_true(opt_reward_trend_detrend(&trend, 5.0) == 0.0);
    assert_int_equal(trend.window, 3);
}

static void linear_model_extrapolates_a_line_exactly(void **state)
{
    (void)state;
    opt_reward_trend trend;
    trend_of(&trend, 8, OPTIMA_REWARD_TREND_LINEAR);
    int known = 0;
    opt_reward_trend_push(&trend, 3.0);
    opt_reward_trend_push(&trend, 5.0);
    /* two rounds: the mean */
    assert_float_equal(opt_reward_trend_predict(&trend, &known), 4.0, 1e-12);
    /* y = 3 + 2t over 12 rounds; the last 8 are kept, the next is 3 + 2·12 */
    opt_reward_trend_clear(&trend);
    for (int t = 0; t < 12; ++t) opt_reward_trend_push(&trend, 3.0 + 2.0 * t);
    assert_float_equal(opt_reward_trend_predict(&trend, &known), 27.0, 1e-9);
    assert_float_equal(opt_reward_trend_detrend(&trend, 27.5), 0.5, 1e-9);
}

/* ---- through the trainer: reference losses written by the test ------------------------ */

#define ROUNDS 400u
#define ROUND 2u

/* The round's relative decrement: a common trend g(t) = 0.05·exp(−t/60) plus noise of
 * standard deviation 0.004 (deterministic), plus `effect` when `arm` is `favoured`. */
typedef struct scripted {
    double reference; /* the reference loss of the round in flight */
    uint64_t noise;   /* generator state of the noise */
    double effect;
    uint32_t favoured;
} scripted;

static double scripted_decrement(scripted *s, uint64_t round, uint32_t arm)
{
    const double noise = 0.004 * sqrt(3.0) * host_value(&s->noise); /* uniform, sd 0.004 */
    return 0.05 * exp(-(double)round / 60.0) + noise + (arm == s->favoured ? s->effect : 0.0);
}

/* A trainer whose only reference loss is the task loss the test hands to end_step. */
static optima_trainer *scripted_trainer(fixture *f, int32_t policy, int32_t kind, uint32_t window,
                                        int32_t model)
{
    optima_trainer *t = host_trainer(&f->h, policy, ROUND);
    assert_int_equal(optima_trainer_set_alpha_pred(t, 0.0), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_reward(t, kind, OPTIMA_REWARD_SOURCE_TRAINING), OPTIMA_OK);
    assert_int_equal(optima_trainer_set_reward_trend(t, window, model), OPTIMA_OK);
    return t;
}

/* One step with the host's views; the task loss is the script's reference. */
static void scripted_step(fixture *f, optima_trainer *t, uint64_t step, scripted *s)
{
    uint32_t arm = 0;
    host_begin_and_give(&f->h, t, step, &arm, 0);
    /* the arm is known now: the round's reference falls by the script's decrement */
    if (step % ROUND == 0 && step > 0) s->reference *= 1.0 - scripted_decrement(s, step / ROUND, arm);
    assert_int_equal(optima_trainer_compute(t, NULL), OPTIMA_OK);
    assert_int_equal(optima_trainer_end_step(t, s->reference, NULL), OPTIMA_OK);
}

static void scripted_run(fixture *f, optima_trainer *t, scripted *s, uint64_t from, uint64_t to)
{
    for (uint64_t step = from; step < to; ++step) scripted_step(f, t, step, s);
}

static scripted script(double effect)
{
    scripted s = {10.0, 99, effect, 0};
    return s;
}

/* Mean reward of the rounds from `first` on, and of those that played `arm` / the others. */
static void reward_means(optima_trainer *t, uint64_t first, uint32_t arm, double *all,
                         double *on_arm, double *off_arm)
{
    double sum = 0, on = 0, off = 0;
    size_t n = 0, n_on = 0, n_off = 0;
    for (uint64_t r = first; r < ROUNDS; ++r) {
        uint32_t a = 0;
        double reward = 0;
        assert_int_equal(optima_trainer_round_record(t, r, NULL, &a, &reward, NULL), OPTIMA_OK);
        sum += reward, n += 1;
        if (a == arm) on += reward, n_on += 1;
        else off += reward, n_off += 1;
    }
    *all = sum / (double)n;
    *on_arm = n_on ? on / (double)n_on : NAN;
    *off_arm = n_off ? off / (double)n_off : NAN;
}

/* With no arm effect, the relative reward's mean is the trend's (≈ 0.0074 over 400 rounds),
 * the detrended reward's is within ±0.0015 of 0 for both models (the mean model lags a
 * falling trend by about half its window: −4.5 × the trend's total fall / 400 ≈ −0.0006;
 * the noise's standard error is 0.0002). */
static void detrended_reward_is_centred_on_a_trend_without_arm_effect(void **state)
{
    fixture *f = *state;
    double relative = 0, detrended[2] = {0, 0}, unused1 = 0, unused2 = 0;
    for (int32_t kind = OPTIMA_REWARD_RELATIVE; kind <= OPTIMA_REWARD_DETRENDED; kind += 2) {
        for (int32_t model = OPTIMA_REWARD_TREND_MEAN; model <= OPTIMA_REWARD_TREND_LINEAR; ++model) {
            optima_trainer *t = scripted_trainer(f, OPTIMA_POLICY_RANDOM, kind, 8, model);
            scripted s = script(0.0);
            scripted_run(f, t, &s, 0, ROUNDS * ROUND);
            double mean = 0;
            reward_means(t, 1, 0, &mean, &unused1, &unused2);
            if (kind == OPTIMA_REWARD_RELATIVE) relative = mean;
            else detrended[model] = mean;
            optima_trainer_destroy(t);
        }
    }
    assert_true(relative > 0.006);
    for (int m = 0; m < 2; ++m) {
        print_message("detrended mean (model %d): %.6f, relative %.6f\n", m, detrended[m], relative);
        assert_true(fabs(detrended[m]) < 0.0015);
    }
}

/* Arm 0 adds 0.01 to the decrement in every round it plays: after detrending, its rounds'
 * mean reward still exceeds the others' by 0.01 ± 0.002 (the trend estimate mixes every
 * arm's rounds, so it does not depend on the arm of the round it predicts). */
static void an_arm_effect_survives_detrending(void **state)
{
    fixture *f = *state;
    for (int32_t model = OPTIMA_REWARD_TREND_MEAN; model <= OPTIMA_REWARD_TREND_LINEAR; ++model) {
        optima_trainer *t = scripted_trainer(f, OPTIMA_POLICY_RANDOM, OPTIMA_REWARD_DETRENDED, 8, model);
        scripted s = script(0.01);
        scripted_run(f, t, &s, 0, ROUNDS * ROUND);
        double all = 0, on = 0, off = 0;
        reward_means(t, 1, 0, &all, &on, &off);
        print_message("model %d: arm 0 %.6f, others %.6f\n", model, on, off);
        assert_float_equal(on - off, 0.01, 0.002);
        optima_trainer_destroy(t);
    }
}

static void detrended_rewards_are_deterministic(void **state)
{
    fixture *f = *state;
    optima_trainer *a = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED, 5,
                                         OPTIMA_REWARD_TREND_LINEAR);
    optima_trainer *b = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED, 5,
                                         OPTIMA_REWARD_TREND_LINEAR);
    scripted sa = script(0.01), sb = script(0.01);
    scripted_run(f, a, &sa, 0, 100 * ROUND);
    scripted_run(f, b, &sb, 0, 100 * ROUND);
    assert_same_rounds(a, b, 100);
    optima_trainer_destroy(a);
    optima_trainer_destroy(b);
}

/* ---- checkpoints ---------------------------------------------------------------------- */

/* N steps (mid-round: N is odd with rounds of 2), save, load into a new trainer, N more:
 * the same arms and detrended rewards as 2N uninterrupted steps, bit for bit. */
static void save_and_restore_mid_run_is_exact(void **state)
{
    fixture *f = *state;
    const uint64_t n = 41;
    optima_trainer *a = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED, 6,
                                         OPTIMA_REWARD_TREND_MEAN);
    scripted sa = script(0.01);
    scripted_run(f, a, &sa, 0, 2 * n);

    optima_trainer *b = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED, 6,
                                         OPTIMA_REWARD_TREND_MEAN);
    scripted sb = script(0.01);
    scripted_run(f, b, &sb, 0, n);
    blob cp = blob_of_trainer(b);
    optima_trainer_destroy(b);
    b = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED, 6, OPTIMA_REWARD_TREND_MEAN);
    assert_int_equal(load_trainer_bytes(b, cp.data, cp.size), OPTIMA_OK);
    scripted_run(f, b, &sb, n, 2 * n);
    assert_same_rounds(a, b, n); /* 2n steps = n rounds of 2 */
    free(cp.data);
    optima_trainer_destroy(a);
    optima_trainer_destroy(b);
}

/* A checkpoint made with another trend window or model is refused and changes nothing. */
static void another_trend_setting_is_refused(void **state)
{
    fixture *f = *state;
    optima_trainer *a = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED, 6,
                                         OPTIMA_REWARD_TREND_MEAN);
    scripted s = script(0.0);
    scripted_run(f, a, &s, 0, 10);
    blob cp = blob_of_trainer(a);
    optima_trainer *b = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED, 7,
                                         OPTIMA_REWARD_TREND_MEAN);
    assert_fails_naming(b, load_trainer_bytes(b, cp.data, cp.size), OPTIMA_EMISMATCH, "reward trend");
    uint64_t steps = 1;
    assert_int_equal(optima_trainer_progress(b, &steps, NULL), OPTIMA_OK);
    assert_int_equal(steps, 0);
    optima_trainer_destroy(b);
    b = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_DETRENDED, 6, OPTIMA_REWARD_TREND_LINEAR);
    assert_fails_naming(b, load_trainer_bytes(b, cp.data, cp.size), OPTIMA_EMISMATCH, "reward trend");
    optima_trainer_destroy(b);
    free(cp.data);
    optima_trainer_destroy(a);
}

/* A format-2 checkpoint (settings, no reward section) still loads: what it holds is
 * restored and the trend starts empty. The test makes one from a format-3 stream: it drops
 * the section and the trainer mode, writes version 2, the new length and checksum. (Format 1, without the
 * settings too, is test_trainer_checkpoint's.) */
static void format_2_checkpoints_still_load(void **state)
{
    fixture *f = *state;
    optima_trainer *a = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_RELATIVE, 8,
                                         OPTIMA_REWARD_TREND_MEAN);
    scripted s = script(0.0);
    scripted_run(f, a, &s, 0, 20);
    blob cp = blob_of_trainer(a);
    assert_int_equal(opt_get_u32(cp.data + 8), 3);
    /* format 3 ends its config with the trainer mode (u32), which format 2 lacks */
    size_t mode_at = 24 + 16 + 4 + 24;
    for (size_t p = 0; p < a->pair_count; ++p) mode_at += 16 + 16 * a->pairs[p].layer_pairs;
    assert_int_equal(opt_get_u32(cp.data + mode_at), OPTIMA_TRAINER_MODE_FULL);
    memmove(cp.data + mode_at, cp.data + mode_at + 4, cp.size - mode_at - 4);
    cp.size -= 4;
    const size_t section = 16 + 8 * 8 + 8;
    const size_t size = cp.size - section;
    memmove(cp.data + size - 4, cp.data + cp.size - 4, 4);
    opt_put_u32(cp.data + 8, 2);
    opt_put_u64(cp.data + 16, size);
    opt_put_u32(cp.data + size - 4, opt_crc32c(0, cp.data, size - 4));
    optima_trainer *b = scripted_trainer(f, OPTIMA_POLICY_OPTIMA, OPTIMA_REWARD_RELATIVE, 8,
                                         OPTIMA_REWARD_TREND_MEAN);
    assert_int_equal(load_trainer_bytes(b, cp.data, size), OPTIMA_OK);
    assert_same_rounds(a, b, 10);
    assert_int_equal(b->reward.trend.count, 0);
    free(cp.data);
    optima_trainer_destroy(a);
    optima_trainer_destroy(b);
}

/* ---- the setting ---------------------------------------------------------------------- */

static void trend_setting_refuses_bad_values(void **state)
{
    fixture *f = *state;
    optima_trainer *t = host_trainer(&f->h, OPTIMA_POLICY_OPTIMA, 2);
    uint32_t window = 0;
    int32_t model = -1;
    assert_int_equal(optima_trainer_get_reward_trend(t, &window, &model), OPTIMA_OK);
    assert_int_equal(window, 8);
    assert_int_equal(model, OPTIMA_REWARD_TREND_MEAN);
    assert_fails_naming_no_handle(optima_trainer_set_reward_trend(NULL, 8, 0), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_set_reward_trend(t, 0, 0), OPTIMA_EINVAL, "'window'");
    assert_fails_naming(t, optima_trainer_set_reward_trend(t, 257, 0), OPTIMA_EINVAL, "'window'");
    assert_fails_naming(t, optima_trainer_set_reward_trend(t, 8, 2), OPTIMA_EINVAL, "'model'");
    assert_fails_naming(t, optima_trainer_set_reward_trend(t, 8, -1), OPTIMA_EINVAL, "'model'");
    assert_int_equal(optima_trainer_set_reward_trend(t, 256, OPTIMA_REWARD_TREND_LINEAR), OPTIMA_OK);
    assert_int_equal(optima_trainer_get_reward_trend(t, &window, &model), OPTIMA_OK);
    assert_int_equal(window, 256);
    assert_int_equal(model, OPTIMA_REWARD_TREND_LINEAR);
    assert_fails_naming_no_handle(optima_trainer_get_reward_trend(NULL, &window, &model), OPTIMA_EINVAL, "'trainer'");
    assert_fails_naming(t, optima_trainer_get_reward_trend(t, NULL, &model), OPTIMA_EINVAL, "'window'");
    assert_fails_naming(t, optima_trainer_get_reward_trend(t, &window, NULL), OPTIMA_EINVAL, "'model'");
    assert_int_equal(optima_trainer_set_reward(t, OPTIMA_REWARD_DETRENDED, OPTIMA_REWARD_SOURCE_ALIGNMENT),
                     OPTIMA_OK);
    assert_int_equal(host_step(&f->h, t, 0, NULL), OPTIMA_ESTATE); /* no task gradient: see the
                                                                    * alignment tests */
    assert_fails_naming(t, optima_trainer_set_reward_trend(t, 8, 0), OPTIMA_ESTATE, "frozen");
    optima_trainer_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mean_model_predicts_the_mean_of_the_last_window),
        cmocka_unit_test(linear_model_extrapolates_a_line_exactly),
        cmocka_unit_test_setup_teardown(detrended_reward_is_centred_on_a_trend_without_arm_effect, setup, teardown),
        cmocka_unit_test_setup_teardown(an_arm_effect_survives_detrending, setup, teardown),
        cmocka_unit_test_setup_teardown(detrended_rewards_are_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_restore_mid_run_is_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(another_trend_setting_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(format_2_checkpoints_still_load, setup, teardown),
        cmocka_unit_test_setup_teardown(trend_setting_refuses_bad_values, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
