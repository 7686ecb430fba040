/* Change-point restarts: the GLR detector's delay and false-alarm rate, what a restart
 * resets, forced exploration, and save/restore across restarts. */
#include "sched_testutil.h"

#include "core/rng.h"
#include "sched/scheduler_impl.h"

/* One arm (K = 1 with single modules is a one-arm bandit): every reward goes to the
 * detector of arm 0, with sigma^2 fixed at 1. */
static optima_scheduler *one_arm_detector(optima_context *ctx, double delta, uint32_t stride)
{
    optima_scheduler *s = make_scheduler(ctx, 1, OPTIMA_POLICY_GLR_UCB, 1);
    assert_int_equal(optima_scheduler_set_fixed_variance(s, 1.0), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_detector_confidence(s, delta), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_detector_stride(s, stride), OPTIMA_OK);
    return s;
}

static uint64_t restarts_of(const optima_scheduler *s)
{
    uint64_t r = 0;
    assert_int_equal(optima_scheduler_get_restarts(s, &r), OPTIMA_OK);
    return r;
}

static void feed(optima_scheduler *s, double reward)
{
    uint32_t arm;
    assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
    assert_int_equal(optima_scheduler_update(s, arm, reward), OPTIMA_OK);
}

/* The documented delay (docs/scheduler.md): the smallest multiple m of the stride with
 * n0 m / (n0 + m) * shift^2 / (2 sigma^2) >= ln(3 (n0 + m)^(3/2) / delta), the count of
 * post-change rewards after which the GLR statistic of the noise-free stream crosses the
 * threshold. */
static int documented_delay(int n0, double shift, double delta, int stride)
{
    for (int m = stride;; m += stride) {
        const double n = n0 + m;
        if (n0 * (double)m / n * shift * shift / 2.0 >= log(3.0 * n * sqrt(n) / delta)) return m;
    }
}

/* A unit-variance Gaussian stream whose mean jumps by 1 after 200 rewards: over 200 seeds
 * no alarm comes before the jump more than rarely, the median delay is at most the
 * documented one, at least 95 % of the streams alarm within twice it and all within four
 * times it. */
static void detector_fires_on_a_break_within_its_documented_delay(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    const double delta = 0.01, shift = 1.0;
    const int n0 = 200, stride = 4, seeds = 200;
    const int bound = documented_delay(n0, shift, delta, stride);
    assert_int_equal(bound, 36);
    int early = 0, delays[200], late = 0, very_late = 0;
    for (int seed = 0; seed < seeds; ++seed) {
        optima_scheduler *s = one_arm_detector(ctx, delta, (uint32_t)stride);
        opt_rng rng;
        opt_rng_seed(&rng, 500u + (uint64_t)seed);
        for (int i = 0; i < n0; ++i) feed(s, opt_rng_gaussian(&rng));
        early += restarts_of(s) > 0;
        const uint64_t before = restarts_of(s);
        int m = 0;
        while (restarts_of(s) == before && m < 4 * bound) {
            feed(s, shift + opt_rng_gaussian(&rng));
            m += 1;
        }
        delays[seed] = m;
        late += m > 2 * bound;
        very_late += restarts_of(s) == before;
        optima_scheduler_destroy(s);
    }
    int below = 0;
    for (int i = 0; i < seeds; ++i) below += delays[i] <= bound;
    print_message("break of 1 sigma after %d rewards, delta %g, stride %d: documented delay %d, "
                  "%d/%d streams within it, %d beyond twice it, %d alarms before the break\n",
                  n0, delta, stride, bound, below, seeds, late, early);
    assert_true(below >= seeds / 2);
    assert_true(late <= seeds / 20);
    assert_int_equal(very_late, 0);
    assert_true(early <= 4);
    optima_context_destroy(ctx);
}

/* Stationary unit-variance streams of 2000 rewards: the share of streams with any alarm
 * (documented in docs/scheduler.md) at the default confidence and at a loose one. */
static double false_alarm_rate(optima_context *ctx, double delta, int seeds)
{
    int alarmed = 0;
    for (int seed = 0; seed < seeds; ++seed) {
        optima_scheduler *s = one_arm_detector(ctx, delta, 4);
        opt_rng rng;
        opt_rng_seed(&rng, 9000u + (uint64_t)seed);
        for (int i = 0; i < 2000; ++i) feed(s, 3.0 + opt_rng_gaussian(&rng));
        alarmed += restarts_of(s) > 0;
        optima_scheduler_destroy(s);
    }
    return (double)alarmed / seeds;
}

static void detector_rarely_fires_on_a_stationary_stream(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    const double strict = false_alarm_rate(ctx, 0.01, 400);
    const double loose = false_alarm_rate(ctx, 0.5, 400);
    print_message("false alarms over 2000 rewards, 400 streams: %.4f at delta 0.01, %.4f at 0.5\n",
                  strict, loose);
    assert_true(strict <= 0.01);
    assert_true(loose <= 0.10);
    assert_true(loose >= strict);
    optima_context_destroy(ctx);
}

/* Two GLR_UCB schedulers in lockstep, one whose detector never fires (delta 1e-300): until
 * the restart they are identical; at the restart everything but the change-point memory
 * stays identical, and that memory is emptied, its pooled variance kept as the prior. */
static double break_reward(uint32_t arm, uint64_t round, opt_rng *rng)
{
    return (double)arm * 0.1 + (round >= 150 ? 1.0 : 0.0) + 0.05 * opt_rng_gaussian(rng);
}

static void restart_resets_exactly_the_change_point_memory(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *a = make_scheduler(ctx, 2, OPTIMA_POLICY_GLR_UCB, 3);
    optima_scheduler *b = make_scheduler(ctx, 2, OPTIMA_POLICY_GLR_UCB, 3);
    assert_int_equal(optima_scheduler_set_detector_confidence(a, 0.01), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_detector_confidence(b, 1e-300), OPTIMA_OK);
    opt_rng rng_a, rng_b;
    opt_rng_seed(&rng_a, 11);
    opt_rng_seed(&rng_b, 11);
    uint64_t round = 0;
    while (restarts_of(a) == 0) {
        assert_true(round < 400);
        uint32_t x, y;
        assert_int_equal(optima_scheduler_select(a, &x), OPTIMA_OK);
        assert_int_equal(optima_scheduler_select(b, &y), OPTIMA_OK);
        assert_int_equal(x, y);
        assert_int_equal(optima_scheduler_update(a, x, break_reward(x, round, &rng_a)), OPTIMA_OK);
        assert_int_equal(optima_scheduler_update(b, y, break_reward(y, round, &rng_b)), OPTIMA_OK);
        round += 1;
    }
    assert_true(round > 150);
    assert_int_equal(restarts_of(b), 0);
    assert_int_equal(a->rounds, b->rounds);
    assert_int_equal(a->cp.restart_round, a->rounds);
    assert_memory_equal(&a->rng, &b->rng, sizeof a->rng);
    assert_memory_equal(&a->decay, &b->decay, sizeof a->decay);
    assert_int_equal(a->window.size, b->window.size);
    assert_true(a->window.mean == b->window.mean && a->window.m2 == b->window.m2);
    double m2 = 0.0, count = 0.0;
    for (uint32_t i = 0; i < a->num_arms; ++i) {
        const opt_arm *x = &a->arms[i], *y = &b->arms[i];
        assert_int_equal(x->plays, y->plays);
        assert_int_equal(x->win_count, y->win_count);
        assert_true(x->win_sum == y->win_sum && x->dec_count == y->dec_count &&
                    x->dec_sum == y->dec_sum);
        assert_int_equal(x->cp_count, 0);
        assert_true(x->cp_mean == 0.0 && x->cp_m2 == 0.0 && x->cp_block == 0.0);
        double n;
        assert_int_equal(optima_scheduler_get_arm_count(a, i, &n), OPTIMA_OK);
        assert_true(n == 0.0);
        m2 += y->cp_m2;
        count += (double)y->cp_count;
    }
    assert_true(a->cp.retired_count == count);
    assert_true(fabs(a->cp.retired_m2 - m2) <= 1e-12 * m2);
    /* a new sweep follows: every arm once, in index order for GLR_UCB */
    for (uint32_t i = 0; i < a->num_arms; ++i) {
        uint32_t x;
        assert_int_equal(optima_scheduler_select(a, &x), OPTIMA_OK);
        assert_int_equal(x, i);
        assert_int_equal(optima_scheduler_update(a, x, 1.0), OPTIMA_OK);
    }
    optima_scheduler_destroy(a);
    optima_scheduler_destroy(b);
    optima_context_destroy(ctx);
}

/* Forced exploration: with alpha = 1/2 and 7 arms, every period of 14 rounds begins with
 * the 7 arms in the sweep order, whatever the rewards say. */
static void forced_exploration_plays_every_arm_each_period(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    for (int32_t policy = 0; policy < 2; ++policy) {
        optima_scheduler *s = make_scheduler(
            ctx, 3, policy == 0 ? OPTIMA_POLICY_OPTIMA : OPTIMA_POLICY_GLR_UCB, 4);
        assert_int_equal(optima_scheduler_set_forced_exploration(s, 0.5), OPTIMA_OK);
        assert_int_equal(optima_scheduler_set_fixed_variance(s, 1e-4), OPTIMA_OK);
        if (policy == 1) assert_int_equal(optima_scheduler_set_exploration(s, 0.01), OPTIMA_OK);
        uint32_t arms[70];
        for (int i = 0; i < 70; ++i) {
            assert_int_equal(optima_scheduler_select(s, &arms[i]), OPTIMA_OK);
            /* arm 6 is far better: only forced rounds play the others after the sweep */
            assert_int_equal(optima_scheduler_update(s, arms[i], arms[i] == 6 ? 1.0 : 0.0), OPTIMA_OK);
        }
        assert_int_equal(restarts_of(s), 0);
        for (int period = 0; period < 5; ++period) {
            for (int i = 0; i < 7; ++i) assert_int_equal(arms[14 * period + i], s->order[i]);
            for (int i = 7; i < 14; ++i) assert_int_equal(arms[14 * period + i], 6);
        }
        optima_scheduler_destroy(s);
    }
    optima_context_destroy(ctx);
}

/* Rewards with breaks at rounds 100 and 200 and deterministic noise. */
static double breaking_reward(uint32_t mask, uint64_t round)
{
    const uint64_t segment = round < 100 ? 0 : round < 200 ? 1 : 2;
    const double mean = (double)((mask * (3u + 2u * segment)) % 7) * 0.125;
    const double noise = (double)((round * 2654435761u + mask * 40503u) % 1000) / 1000.0 - 0.5;
    return mean + 0.2 * noise;
}

static void play_breaking(optima_scheduler *s, uint64_t from, int n, uint32_t *arms)
{
    for (int i = 0; i < n; ++i) {
        uint32_t arm, mask;
        assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
        assert_int_equal(optima_scheduler_get_arm_mask(s, arm, &mask), OPTIMA_OK);
        assert_int_equal(optima_scheduler_update(s, arm, breaking_reward(mask, from + (uint64_t)i)),
                         OPTIMA_OK);
        arms[i] = arm;
    }
}

/* Save after a restart, in the middle of a run: the restored scheduler plays the same arms
 * and restarts at the same rounds as the uninterrupted one. */
static void restored_detector_continues_exactly(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    for (int32_t policy = 0; policy < 2; ++policy) {
        optima_scheduler *s[3];
        for (int i = 0; i < 3; ++i) {
            s[i] = make_scheduler(ctx, 3, policy == 0 ? OPTIMA_POLICY_OPTIMA : OPTIMA_POLICY_GLR_UCB,
                                  i == 2 ? 99u : 21u);
            if (policy == 0)
                assert_int_equal(optima_scheduler_set_history(s[i], OPTIMA_HISTORY_CHANGE_POINT),
                                 OPTIMA_OK);
            assert_int_equal(optima_scheduler_set_forced_exploration(s[i], 0.1), OPTIMA_OK);
            assert_int_equal(optima_scheduler_set_detector_stride(s[i], 3), OPTIMA_OK);
        }
        uint32_t whole[300], got[300];
        play_breaking(s[0], 0, 300, whole);
        play_breaking(s[1], 0, 151, got);
        assert_true(restarts_of(s[1]) >= 1);
        uint8_t buffer[8192];
        size_t size = 0;
        assert_int_equal(optima_scheduler_save_to_buffer(s[1], buffer, sizeof buffer, &size), OPTIMA_OK);
        assert_int_equal(optima_scheduler_load_from_buffer(s[2], buffer, size), OPTIMA_OK);
        play_breaking(s[2], 151, 149, got + 151);
        assert_memory_equal(whole, got, sizeof whole);
        assert_int_equal(restarts_of(s[2]), restarts_of(s[0]));
        assert_true(restarts_of(s[0]) > restarts_of(s[1]));
        for (int i = 0; i < 3; ++i) optima_scheduler_destroy(s[i]);
    }
    optima_context_destroy(ctx);
}

/* A stream whose change-point memory disagrees with its round count is refused. */
static void inconsistent_change_point_memory_is_refused(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_GLR_UCB, 3);
    play(s, 30, NULL);
    s->arms[1].cp_count += 1; /* as a buggy writer would */
    uint8_t buffer[4096];
    size_t size = 0;
    assert_int_equal(optima_scheduler_save_to_buffer(s, buffer, sizeof buffer, &size), OPTIMA_OK);
    optima_scheduler *t = make_scheduler(ctx, 2, OPTIMA_POLICY_GLR_UCB, 3);
    assert_fails_naming(t, optima_scheduler_load_from_buffer(t, buffer, size), OPTIMA_EFORMAT,
                        "change-point memory");
    optima_scheduler_destroy(s);
    optima_scheduler_destroy(t);
    optima_context_destroy(ctx);
}

/* Every new setter: good values, each bad value named, policies without it, timing. */
static void detector_setters_validate_values_policy_and_timing(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 1);
    double d;
    uint32_t u;
    assert_int_equal(optima_scheduler_set_forced_exploration(s, 1.0), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_forced_exploration(s, 0.0), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_forced_exploration(s, 0.25), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_forced_exploration(s, &d), OPTIMA_OK);
    assert_true(d == 0.25);
    assert_int_equal(optima_scheduler_set_detector_confidence(s, 0.3), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_detector_confidence(s, &d), OPTIMA_OK);
    assert_true(d == 0.3);
    assert_int_equal(optima_scheduler_set_detector_stride(s, OPTIMA_SCHEDULER_MAX_DETECTOR_STRIDE), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_detector_stride(s, 7), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_detector_stride(s, &u), OPTIMA_OK);
    assert_int_equal(u, 7);

    assert_fails_naming(s, optima_scheduler_set_forced_exploration(s, -0.01), OPTIMA_EINVAL, "'alpha'");
    assert_fails_naming(s, optima_scheduler_set_forced_exploration(s, 1.01), OPTIMA_EINVAL, "'alpha'");
    assert_fails_naming(s, optima_scheduler_set_forced_exploration(s, NAN), OPTIMA_EINVAL, "'alpha'");
    assert_fails_naming(s, optima_scheduler_set_detector_confidence(s, 0.0), OPTIMA_EINVAL, "'delta'");
    assert_fails_naming(s, optima_scheduler_set_detector_confidence(s, 1.0), OPTIMA_EINVAL, "'delta'");
    assert_fails_naming(s, optima_scheduler_set_detector_confidence(s, NAN), OPTIMA_EINVAL, "'delta'");
    assert_fails_naming(s, optima_scheduler_set_detector_stride(s, 0), OPTIMA_EINVAL, "'stride'");
    assert_fails_naming(s, optima_scheduler_set_detector_stride(s, OPTIMA_SCHEDULER_MAX_DETECTOR_STRIDE + 1),
                        OPTIMA_EINVAL, "'stride'");
    assert_fails_naming_no_handle(optima_scheduler_set_forced_exploration(NULL, 0.1), OPTIMA_EINVAL, "'s'");
    assert_fails_naming_no_handle(optima_scheduler_set_detector_confidence(NULL, 0.1), OPTIMA_EINVAL, "'s'");
    assert_fails_naming_no_handle(optima_scheduler_set_detector_stride(NULL, 2), OPTIMA_EINVAL, "'s'");
    assert_fails_naming(s, optima_scheduler_get_forced_exploration(s, NULL), OPTIMA_EINVAL, "'alpha'");
    assert_fails_naming(s, optima_scheduler_get_detector_confidence(s, NULL), OPTIMA_EINVAL, "'delta'");
    assert_fails_naming(s, optima_scheduler_get_detector_stride(s, NULL), OPTIMA_EINVAL, "'stride'");
    assert_fails_naming(s, optima_scheduler_get_restarts(s, NULL), OPTIMA_EINVAL, "'restarts'");
    assert_fails_naming_no_handle(optima_scheduler_get_restarts(NULL, NULL), OPTIMA_EINVAL, "'s'");
    /* refused values changed nothing */
    assert_int_equal(optima_scheduler_get_forced_exploration(s, &d), OPTIMA_OK);
    assert_true(d == 0.25);
    /* the change-point memory's tables: an allocation failure changes nothing */
    assert_int_equal(optima_scheduler_set_history(s, OPTIMA_HISTORY_WINDOW), OPTIMA_OK);
    optima_scheduler *fresh = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 1);
    assert_int_equal(optima_scheduler_set_history(fresh, OPTIMA_HISTORY_WINDOW), OPTIMA_OK);
    if (fresh->cp.blocks == NULL) {
        a.fail_at = a.calls + 1;
        assert_int_equal(optima_scheduler_set_history(fresh, OPTIMA_HISTORY_CHANGE_POINT), OPTIMA_ENOMEM);
        a.fail_at = 0;
        int32_t h;
        assert_int_equal(optima_scheduler_get_history(fresh, &h), OPTIMA_OK);
        assert_int_equal(h, OPTIMA_HISTORY_WINDOW);
    }
    assert_int_equal(optima_scheduler_set_history(fresh, OPTIMA_HISTORY_CHANGE_POINT), OPTIMA_OK);
    optima_scheduler_destroy(fresh);
    /* frozen after the first select */
    uint32_t arm;
    assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
    assert_fails_naming(s, optima_scheduler_set_forced_exploration(s, 0.1), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(s, optima_scheduler_set_detector_confidence(s, 0.1), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(s, optima_scheduler_set_detector_stride(s, 2), OPTIMA_ESTATE, "frozen");
    optima_scheduler_destroy(s);
    /* policies without them */
    s = make_scheduler(ctx, 2, OPTIMA_POLICY_UCB1, 1);
    assert_fails_naming(s, optima_scheduler_set_forced_exploration(s, 0.1), OPTIMA_EUNSUPPORTED, "UCB1");
    assert_fails_naming(s, optima_scheduler_set_detector_confidence(s, 0.1), OPTIMA_EUNSUPPORTED, "UCB1");
    assert_fails_naming(s, optima_scheduler_set_detector_stride(s, 2), OPTIMA_EUNSUPPORTED, "UCB1");
    assert_int_equal(restarts_of(s), 0);
    optima_scheduler_destroy(s);
    s = make_scheduler(ctx, 2, OPTIMA_POLICY_GLR_UCB, 1);
    assert_int_equal(optima_scheduler_set_exploration(s, 0.5), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_variance_floor(s, 0.5), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_window(s, 8), OPTIMA_EUNSUPPORTED);
    assert_int_equal(optima_scheduler_set_history(s, 0), OPTIMA_EUNSUPPORTED);
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detector_fires_on_a_break_within_its_documented_delay),
        cmocka_unit_test(detector_rarely_fires_on_a_stationary_stream),
        cmocka_unit_test(restart_resets_exactly_the_change_point_memory),
        cmocka_unit_test(forced_exploration_plays_every_arm_each_period),
        cmocka_unit_test(restored_detector_continues_exactly),
        cmocka_unit_test(inconsistent_change_point_memory_is_refused),
        cmocka_unit_test(detector_setters_validate_values_policy_and_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
