/* The context: creation with default and host allocators, settings, logging, errors. */
#include "blis_child.h"
#include "testutil.h"

#include "core/blis_arch.h"

static void create_and_destroy_with_defaults(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    assert_non_null(ctx);
    int32_t threads = 0;
    assert_int_equal(optima_context_get_threads(ctx, &threads), OPTIMA_OK);
    if (getenv("BLIS_NUM_THREADS") == NULL && getenv("OMP_NUM_THREADS") == NULL)
        assert_int_equal(threads, 1);
    assert_string_equal(optima_context_last_error(ctx), "");
    optima_context_destroy(ctx);
    optima_context_destroy(NULL);
}

/* The thread count a new context takes with the two variables set as given (NULL:
 * unset); the process's values are restored after. */
static int32_t threads_with(const char *blis, const char *omp)
{
    const char *names[2] = {"BLIS_NUM_THREADS", "OMP_NUM_THREADS"}, *values[2] = {blis, omp};
    char *saved[2];
    for (int i = 0; i < 2; ++i) {
        const char *old = getenv(names[i]);
        saved[i] = old != NULL ? strdup(old) : NULL;
        if (values[i] != NULL)
            setenv(names[i], values[i], 1);
        else
            unsetenv(names[i]);
    }
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    int32_t threads = 0;
    assert_int_equal(optima_context_get_threads(ctx, &threads), OPTIMA_OK);
    optima_context_destroy(ctx);
    for (int i = 0; i < 2; ++i) {
        if (saved[i] != NULL)
            setenv(names[i], saved[i], 1);
        else
            unsetenv(names[i]);
        free(saved[i]);
    }
    return threads;
}

static void thread_count_follows_the_blas_environment_variables(void **state)
{
    (void)state;
    assert_int_equal(threads_with(NULL, NULL), 1);
    assert_int_equal(threads_with("3", NULL), 3);
    assert_int_equal(threads_with(NULL, "2"), 2);
    assert_int_equal(threads_with("3", "2"), 3);        /* BLIS's own variable first */
    assert_int_equal(threads_with(" 4 ", NULL), 4);
    assert_int_equal(threads_with(NULL, "4,2"), 4);      /* OpenMP's nested list: the first */
    assert_int_equal(threads_with("many", "2"), 2);     /* not a count: the next variable */
    assert_int_equal(threads_with("0", NULL), 1);
    assert_int_equal(threads_with("-2", NULL), 1);
    assert_int_equal(threads_with("1025", "5"), 5);     /* beyond the 1024 a context takes */
    assert_int_equal(threads_with("99999999999999999999", NULL), 1);
    assert_int_equal(threads_with("", "2x"), 1);
}

static void create_refuses_null_out(void **state)
{
    (void)state;
    assert_fails_naming_no_handle(optima_context_create(NULL), OPTIMA_EINVAL, "'out'");
    test_allocator a;
    memset(&a, 0, sizeof a);
    optima_allocator hooks = test_allocator_hooks(&a);
    assert_fails_naming_no_handle(optima_context_create_with_allocator(&hooks, NULL), OPTIMA_EINVAL, "'out'");
    assert_int_equal(a.calls, 0);
}

static void create_with_allocator_refuses_bad_hooks(void **state)
{
    (void)state;
    test_allocator a;
    memset(&a, 0, sizeof a);
    optima_context *ctx = (optima_context *)&a; /* must stay untouched */
    optima_allocator hooks = test_allocator_hooks(&a);

    assert_fails_naming_no_handle(optima_context_create_with_allocator(NULL, &ctx), OPTIMA_EINVAL,
                        "'allocator'");
    hooks.struct_size = 4;
    assert_fails_naming_no_handle(optima_context_create_with_allocator(&hooks, &ctx), OPTIMA_EINVAL,
                        "'allocator->struct_size'");
    hooks = test_allocator_hooks(&a);
    hooks.reserved = 7;
    assert_fails_naming_no_handle(optima_context_create_with_allocator(&hooks, &ctx), OPTIMA_EINVAL,
                        "'allocator->reserved'");
    hooks = test_allocator_hooks(&a);
    hooks.alloc = NULL;
    assert_fails_naming_no_handle(optima_context_create_with_allocator(&hooks, &ctx), OPTIMA_EINVAL,
                        "'allocator->alloc'");
    hooks = test_allocator_hooks(&a);
    hooks.free = NULL;
    assert_fails_naming_no_handle(optima_context_create_with_allocator(&hooks, &ctx), OPTIMA_EINVAL,
                        "'allocator->free'");
    assert_ptr_equal(ctx, (optima_context *)&a);
    assert_int_equal(a.calls, 0);
}

static void host_allocator_serves_every_allocation(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    assert_int_equal(a.live, 1);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

/* A caller compiled against a larger future allocator struct still works: members past
 * the known ones are ignored. */
static void larger_struct_size_is_accepted(void **state)
{
    (void)state;
    test_allocator a;
    memset(&a, 0, sizeof a);
    struct {
        optima_allocator base;
        void *future_member;
    } bigger;
    bigger.base = test_allocator_hooks(&a);
    bigger.base.struct_size = sizeof bigger;
    bigger.future_member = NULL;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create_with_allocator(&bigger.base, &ctx), OPTIMA_OK);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

static optima_status create_context_attempt(void *state)
{
    test_allocator *a = state;
    optima_allocator hooks = test_allocator_hooks(a);
    optima_context *ctx = NULL;
    const optima_status s = optima_context_create_with_allocator(&hooks, &ctx);
    if (s == OPTIMA_OK) optima_context_destroy(ctx);
    return s;
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    test_allocator a;
    memset(&a, 0, sizeof a);
    const long points = test_allocation_sweep(&a, create_context_attempt, &a);
    assert_true(points >= 1);
    assert_true(strstr(optima_last_error(), "allocate") != NULL);
}

static void threads_setting_is_validated(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    assert_int_equal(optima_context_set_threads(ctx, 2), OPTIMA_OK);
    int32_t threads = 0;
    assert_int_equal(optima_context_get_threads(ctx, &threads), OPTIMA_OK);
    assert_int_equal(threads, 2);

    assert_fails_naming(ctx, optima_context_set_threads(ctx, 0), OPTIMA_EINVAL, "'threads'");
    assert_non_null(strstr(optima_context_last_error(ctx), "'threads'"));
    assert_fails_naming(ctx, optima_context_set_threads(ctx, -3), OPTIMA_EINVAL, "'threads'");
    assert_fails_naming(ctx, optima_context_set_threads(ctx, 1025), OPTIMA_EINVAL, "'threads'");
    assert_int_equal(optima_context_get_threads(ctx, &threads), OPTIMA_OK);
    assert_int_equal(threads, 2); /* refused settings change nothing */

    assert_fails_naming_no_handle(optima_context_set_threads(NULL, 1), OPTIMA_EINVAL, "'ctx'");
    assert_fails_naming_no_handle(optima_context_get_threads(NULL, &threads), OPTIMA_EINVAL, "'ctx'");
    assert_fails_naming(ctx, optima_context_get_threads(ctx, NULL), OPTIMA_EINVAL, "'threads'");
    optima_context_destroy(ctx);
}

typedef struct log_record {
    int calls;
    int32_t level;
    char message[128];
} log_record;

static void record_log(void *user, int32_t level, const char *message)
{
    log_record *r = user;
    r->calls += 1;
    r->level = level;
    snprintf(r->message, sizeof r->message, "%s", message);
}

static void log_setting_is_validated(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    log_record r;
    memset(&r, 0, sizeof r);
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    log_record absorbed; /* BLIS's configuration warning, if this machine runs generic */
    assert_int_equal(optima_context_set_log(ctx, record_log, &absorbed, OPTIMA_LOG_WARN), OPTIMA_OK);
    assert_int_equal(optima_context_set_log(ctx, record_log, &r, OPTIMA_LOG_DEBUG), OPTIMA_OK);
    assert_fails_naming(ctx, optima_context_set_log(ctx, record_log, &r, 0), OPTIMA_EINVAL, "'level'");
    assert_fails_naming(ctx, optima_context_set_log(ctx, record_log, &r, 5), OPTIMA_EINVAL, "'level'");
    assert_fails_naming_no_handle(optima_context_set_log(NULL, record_log, &r, 1), OPTIMA_EINVAL, "'ctx'");
    assert_int_equal(optima_context_set_log(ctx, NULL, NULL, OPTIMA_LOG_ERROR), OPTIMA_OK);
    assert_int_equal(r.calls, 0);
    optima_context_destroy(ctx);
}

static void log_setting_reads_back(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    log_record r;
    memset(&r, 0, sizeof r);
    optima_log_fn sink = record_log;
    void *user = &r;
    int32_t level = 0;
    assert_int_equal(optima_context_get_log(ctx, &sink, &user, &level), OPTIMA_OK);
    assert_null(sink); /* the defaults */
    assert_null(user);
    assert_int_equal(level, OPTIMA_LOG_WARN);
    assert_int_equal(optima_context_set_log(ctx, record_log, &r, OPTIMA_LOG_DEBUG), OPTIMA_OK);
    assert_int_equal(optima_context_get_log(ctx, &sink, &user, &level), OPTIMA_OK);
    assert_true(sink == record_log);
    assert_ptr_equal(user, &r);
    assert_int_equal(level, OPTIMA_LOG_DEBUG);
    /* a refused setting changes nothing */
    assert_int_not_equal(optima_context_set_log(ctx, NULL, NULL, 9), OPTIMA_OK);
    assert_int_equal(optima_context_get_log(ctx, &sink, &user, &level), OPTIMA_OK);
    assert_true(sink == record_log);
    assert_int_equal(level, OPTIMA_LOG_DEBUG);

    assert_fails_naming(ctx, optima_context_get_log(ctx, NULL, &user, &level), OPTIMA_EINVAL,
                        "'sink'");
    assert_fails_naming(ctx, optima_context_get_log(ctx, &sink, NULL, &level), OPTIMA_EINVAL,
                        "'user'");
    assert_fails_naming(ctx, optima_context_get_log(ctx, &sink, &user, NULL), OPTIMA_EINVAL,
                        "'level'");
    assert_fails_naming_no_handle(optima_context_get_log(NULL, &sink, &user, &level),
                                  OPTIMA_EINVAL, "'ctx'");
    assert_int_equal(optima_context_set_log(ctx, NULL, NULL, OPTIMA_LOG_ERROR), OPTIMA_OK);
    optima_context_destroy(ctx);
}

static void last_error_of_null_context_is_empty(void **state)
{
    (void)state;
    assert_string_equal(optima_context_last_error(NULL), "");
}

static void blis_arch_names_what_blis_runs(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    const char *name = NULL;
    assert_int_equal(optima_context_get_blis_arch(ctx, &name), OPTIMA_OK);
    assert_non_null(name);
    assert_string_equal(name, bli_arch_string(bli_arch_query_id()));
    assert_fails_naming_no_handle(optima_context_get_blis_arch(NULL, &name), OPTIMA_EINVAL, "'ctx'");
    assert_fails_naming(ctx, optima_context_get_blis_arch(ctx, NULL), OPTIMA_EINVAL, "'name'");
    optima_context_destroy(ctx);
}

static opt_cpu cpu_with(int amd, int avx2_fma, int avx512_parts)
{
    opt_cpu c = {1, amd, avx2_fma, avx2_fma, avx512_parts > 0, avx512_parts > 1,
                 avx512_parts > 2, avx512_parts > 3, avx512_parts > 4};
    return c;
}

/* The advice is due exactly when BLIS runs generic on a CPU with the features of a
 * compiled-in configuration. */
static void blis_advice_follows_the_cpu(void **state)
{
    (void)state;
    const int generic = (int)BLIS_ARCH_GENERIC;
    opt_cpu c = cpu_with(1, 1, 5);
    assert_string_equal(opt_blis_advice(&c, generic).name, "skx");
    assert_int_equal(opt_blis_advice(&c, generic).value, (int)BLIS_ARCH_SKX);
    assert_int_equal((int)BLIS_ARCH_SKX, 0); /* the numbers the docs quote */
    assert_null(opt_blis_advice(&c, (int)BLIS_ARCH_ZEN3).name);
    assert_null(opt_blis_advice(&c, (int)BLIS_ARCH_SKX).name);
    c = cpu_with(1, 1, 4); /* AVX-512 without VL: not skx */
    assert_string_equal(opt_blis_advice(&c, generic).name, "zen3");
    assert_int_equal(opt_blis_advice(&c, generic).value, 6);
    c = cpu_with(0, 1, 0);
    assert_string_equal(opt_blis_advice(&c, generic).name, "haswell");
    assert_int_equal(opt_blis_advice(&c, generic).value, 3);
    c = cpu_with(1, 0, 0);
    assert_null(opt_blis_advice(&c, generic).name);
    c.avx2 = 1; /* AVX2 without FMA */
    assert_null(opt_blis_advice(&c, generic).name);
    c = cpu_with(0, 1, 5);
    c.x86_64 = 0;
    assert_null(opt_blis_advice(&c, generic).name);
}

/* Child: the configuration, then every message a sink gets over two set_log calls. */
static void print_log(void *user, int32_t level, const char *message)
{
    (void)user;
    printf("%d %s\n", (int)level, message);
}

static int child_log(void)
{
    optima_context *ctx = NULL;
    const char *arch = NULL;
    if (optima_context_create(&ctx) != OPTIMA_OK ||
        optima_context_get_blis_arch(ctx, &arch) != OPTIMA_OK)
        return 1;
    const opt_cpu cpu = opt_cpu_detect(); /* the child's own view (valgrind's differs) */
    const opt_blis_arch best = opt_blis_best_arch(&cpu);
    printf("%s\n%s %d\n", arch, best.name != NULL ? best.name : "none", best.value);
    if (optima_context_set_log(ctx, print_log, NULL, OPTIMA_LOG_ERROR) != OPTIMA_OK ||
        optima_context_set_log(ctx, print_log, NULL, OPTIMA_LOG_DEBUG) != OPTIMA_OK ||
        optima_context_set_log(ctx, print_log, NULL, OPTIMA_LOG_WARN) != OPTIMA_OK)
        return 1;
    optima_context_destroy(ctx);
    return 0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s != '\0'; ++s) n += *s == '\n';
    return n;
}

/* Under BLIS_ARCH_TYPE=generic the context warns once, naming the variable and the value
 * of the best configuration, when the CPU has one; under that configuration it is quiet.
 * The child reports what it finds the CPU to be (a parent under valgrind sees another). */
static void generic_blis_is_warned_about_once(void **state)
{
    (void)state;
    char *out = blis_child_output("log", (int)BLIS_ARCH_GENERIC);
    char name[32] = "";
    int value = -1;
    assert_int_equal(sscanf(out, "generic\n%31s %d\n", name, &value), 2);
    if (strcmp(name, "none") == 0) {
        assert_int_equal(count_lines(out), 2);
    } else {
        char variable[32], quoted[40];
        snprintf(variable, sizeof variable, "BLIS_ARCH_TYPE=%d ", value);
        snprintf(quoted, sizeof quoted, "'%s'", name);
        assert_int_equal(count_lines(out), 3);
        assert_non_null(strstr(out, "\n2 BLIS runs its generic"));
        assert_non_null(strstr(out, quoted));
        assert_non_null(strstr(out, variable));
        free(out);
        out = blis_child_output("log", value);
        assert_int_equal(count_lines(out), 2);
        assert_true(strncmp(out, name, strlen(name)) == 0);
    }
    free(out);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0) return child_log();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thread_count_follows_the_blas_environment_variables),
        cmocka_unit_test(create_and_destroy_with_defaults),
        cmocka_unit_test(create_refuses_null_out),
        cmocka_unit_test(create_with_allocator_refuses_bad_hooks),
        cmocka_unit_test(host_allocator_serves_every_allocation),
        cmocka_unit_test(larger_struct_size_is_accepted),
        cmocka_unit_test(create_survives_every_allocation_failure),
        cmocka_unit_test(threads_setting_is_validated),
        cmocka_unit_test(log_setting_is_validated),
        cmocka_unit_test(log_setting_reads_back),
        cmocka_unit_test(last_error_of_null_context_is_empty),
        cmocka_unit_test(blis_arch_names_what_blis_runs),
        cmocka_unit_test(blis_advice_follows_the_cpu),
        cmocka_unit_test(generic_blis_is_warned_about_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
