/* Shared test helpers: CMocka includes, an allocator that counts and can be told to fail
 * the N-th allocation, and the allocation-failure sweep. */
#ifndef OPTIMA_TESTUTIL_H
#define OPTIMA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <optima/optima.h>

typedef struct test_allocator {
    long live;       /* allocations not yet freed */
    long calls;      /* allocation calls so far */
    long fail_at;    /* the call number (1-based) that fails; 0 = never */
} test_allocator;

static inline void *counting_alloc(void *user, size_t size)
{
    test_allocator *a = user;
    a->calls += 1;
    if (a->fail_at != 0 && a->calls == a->fail_at) return NULL;
    void *p = malloc(size);
    if (p != NULL) a->live += 1;
    return p;
}

static inline void counting_free(void *user, void *ptr)
{
    test_allocator *a = user;
    a->live -= 1;
    free(ptr);
}

static inline optima_allocator test_allocator_hooks(test_allocator *a)
{
    optima_allocator hooks;
    memset(&hooks, 0, sizeof hooks);
    hooks.struct_size = sizeof hooks;
    hooks.user = a;
    hooks.alloc = counting_alloc;
    hooks.free = counting_free;
    return hooks;
}

/* A context over a counting allocator; the test owns both. */
static inline optima_context *test_context(test_allocator *a)
{
    memset(a, 0, sizeof *a);
    optima_allocator hooks = test_allocator_hooks(a);
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create_with_allocator(&hooks, &ctx), OPTIMA_OK);
    return ctx;
}

/* The message kept by @p handle, whichever handle type it is. */
#define test_handle_message(handle)                                                    \
    _Generic((handle),                                                                 \
        optima_context *: optima_context_last_error,                                   \
        const optima_context *: optima_context_last_error,                             \
        optima_model *: optima_model_last_error,                                       \
        const optima_model *: optima_model_last_error,                                 \
        optima_loss *: optima_loss_last_error,                                         \
        const optima_loss *: optima_loss_last_error,                                   \
        optima_scheduler *: optima_scheduler_last_error,                               \
        const optima_scheduler *: optima_scheduler_last_error,                         \
        optima_trainer *: optima_trainer_last_error,                                   \
        const optima_trainer *: optima_trainer_last_error)(handle)

/* Assert that @p status, a call without a handle (a create function, a call given a NULL
 * handle, a stateless or private function), failed with @p code, and that the thread's
 * message names @p needle: with no handle, it is the only message (status.h's rule). */
#define assert_fails_naming_no_handle(status, code, needle)                           \
    do {                                                                               \
        assert_int_equal((status), (code));                                            \
        if (strstr(optima_last_error(), (needle)) == NULL)                             \
            fail_msg("message '%s' does not name '%s'", optima_last_error(), (needle));  \
    } while (0)

/* Assert that @p status, a call made on @p handle, failed with @p code, that the thread's
 * message names @p needle and that @p handle keeps the same message (status.h's rule:
 * const functions included), so a stale handle message fails the test. */
#define assert_fails_naming(handle, status, code, needle)                              \
    do {                                                                               \
        assert_fails_naming_no_handle((status), (code), (needle));                     \
        if (strcmp(test_handle_message(handle), optima_last_error()) != 0)             \
            fail_msg("the handle's message '%s' is not the thread's '%s'",              \
                     test_handle_message(handle), optima_last_error());                \
    } while (0)

/* Run @p attempt with the allocator failing at call 1, 2, ... until an attempt succeeds;
 * every failed attempt must return OPTIMA_ENOMEM and leave nothing allocated beyond
 * @p baseline live blocks. @p attempt returns the status and cleans up after success.
 * Returns how many allocation points were swept. */
typedef optima_status (*test_attempt_fn)(void *state);
static inline long test_allocation_sweep(test_allocator *a, test_attempt_fn attempt, void *state)
{
    const long baseline = a->live;
    for (long n = 1; n < 100000; ++n) {
        a->calls = 0;
        a->fail_at = n;
        const optima_status s = attempt(state);
        a->fail_at = 0;
        if (s == OPTIMA_OK) {
            assert_int_equal(a->live, baseline);
            return n - 1;
        }
        if (s != OPTIMA_ENOMEM) fail_msg("failing allocation %ld gave status %d, not ENOMEM", n, (int)s);
        if (a->live != baseline) fail_msg("failing allocation %ld leaked %ld blocks", n, a->live - baseline);
    }
    fail_msg("the attempt never succeeded");
    return -1;
}

#endif /* OPTIMA_TESTUTIL_H */
