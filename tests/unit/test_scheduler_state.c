/* The scheduler's state: determinism, golden sequences, save and restore (exact
 * continuation, truncation, corruption, versions, mismatches, failures). */
#include "sched_testutil.h"

#include "core/crc32c.h"

static optima_scheduler *configured(optima_context *ctx, int32_t policy, uint64_t seed)
{
    optima_scheduler *s = make_scheduler(ctx, 3, policy, seed);
    if (policy == OPTIMA_POLICY_OPTIMA || policy == OPTIMA_POLICY_SLIDING_WINDOW_UCB)
        assert_int_equal(optima_scheduler_set_window(s, 5), OPTIMA_OK);
    if (policy == OPTIMA_POLICY_DISCOUNTED_THOMPSON)
        assert_int_equal(optima_scheduler_set_discount(s, 0.5), OPTIMA_OK);
    return s;
}

/* The first 30 arms of every stochastic policy for seed 42 and test_reward(), and of the
 * deterministic GLR_UCB. A change here changes every host's runs: it needs a new stream
 * format version and a changelog entry. Format version 2: sigma^2 became the pooled
 * within-arm variance (OPTIMA, THOMPSON and DISCOUNTED_THOMPSON changed; RANDOM and EXP3
 * did not). Version 3 (1.1): OPTIMA's default memory became the change-point one; the row
 * "OPTIMA, window" is OPTIMA as 1.0 ran it by default (history WINDOW, no forced
 * exploration) and still plays exactly as it did. */
typedef struct golden_case {
    int32_t policy;
    int history; /* -1: the default */
} golden_case;

static void golden_sequences_for_seed_42(void **state)
{
    (void)state;
    static const golden_case cases[] = {
        {OPTIMA_POLICY_OPTIMA, OPTIMA_HISTORY_WINDOW}, {OPTIMA_POLICY_RANDOM, -1},
        {OPTIMA_POLICY_THOMPSON, -1}, {OPTIMA_POLICY_DISCOUNTED_THOMPSON, -1},
        {OPTIMA_POLICY_EXP3, -1}, {OPTIMA_POLICY_OPTIMA, -1}, {OPTIMA_POLICY_GLR_UCB, -1},
    };
    enum { CASES = sizeof cases / sizeof cases[0] };
    static const uint32_t golden[CASES][30] = {
#include "scheduler_golden.inc"
    };
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    for (size_t p = 0; p < CASES; ++p) {
        optima_scheduler *s = configured(ctx, cases[p].policy, 42);
        if (cases[p].history >= 0) {
            assert_int_equal(optima_scheduler_set_history(s, cases[p].history), OPTIMA_OK);
            assert_int_equal(optima_scheduler_set_forced_exploration(s, 0.0), OPTIMA_OK);
        }
        uint32_t arms[30];
        play(s, 30, arms);
        for (int i = 0; i < 30; ++i) {
            if (arms[i] != golden[p][i])
                fail_msg("case %zu (%s): arm %d is %u, golden %u", p,
                         optima_scheduler_policy_name(cases[p].policy), i, (unsigned)arms[i],
                         (unsigned)golden[p][i]);
        }
        optima_scheduler_destroy(s);
    }
    optima_context_destroy(ctx);
}

static void same_seed_same_arms_other_seed_other_arms(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    for (int32_t p = 0; p < 11; ++p) {
        optima_scheduler *a = configured(ctx, p, 5), *b = configured(ctx, p, 5);
        optima_scheduler *c = configured(ctx, p, 6);
        uint32_t x[200], y[200], z[200];
        play(a, 200, x);
        play(b, 200, y);
        play(c, 200, z);
        assert_memory_equal(x, y, sizeof x);
        if (p == OPTIMA_POLICY_OPTIMA || p == OPTIMA_POLICY_RANDOM || p == OPTIMA_POLICY_EXP3)
            assert_memory_not_equal(x, z, sizeof x);
        optima_scheduler_destroy(a);
        optima_scheduler_destroy(b);
        optima_scheduler_destroy(c);
    }
    optima_context_destroy(ctx);
}

/* ---- save and load ----------------------------------------------------------------------- */

typedef struct saved {
    uint8_t data[16384];
    size_t size;
} saved;

static void save(const optima_scheduler *s, saved *out)
{
    assert_int_equal(optima_scheduler_save_to_buffer(s, out->data, sizeof out->data, &out->size),
                     OPTIMA_OK);
}

/* Run N, save, load into a fresh scheduler, run M: the same arms as one run of N + M. */
static void restored_scheduler_continues_exactly(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    for (int32_t p = 0; p < 11; ++p) {
        for (int history = 0; history < 3; ++history) {
            if (history > 0 && p != OPTIMA_POLICY_OPTIMA) continue;
            optima_scheduler *whole = configured(ctx, p, 77);
            optima_scheduler *first = configured(ctx, p, 77);
            optima_scheduler *second = configured(ctx, p, 1234); /* seed replaced by the load */
            if (history > 0) {
                assert_int_equal(optima_scheduler_set_history(whole, history), OPTIMA_OK);
                assert_int_equal(optima_scheduler_set_history(first, history), OPTIMA_OK);
                assert_int_equal(optima_scheduler_set_history(second, history), OPTIMA_OK);
            }
            uint32_t expect[150], got[150];
            play(whole, 150, expect);
            play(first, 37, got);
            uint32_t pending;
            assert_int_equal(optima_scheduler_select(first, &pending), OPTIMA_OK);
            saved st;
            save(first, &st);
            assert_int_equal(optima_scheduler_load_from_buffer(second, st.data, st.size), OPTIMA_OK);
            saved again;
            save(second, &again);
            assert_int_equal(again.size, st.size);
            assert_memory_equal(again.data, st.data, st.size);
            play(second, 150 - 37, got + 37);
            assert_int_equal(got[37], pending); /* the pending select survived */
            assert_memory_equal(got, expect, sizeof expect);
            optima_scheduler_destroy(whole);
            optima_scheduler_destroy(first);
            optima_scheduler_destroy(second);
        }
    }
    optima_context_destroy(ctx);
}

/* Check that a failed load left @p s exactly as @p before. */
static void assert_unchanged(const optima_scheduler *s, const saved *before)
{
    saved now;
    save(s, &now);
    assert_int_equal(now.size, before->size);
    assert_memory_equal(now.data, before->data, now.size);
}

static void every_truncation_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 3);
    optima_scheduler *t = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 4);
    play(s, 20, NULL);
    play(t, 5, NULL);
    saved st, before;
    save(s, &st);
    save(t, &before);
    for (size_t len = 0; len < st.size; ++len) {
        assert_fails_naming(t, optima_scheduler_load_from_buffer(t, st.data, len), OPTIMA_EFORMAT,
                            "truncated");
        assert_unchanged(t, &before);
    }
    /* one byte too many is refused as well */
    uint8_t longer[16384];
    memcpy(longer, st.data, st.size);
    longer[st.size] = 0;
    assert_fails_naming(t, optima_scheduler_load_from_buffer(t, longer, st.size + 1), OPTIMA_EFORMAT,
                        "follow");
    assert_unchanged(t, &before);
    optima_scheduler_destroy(s);
    optima_scheduler_destroy(t);
    optima_context_destroy(ctx);
}

static void every_bit_flip_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_EXP3, 3);
    optima_scheduler *t = make_scheduler(ctx, 2, OPTIMA_POLICY_EXP3, 4);
    play(s, 9, NULL);
    saved st, before;
    save(s, &st);
    save(t, &before);
    for (size_t bit = 0; bit < st.size * 8; ++bit) {
        st.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        const optima_status status = optima_scheduler_load_from_buffer(t, st.data, st.size);
        if (status != OPTIMA_EFORMAT && status != OPTIMA_ECHECKSUM && status != OPTIMA_EVERSION)
            fail_msg("bit %zu: status %d", bit, (int)status);
        assert_unchanged(t, &before);
        st.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(optima_scheduler_load_from_buffer(t, st.data, st.size), OPTIMA_OK);
    optima_scheduler_destroy(s);
    optima_scheduler_destroy(t);
    optima_context_destroy(ctx);
}

/* Rewrite the header's version and its checksum (the header is 8 + 4 + 7*4 + 5*8 bytes up
 * to version 2; version 3 appends 8 + 8 + 4). */
enum { HEADER_BYTES_V2 = 8 + 4 + 7 * 4 + 5 * 8, HEADER_BYTES = HEADER_BYTES_V2 + 8 + 8 + 4 + 8 };

static void reseal_header(saved *st)
{
    const uint32_t crc = opt_crc32c(0, st->data, HEADER_BYTES);
    for (int i = 0; i < 4; ++i) st->data[HEADER_BYTES + i] = (uint8_t)(crc >> (8 * i));
}

static void newer_versions_and_other_magic_are_refused(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_UCB1, 3);
    play(s, 4, NULL);
    saved st;
    save(s, &st);
    st.data[8] = 4;
    reseal_header(&st);
    assert_fails_naming(s, optima_scheduler_load_from_buffer(s, st.data, st.size), OPTIMA_EVERSION,
                        "version 4");
    st.data[8] = 0;
    assert_fails_naming(s, optima_scheduler_load_from_buffer(s, st.data, st.size), OPTIMA_EFORMAT,
                        "version 0");
    st.data[8] = 3;
    st.data[0] = 'X';
    assert_fails_naming(s, optima_scheduler_load_from_buffer(s, st.data, st.size), OPTIMA_EFORMAT,
                        "magic");
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

/* Rewrite a version-3 stream of a scheduler without the change-point memory as version
 * @p version (1 or 2) wrote it: the header without its last 28 bytes, the body without its
 * change-point section (4 * 8 bytes, then 4 * 8 per arm: no blocks without the memory),
 * both checksums recomputed. The body's checksum runs over every byte before it except the
 * header's checksum. */
static void downgrade(const saved *st, uint32_t num_arms, uint8_t version, saved *old)
{
    const size_t section = 32 + 32 * (size_t)num_arms;
    const size_t body = HEADER_BYTES + 4, end = st->size - 4;
    memcpy(old->data, st->data, HEADER_BYTES_V2);
    old->data[8] = version;
    uint32_t crc = opt_crc32c(0, old->data, HEADER_BYTES_V2);
    for (int i = 0; i < 4; ++i) old->data[HEADER_BYTES_V2 + i] = (uint8_t)(crc >> (8 * i));
    const size_t old_body = HEADER_BYTES_V2 + 4, length = end - section - body;
    memcpy(old->data + old_body, st->data + body, length);
    crc = opt_crc32c(opt_crc32c(0, old->data, HEADER_BYTES_V2), old->data + old_body, length);
    for (int i = 0; i < 4; ++i) old->data[old_body + length + i] = (uint8_t)(crc >> (8 * i));
    old->size = old_body + length + 4;
}

/* Versions 1 and 2 (no forced exploration, no change detector) still load, and the
 * scheduler continues as one restored from the same state written as version 3. They load
 * only where forced exploration is 0 (it did not exist) and the memory is not the
 * change-point one. */
static void version_1_and_2_streams_still_load(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = configured(ctx, OPTIMA_POLICY_OPTIMA, 9);
    assert_int_equal(optima_scheduler_set_history(s, OPTIMA_HISTORY_WINDOW), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_forced_exploration(s, 0.0), OPTIMA_OK);
    play(s, 20, NULL);
    saved st;
    save(s, &st);
    assert_int_equal(st.data[8], 3);
    for (uint8_t version = 1; version <= 2; ++version) {
        saved old;
        downgrade(&st, 7, version, &old);
        optima_scheduler *a = configured(ctx, OPTIMA_POLICY_OPTIMA, 1);
        optima_scheduler *b = configured(ctx, OPTIMA_POLICY_OPTIMA, 2);
        for (int i = 0; i < 2; ++i) {
            optima_scheduler *x = i == 0 ? a : b;
            assert_int_equal(optima_scheduler_set_history(x, OPTIMA_HISTORY_WINDOW), OPTIMA_OK);
            assert_int_equal(optima_scheduler_set_forced_exploration(x, 0.0), OPTIMA_OK);
        }
        assert_int_equal(optima_scheduler_load_from_buffer(a, old.data, old.size), OPTIMA_OK);
        assert_int_equal(optima_scheduler_load_from_buffer(b, st.data, st.size), OPTIMA_OK);
        uint32_t x[40], y[40];
        play(a, 40, x);
        play(b, 40, y);
        assert_memory_equal(x, y, sizeof x);
        /* forced exploration did not exist: a scheduler with it does not match */
        optima_scheduler *forced = configured(ctx, OPTIMA_POLICY_OPTIMA, 1);
        assert_int_equal(optima_scheduler_set_history(forced, OPTIMA_HISTORY_WINDOW), OPTIMA_OK);
        assert_int_equal(optima_scheduler_set_forced_exploration(forced, 0.25), OPTIMA_OK);
        assert_fails_naming(forced, optima_scheduler_load_from_buffer(forced, old.data, old.size),
                            OPTIMA_EMISMATCH, "forced exploration");
        optima_scheduler *cp = configured(ctx, OPTIMA_POLICY_OPTIMA, 1);
        assert_int_equal(optima_scheduler_set_history(cp, OPTIMA_HISTORY_CHANGE_POINT), OPTIMA_OK);
        assert_int_equal(optima_scheduler_set_forced_exploration(cp, 0.0), OPTIMA_OK);
        assert_fails_naming(cp, optima_scheduler_load_from_buffer(cp, old.data, old.size),
                            OPTIMA_EMISMATCH, "before 1.1, whose default was OPTIMA_HISTORY_WINDOW");
        optima_scheduler_destroy(forced);
        optima_scheduler_destroy(cp);
        optima_scheduler_destroy(a);
        optima_scheduler_destroy(b);
    }
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

static void streams_for_another_configuration_are_refused(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 3);
    play(s, 10, NULL);
    saved st;
    save(s, &st);
    optima_scheduler *k = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 3);
    optima_scheduler *p = make_scheduler(ctx, 3, OPTIMA_POLICY_THOMPSON, 3);
    optima_scheduler *arms = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 3);
    optima_scheduler *w = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 3);
    optima_scheduler *masks = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 3);
    assert_int_equal(optima_scheduler_set_arm_set(arms, OPTIMA_ARMS_SINGLE_MODULES), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_window(w, 32), OPTIMA_OK);
    const uint32_t reordered[] = {2, 1, 3, 4, 5, 6, 7};
    assert_int_equal(optima_scheduler_set_arm_masks(masks, reordered, 7), OPTIMA_OK);
    assert_fails_naming(k, optima_scheduler_load_from_buffer(k, st.data, st.size), OPTIMA_EMISMATCH, "modules");
    assert_fails_naming(p, optima_scheduler_load_from_buffer(p, st.data, st.size), OPTIMA_EMISMATCH, "policy");
    assert_fails_naming(arms, optima_scheduler_load_from_buffer(arms, st.data, st.size), OPTIMA_EMISMATCH, "arm set");
    assert_fails_naming(w, optima_scheduler_load_from_buffer(w, st.data, st.size), OPTIMA_EMISMATCH, "window");
    /* the same arm count with other masks is caught by the masks' comparison */
    saved explicit_st;
    optima_scheduler *e = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 3);
    const uint32_t natural[] = {1, 2, 3, 4, 5, 6, 7};
    assert_int_equal(optima_scheduler_set_arm_masks(e, natural, 7), OPTIMA_OK);
    save(e, &explicit_st);
    assert_fails_naming(masks, optima_scheduler_load_from_buffer(masks, explicit_st.data, explicit_st.size),
                        OPTIMA_EMISMATCH, "mask");
    optima_scheduler_destroy(k);
    optima_scheduler_destroy(p);
    optima_scheduler_destroy(arms);
    optima_scheduler_destroy(w);
    optima_scheduler_destroy(masks);
    optima_scheduler_destroy(e);
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

static int failing_sink(void *user, const void *data, size_t size)
{
    (void)data;
    (void)size;
    return ++*(int *)user > 3;
}

static int failing_source(void *user, void *data, size_t size, size_t *got)
{
    (void)data;
    (void)size;
    (void)user;
    *got = 0;
    return 1;
}

static void callbacks_and_buffers_report_their_failures(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 3);
    int calls = 0;
    assert_fails_naming(s, optima_scheduler_save(s, failing_sink, &calls), OPTIMA_ECALLBACK, "write callback");
    assert_fails_naming(s, optima_scheduler_load(s, failing_source, NULL), OPTIMA_ECALLBACK, "read callback");
    assert_fails_naming(s, optima_scheduler_save(s, NULL, NULL), OPTIMA_EINVAL, "'write'");
    assert_fails_naming(s, optima_scheduler_load(s, NULL, NULL), OPTIMA_EINVAL, "'read'");
    assert_fails_naming_no_handle(optima_scheduler_save(NULL, failing_sink, &calls), OPTIMA_EINVAL, "'s'");
    size_t size = 0;
    assert_int_equal(optima_scheduler_save_to_buffer(s, NULL, 0, &size), OPTIMA_OK);
    assert_true(size > 100);
    uint8_t small[64];
    size_t reported = 0;
    assert_fails_naming(s, optima_scheduler_save_to_buffer(s, small, sizeof small, &reported), OPTIMA_EINVAL, "'capacity'");
    assert_int_equal(reported, size);
    assert_fails_naming(s, optima_scheduler_save_to_buffer(s, NULL, 4, &reported), OPTIMA_EINVAL, "'buffer'");
    assert_fails_naming(s, optima_scheduler_save_to_buffer(s, small, 4, NULL), OPTIMA_EINVAL, "'size'");
    assert_fails_naming(s, optima_scheduler_load_from_buffer(s, NULL, 4), OPTIMA_EINVAL, "'buffer'");
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

typedef struct load_attempt {
    optima_scheduler *s;
    const saved *st;
} load_attempt;

static optima_status attempt_load(void *p)
{
    load_attempt *l = p;
    return optima_scheduler_load_from_buffer(l->s, l->st->data, l->st->size);
}

static void load_survives_every_allocation_failure(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 3);
    optima_scheduler *t = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 4);
    play(s, 12, NULL);
    saved st, before;
    save(s, &st);
    save(t, &before);
    load_attempt l = {t, &st};
    /* the sweep's failed attempts must each leave t as it was */
    a.fail_at = 1;
    a.calls = 0;
    assert_int_equal(attempt_load(&l), OPTIMA_ENOMEM);
    a.fail_at = 0;
    assert_unchanged(t, &before);
    /* the body, arms, ring, order + scratch, and the change detector's blocks */
    assert_int_equal(test_allocation_sweep(&a, attempt_load, &l), 5);
    saved after;
    save(t, &after);
    assert_memory_equal(after.data, st.data, st.size);
    optima_scheduler_destroy(s);
    optima_scheduler_destroy(t);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_sequences_for_seed_42),
        cmocka_unit_test(same_seed_same_arms_other_seed_other_arms),
        cmocka_unit_test(restored_scheduler_continues_exactly),
        cmocka_unit_test(every_truncation_is_refused_and_changes_nothing),
        cmocka_unit_test(every_bit_flip_is_refused_and_changes_nothing),
        cmocka_unit_test(newer_versions_and_other_magic_are_refused),
        cmocka_unit_test(version_1_and_2_streams_still_load),
        cmocka_unit_test(streams_for_another_configuration_are_refused),
        cmocka_unit_test(callbacks_and_buffers_report_their_failures),
        cmocka_unit_test(load_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
