/* Status names, per-thread messages and the version. */
#include <pthread.h>
#include <stdio.h>

#include "testutil.h"

#include "core/error.h"

static void every_code_has_a_distinct_name(void **state)
{
    (void)state;
    for (int a = OPTIMA_OK; a <= OPTIMA_EINTERNAL; ++a) {
        assert_string_not_equal(optima_status_string(a), "unknown status");
        for (int b = a + 1; b <= OPTIMA_EINTERNAL; ++b)
            assert_string_not_equal(optima_status_string(a), optima_status_string(b));
    }
    assert_string_equal(optima_status_string(-1), "unknown status");
    assert_string_equal(optima_status_string(16), "unknown status");
    assert_string_equal(optima_status_string(OPTIMA_OK), "success");
}

static void codes_are_pinned(void **state)
{
    (void)state;
    /* These numbers are part of the ABI: a change here breaks every host. */
    assert_int_equal(OPTIMA_EINVAL, 1);
    assert_int_equal(OPTIMA_ENOMEM, 2);
    assert_int_equal(OPTIMA_ENONFINITE, 5);
    assert_int_equal(OPTIMA_ECALLBACK, 7);
    assert_int_equal(OPTIMA_EMISMATCH, 12);
    assert_int_equal(OPTIMA_EINTERNAL, 15);
    assert_int_equal(sizeof(optima_status), 4);
}

static void fail_records_in_slot_and_thread(void **state)
{
    (void)state;
    opt_errslot slot;
    memset(&slot, 0, sizeof slot);
    assert_int_equal(opt_fail(&slot, OPTIMA_ESHAPE, "f: argument '%s' bad", "x"), OPTIMA_ESHAPE);
    assert_string_equal(slot.message, "f: argument 'x' bad");
    assert_string_equal(optima_last_error(), "f: argument 'x' bad");
    assert_string_equal(opt_errslot_message(NULL), "");
}

static void a_message_may_wrap_the_previous_one(void **state)
{
    (void)state;
    opt_errslot slot;
    memset(&slot, 0, sizeof slot); /* as every handle's: its flag starts clear */
    opt_fail(&slot, OPTIMA_EINVAL, "inner: argument 'x' bad");
    opt_fail(&slot, OPTIMA_EINVAL, "outer: %s", optima_last_error());
    assert_string_equal(optima_last_error(), "outer: inner: argument 'x' bad");
    opt_fail(&slot, OPTIMA_EINVAL, "again: %s", slot.message);
    assert_string_equal(slot.message, "again: outer: inner: argument 'x' bad");
}

static void an_inner_failure_is_forwarded_under_the_callers_name(void **state)
{
    (void)state;
    opt_errslot slot;
    memset(&slot, 0, sizeof slot);
    opt_fail(NULL, OPTIMA_ENOTFOUND, "optima_inner: argument 'pair' is 9");
    assert_int_equal(opt_fail_inner(&slot, OPTIMA_ENOTFOUND, "optima_outer"), OPTIMA_ENOTFOUND);
    assert_string_equal(slot.message, "optima_outer: optima_inner: argument 'pair' is 9");
    assert_string_equal(optima_last_error(), slot.message);
}

static void long_messages_are_truncated_not_overflowed(void **state)
{
    (void)state;
    opt_errslot slot;
    memset(&slot, 0, sizeof slot);
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    opt_fail(&slot, OPTIMA_EINVAL, "%s", big);
    assert_int_equal(strlen(slot.message), OPT_MESSAGE_CAPACITY - 1);
}

static void *fail_in_other_thread(void *arg)
{
    (void)arg;
    opt_fail(NULL, OPTIMA_EIO, "other thread");
    return NULL;
}

static void thread_messages_are_per_thread(void **state)
{
    (void)state;
    opt_fail(NULL, OPTIMA_EINVAL, "main thread");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fail_in_other_thread, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_string_equal(optima_last_error(), "main thread");
}

/* Two threads failing on one slot (a model's or a context's const functions may): each
 * write is whole, so the slot ends with one of the two messages, never a mix. Under the
 * ThreadSanitizer build an unserialised write is also reported as a race. */
typedef struct slot_writer {
    const opt_errslot *slot;
    char message[OPT_MESSAGE_CAPACITY];
} slot_writer;

static void *fail_repeatedly(void *arg)
{
    const slot_writer *w = arg;
    for (int i = 0; i < 5000; ++i) opt_fail(w->slot, OPTIMA_EINVAL, "%s", w->message);
    return NULL;
}

static void concurrent_failures_on_one_slot_are_serialised(void **state)
{
    (void)state;
    static opt_errslot slot;
    static slot_writer writers[2];
    memset(&slot, 0, sizeof slot);
    for (int i = 0; i < 2; ++i) {
        writers[i].slot = &slot;
        memset(writers[i].message, i == 0 ? 'a' : 'b', OPT_MESSAGE_CAPACITY - 1);
        writers[i].message[OPT_MESSAGE_CAPACITY - 1] = '\0';
    }
    pthread_t threads[2];
    for (int i = 0; i < 2; ++i)
        assert_int_equal(pthread_create(&threads[i], NULL, fail_repeatedly, &writers[i]), 0);
    for (int i = 0; i < 2; ++i) assert_int_equal(pthread_join(threads[i], NULL), 0);
    if (strcmp(slot.message, writers[0].message) != 0)
        assert_string_equal(slot.message, writers[1].message);
}

static void runtime_version_matches_header(void **state)
{
    (void)state;
    assert_int_equal(optima_version_number(), OPTIMA_VERSION_NUMBER);
    assert_string_equal(optima_version_string(), OPTIMA_VERSION_STRING);
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", OPTIMA_VERSION_MAJOR, OPTIMA_VERSION_MINOR,
             OPTIMA_VERSION_PATCH);
    assert_string_equal(optima_version_string(), expected);
    assert_int_equal(OPTIMA_VERSION_MAJOR, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_has_a_distinct_name),
        cmocka_unit_test(codes_are_pinned),
        cmocka_unit_test(fail_records_in_slot_and_thread),
        cmocka_unit_test(a_message_may_wrap_the_previous_one),
        cmocka_unit_test(an_inner_failure_is_forwarded_under_the_callers_name),
        cmocka_unit_test(long_messages_are_truncated_not_overflowed),
        cmocka_unit_test(thread_messages_are_per_thread),
        cmocka_unit_test(concurrent_failures_on_one_slot_are_serialised),
        cmocka_unit_test(runtime_version_matches_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
