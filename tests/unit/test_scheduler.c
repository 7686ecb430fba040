/* The scheduler's interface: creation, arm sets and names, hyperparameters, the
 * select/update protocol, each policy's decisions, statistics, cost and numerics. */
#include "sched_testutil.h"

#include "sched/scheduler_impl.h"

/* ---- creation ------------------------------------------------------------------------- */

static void create_refuses_bad_arguments(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    optima_scheduler *s = NULL;
    assert_fails_naming_no_handle(optima_scheduler_create(NULL, 3, 0, 1, &s), OPTIMA_EINVAL, "'ctx'");
    assert_fails_naming_no_handle(optima_scheduler_create(ctx, 3, 0, 1, NULL), OPTIMA_EINVAL, "'out'");
    assert_fails_naming_no_handle(optima_scheduler_create(ctx, 0, 0, 1, &s), OPTIMA_EINVAL, "'num_modules'");
    assert_fails_naming_no_handle(optima_scheduler_create(ctx, 17, 0, 1, &s), OPTIMA_EINVAL, "'num_modules'");
    assert_fails_naming_no_handle(optima_scheduler_create(ctx, 3, -1, 1, &s), OPTIMA_EINVAL, "'policy'");
    assert_fails_naming_no_handle(optima_scheduler_create(ctx, 3, 11, 1, &s), OPTIMA_EINVAL, "'policy'");
    assert_null(s);
    optima_scheduler_destroy(NULL);
    assert_string_equal(optima_scheduler_last_error(NULL), "");
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

typedef struct create_attempt {
    optima_context *ctx;
    int32_t k;
} create_attempt;

static optima_status attempt_create(void *p)
{
    create_attempt *c = p;
    optima_scheduler *s = NULL;
    optima_status st = optima_scheduler_create(c->ctx, c->k, OPTIMA_POLICY_OPTIMA, 5, &s);
    if (st != OPTIMA_OK) {
        assert_null(s);
        return st;
    }
    st = optima_scheduler_set_window(s, 10); /* reallocates the ring */
    optima_scheduler_destroy(s);
    return st;
}

static void create_survives_every_allocation_failure(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    create_attempt c = {ctx, 3};
    assert_true(test_allocation_sweep(&a, attempt_create, &c) >= 4);
    c.k = 16;
    assert_true(test_allocation_sweep(&a, attempt_create, &c) >= 4);
    optima_context_destroy(ctx);
}

static void defaults_are_the_documented_ones(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 1);
    int32_t i32;
    uint32_t u32;
    uint64_t u64;
    double d;
    assert_int_equal(optima_scheduler_get_num_modules(s, &i32), OPTIMA_OK);
    assert_int_equal(i32, 3);
    assert_int_equal(optima_scheduler_get_policy(s, &i32), OPTIMA_OK);
    assert_int_equal(i32, OPTIMA_POLICY_OPTIMA);
    assert_int_equal(optima_scheduler_get_arm_set(s, &i32), OPTIMA_OK);
    assert_int_equal(i32, OPTIMA_ARMS_ALL_SUBSETS);
    assert_int_equal(optima_scheduler_get_num_arms(s, &u32), OPTIMA_OK);
    assert_int_equal(u32, 7);
    assert_int_equal(optima_scheduler_get_rounds(s, &u64), OPTIMA_OK);
    assert_int_equal(u64, 0);
    assert_int_equal(optima_scheduler_get_window(s, &u32), OPTIMA_OK);
    assert_int_equal(u32, 64);
    assert_int_equal(optima_scheduler_get_history(s, &i32), OPTIMA_OK);
    assert_int_equal(i32, OPTIMA_HISTORY_CHANGE_POINT); /* since 1.1; WINDOW before */
    assert_int_equal(optima_scheduler_get_forced_exploration(s, &d), OPTIMA_OK);
    assert_true(d == OPT_SCHED_DEFAULT_FORCED_EXPLORATION);
    assert_int_equal(optima_scheduler_get_detector_confidence(s, &d), OPTIMA_OK);
    assert_true(d == OPT_SCHED_DEFAULT_DETECTOR_CONFIDENCE);
    assert_int_equal(optima_scheduler_get_detector_stride(s, &u32), OPTIMA_OK);
    assert_int_equal(u32, OPT_SCHED_DEFAULT_DETECTOR_STRIDE);
    assert_int_equal(optima_scheduler_get_restarts(s, &u64), OPTIMA_OK);
    assert_int_equal(u64, 0);
    assert_int_equal(optima_scheduler_get_discount(s, &d), OPTIMA_OK);
    assert_true(d == 0.98);
    assert_int_equal(optima_scheduler_get_variance_floor(s, &d), OPTIMA_OK);
    assert_true(d == 1e-6);
    assert_int_equal(optima_scheduler_get_fixed_variance(s, &d), OPTIMA_OK);
    assert_true(d == 0.0);
    assert_int_equal(optima_scheduler_get_exploration(s, &d), OPTIMA_OK);
    assert_true(d == 1.0);
    assert_int_equal(optima_scheduler_get_exp3_gamma(s, &d), OPTIMA_OK);
    assert_true(d == 0.1);
    assert_int_equal(optima_scheduler_get_fixed_arm(s, &u32), OPTIMA_OK);
    assert_int_equal(u32, 0);
    assert_fails_naming(s, optima_scheduler_get_window(s, NULL), OPTIMA_EINVAL, "'window'");
    assert_fails_naming(s, optima_scheduler_get_exploration(s, NULL), OPTIMA_EINVAL, "'c'");
    assert_fails_naming_no_handle(optima_scheduler_get_rounds(NULL, &u64), OPTIMA_EINVAL, "'s'");
    assert_non_null(strstr(optima_scheduler_last_error(s), "'c'"));
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

static void policy_names_cover_every_value(void **state)
{
    (void)state;
    static const char *const names[] = {"OPTIMA", "ALL", "RANDOM", "ROUND_ROBIN", "FIXED", "UCB1",
                                        "THOMPSON", "DISCOUNTED_THOMPSON", "SLIDING_WINDOW_UCB",
                                        "EXP3", "GLR_UCB"};
    for (int32_t p = 0; p < 11; ++p) assert_string_equal(optima_scheduler_policy_name(p), names[p]);
    assert_string_equal(optima_scheduler_policy_name(11), "unknown");
    assert_string_equal(optima_scheduler_policy_name(-1), "unknown");
}

/* ---- arms and names -------------------------------------------------------------------- */

static void all_subsets_are_in_mask_order_with_index_names(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 1);
    for (uint32_t i = 0; i < 7; ++i) {
        uint32_t mask = 0, found = 99;
        assert_int_equal(optima_scheduler_get_arm_mask(s, i, &mask), OPTIMA_OK);
        assert_int_equal(mask, i + 1);
        assert_int_equal(optima_scheduler_find_arm(s, mask, &found), OPTIMA_OK);
        assert_int_equal(found, i);
    }
    char name[64];
    size_t len = 0;
    assert_int_equal(optima_scheduler_get_arm_name(s, 4, name, sizeof name, &len), OPTIMA_OK);
    assert_string_equal(name, "m0+m2");
    assert_int_equal(len, 5);
    assert_int_equal(optima_scheduler_get_arm_name(s, 6, NULL, 0, &len), OPTIMA_OK);
    assert_int_equal(len, 8); /* m0+m1+m2 */
    memset(name, 'x', sizeof name);
    assert_fails_naming(s, optima_scheduler_get_arm_name(s, 6, name, 8, &len), OPTIMA_EINVAL, "'capacity'");
    assert_int_equal(name[0], 'x');
    assert_fails_naming(s, optima_scheduler_get_arm_name(s, 7, name, 64, &len), OPTIMA_EINVAL, "'arm'");
    assert_fails_naming(s, optima_scheduler_get_arm_name(s, 0, NULL, 4, &len), OPTIMA_EINVAL, "'buffer'");
    assert_fails_naming(s, optima_scheduler_get_arm_name(s, 0, name, 4, NULL), OPTIMA_EINVAL, "'length'");
    uint32_t mask;
    assert_fails_naming(s, optima_scheduler_get_arm_mask(s, 7, &mask), OPTIMA_EINVAL, "'arm'");
    assert_fails_naming(s, optima_scheduler_find_arm(s, 8, &mask), OPTIMA_ENOTFOUND, "'mask'");
    assert_fails_naming(s, optima_scheduler_find_arm(s, 0, &mask), OPTIMA_ENOTFOUND, "'mask'");
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

static void module_names_read_back(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 1);
    const char *got[4] = {"x", "x", "x", "x"};
    int32_t count = -1;
    assert_int_equal(optima_scheduler_get_module_names(s, NULL, 0, &count), OPTIMA_OK);
    assert_int_equal(count, 0); /* none set: modules print as m<m> */
    assert_int_equal(optima_scheduler_get_module_names(s, got, 4, &count), OPTIMA_OK);
    assert_int_equal(count, 0);
    assert_string_equal(got[0], "x");

    char vision[] = "vision";
    const char *const names[] = {vision, "text", "fusion"};
    assert_int_equal(optima_scheduler_set_module_names(s, names, 3), OPTIMA_OK);
    vision[0] = 'V'; /* the scheduler keeps its own copies */
    assert_int_equal(optima_scheduler_get_module_names(s, NULL, 0, &count), OPTIMA_OK);
    assert_int_equal(count, 3);
    assert_int_equal(optima_scheduler_get_module_names(s, got, 3, &count), OPTIMA_OK);
    assert_string_equal(got[0], "vision");
    assert_string_equal(got[1], "text");
    assert_string_equal(got[2], "fusion");
    assert_string_equal(got[3], "x");

    const char *small[2] = {"y", "y"};
    assert_fails_naming(s, optima_scheduler_get_module_names(s, small, 2, &count), OPTIMA_EINVAL,
                        "'capacity'");
    assert_string_equal(small[0], "y"); /* untouched */
    assert_int_equal(count, 3);
    assert_fails_naming(s, optima_scheduler_get_module_names(s, got, -1, &count), OPTIMA_EINVAL,
                        "'capacity'");
    assert_fails_naming(s, optima_scheduler_get_module_names(s, NULL, 3, &count), OPTIMA_EINVAL,
                        "'names'");
    assert_fails_naming(s, optima_scheduler_get_module_names(s, got, 3, NULL), OPTIMA_EINVAL,
                        "'count'");
    assert_fails_naming_no_handle(optima_scheduler_get_module_names(NULL, got, 3, &count),
                                  OPTIMA_EINVAL, "'s'");

    assert_int_equal(optima_scheduler_set_module_names(s, NULL, 0), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_module_names(s, got, 3, &count), OPTIMA_OK);
    assert_int_equal(count, 0);
    optima_scheduler_destroy(s);
    assert_int_equal(a.live, 1);
    optima_context_destroy(ctx);
}

static void module_names_build_arm_names(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 1);
    const char *const names[] = {"vision", "text", "fusion"};
    assert_int_equal(optima_scheduler_set_module_names(s, names, 3), OPTIMA_OK);
    char name[64];
    size_t len;
    assert_int_equal(optima_scheduler_get_arm_name(s, 4, name, sizeof name, &len), OPTIMA_OK);
    assert_string_equal(name, "vision+fusion");
    assert_int_equal(optima_scheduler_get_arm_name(s, 6, name, sizeof name, &len), OPTIMA_OK);
    assert_string_equal(name, "vision+text+fusion");
    /* names may change any time, even after rounds */
    play(s, 3, NULL);
    const char *const renamed[] = {"a", "b", "c"};
    assert_int_equal(optima_scheduler_set_module_names(s, renamed, 3), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_arm_name(s, 5, name, sizeof name, &len), OPTIMA_OK);
    assert_string_equal(name, "b+c");
    assert_int_equal(optima_scheduler_set_module_names(s, NULL, 0), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_arm_name(s, 5, name, sizeof name, &len), OPTIMA_OK);
    assert_string_equal(name, "m1+m2");

    const char *const with_null[] = {"a", NULL, "c"};
    const char *const empty[] = {"a", "", "c"};
    const char *const plus[] = {"a", "b+", "c"};
    const char *const twice[] = {"a", "b", "a"};
    char long_name[80];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    const char *const too_long[] = {"a", long_name, "c"};
    assert_fails_naming(s, optima_scheduler_set_module_names(s, names, 2), OPTIMA_EINVAL, "'count'");
    assert_fails_naming(s, optima_scheduler_set_module_names(s, NULL, 3), OPTIMA_EINVAL, "'names'");
    assert_fails_naming(s, optima_scheduler_set_module_names(s, with_null, 3), OPTIMA_EINVAL, "'names'");
    assert_fails_naming(s, optima_scheduler_set_module_names(s, empty, 3), OPTIMA_EINVAL, "'names'");
    assert_fails_naming(s, optima_scheduler_set_module_names(s, plus, 3), OPTIMA_EINVAL, "'names'");
    assert_fails_naming(s, optima_scheduler_set_module_names(s, twice, 3), OPTIMA_EINVAL, "'names'");
    assert_fails_naming(s, optima_scheduler_set_module_names(s, too_long, 3), OPTIMA_EINVAL, "'names'");
    assert_fails_naming_no_handle(optima_scheduler_set_module_names(NULL, names, 3), OPTIMA_EINVAL, "'s'");
    /* a refused call keeps what was there (no names) */
    assert_int_equal(optima_scheduler_get_arm_name(s, 0, name, sizeof name, &len), OPTIMA_OK);
    assert_string_equal(name, "m0");
    /* the allocation of the names can fail cleanly */
    a.fail_at = a.calls + 1;
    assert_fails_naming(s, optima_scheduler_set_module_names(s, names, 3), OPTIMA_ENOMEM, "names");
    a.fail_at = 0;
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

static void single_modules_and_explicit_masks(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 4, OPTIMA_POLICY_ROUND_ROBIN, 1);
    uint32_t n, mask;
    int32_t set;
    assert_int_equal(optima_scheduler_set_arm_set(s, OPTIMA_ARMS_SINGLE_MODULES), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_num_arms(s, &n), OPTIMA_OK);
    assert_int_equal(n, 4);
    assert_int_equal(optima_scheduler_get_arm_mask(s, 3, &mask), OPTIMA_OK);
    assert_int_equal(mask, 8);
    assert_int_equal(optima_scheduler_find_arm(s, 3, &mask), OPTIMA_ENOTFOUND);

    const uint32_t masks[] = {0xf, 0x3, 0x4};
    assert_int_equal(optima_scheduler_set_arm_masks(s, masks, 3), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_arm_set(s, &set), OPTIMA_OK);
    assert_int_equal(set, OPTIMA_ARMS_EXPLICIT);
    assert_int_equal(optima_scheduler_get_num_arms(s, &n), OPTIMA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(optima_scheduler_find_arm(s, 0x4, &mask), OPTIMA_OK);
    assert_int_equal(mask, 2);

    const uint32_t zero[] = {1, 0};
    const uint32_t high[] = {1, 0x10};
    const uint32_t dup[] = {3, 1, 3};
    assert_fails_naming(s, optima_scheduler_set_arm_masks(s, zero, 2), OPTIMA_EINVAL, "'masks'");
    assert_fails_naming(s, optima_scheduler_set_arm_masks(s, high, 2), OPTIMA_EINVAL, "'masks'");
    assert_fails_naming(s, optima_scheduler_set_arm_masks(s, dup, 3), OPTIMA_EINVAL, "appears twice");
    assert_fails_naming(s, optima_scheduler_set_arm_masks(s, NULL, 2), OPTIMA_EINVAL, "'masks'");
    assert_fails_naming(s, optima_scheduler_set_arm_masks(s, masks, 0), OPTIMA_EINVAL, "'count'");
    assert_fails_naming(s, optima_scheduler_set_arm_masks(s, masks, 16), OPTIMA_EINVAL, "'count'");
    assert_fails_naming(s, optima_scheduler_set_arm_set(s, 2), OPTIMA_EINVAL, "'arm_set'");
    assert_fails_naming(s, optima_scheduler_set_arm_set(s, -1), OPTIMA_EINVAL, "'arm_set'");
    /* refusals left the explicit set in place */
    assert_int_equal(optima_scheduler_get_num_arms(s, &n), OPTIMA_OK);
    assert_int_equal(n, 3);
    /* the list reads back: size query, then the masks; a short buffer is refused untouched */
    uint32_t got[4] = {7, 7, 7, 7}, count = 0;
    assert_int_equal(optima_scheduler_get_arm_masks(s, NULL, 0, &count), OPTIMA_OK);
    assert_int_equal(count, 3);
    assert_fails_naming(s, optima_scheduler_get_arm_masks(s, got, 2, &count), OPTIMA_EINVAL, "'capacity'");
    assert_int_equal(count, 3);
    assert_int_equal(got[0], 7);
    assert_fails_naming(s, optima_scheduler_get_arm_masks(s, NULL, 3, &count), OPTIMA_EINVAL, "'masks'");
    assert_fails_naming(s, optima_scheduler_get_arm_masks(s, got, 4, NULL), OPTIMA_EINVAL, "'count'");
    assert_fails_naming_no_handle(optima_scheduler_get_arm_masks(NULL, got, 4, &count), OPTIMA_EINVAL, "'s'");
    assert_int_equal(optima_scheduler_get_arm_masks(s, got, 4, &count), OPTIMA_OK);
    assert_int_equal(count, 3);
    assert_memory_equal(got, masks, sizeof masks);
    assert_int_equal(got[3], 7);
    uint32_t arm;
    assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
    assert_fails_naming(s, optima_scheduler_set_arm_set(s, OPTIMA_ARMS_ALL_SUBSETS), OPTIMA_ESTATE, "frozen");
    /* and after the first select, for a built-in set too */
    optima_scheduler *all = make_scheduler(ctx, 2, OPTIMA_POLICY_ROUND_ROBIN, 1);
    assert_int_equal(optima_scheduler_select(all, &arm), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_arm_masks(all, got, 4, &count), OPTIMA_OK);
    assert_int_equal(count, 3);
    assert_true(got[0] == 1 && got[1] == 2 && got[2] == 3);
    assert_int_equal(optima_scheduler_get_arm_masks(s, got, 3, &count), OPTIMA_OK);
    assert_memory_equal(got, masks, sizeof masks);
    optima_scheduler_destroy(all);
    assert_fails_naming(s, optima_scheduler_set_arm_masks(s, masks, 2), OPTIMA_ESTATE, "frozen");
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

static void policy_all_needs_the_full_set(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_ALL, 1);
    const uint32_t without[] = {1, 2, 4};
    const uint32_t with[] = {1, 7};
    assert_fails_naming(s, optima_scheduler_set_arm_masks(s, without, 3), OPTIMA_EINVAL, "'masks'");
    assert_fails_naming(s, optima_scheduler_set_arm_set(s, OPTIMA_ARMS_SINGLE_MODULES), OPTIMA_EINVAL, "'arm_set'");
    assert_int_equal(optima_scheduler_set_arm_masks(s, with, 2), OPTIMA_OK);
    for (int i = 0; i < 5; ++i) {
        uint32_t arm;
        assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
        assert_int_equal(arm, 1);
        assert_int_equal(optima_scheduler_update(s, arm, 0.5), OPTIMA_OK);
    }
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

/* ---- hyperparameters ------------------------------------------------------------------- */

static void setters_validate_values_policy_and_timing(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 1);
    assert_int_equal(optima_scheduler_set_window(s, 8), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_history(s, OPTIMA_HISTORY_DISCOUNT), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_discount(s, 1.0), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_variance_floor(s, 1e-3), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_fixed_variance(s, 0.25), OPTIMA_OK);
    double d;
    assert_int_equal(optima_scheduler_get_fixed_variance(s, &d), OPTIMA_OK);
    assert_true(d == 0.25);
    uint32_t w;
    assert_int_equal(optima_scheduler_get_window(s, &w), OPTIMA_OK);
    assert_int_equal(w, 8);

    assert_fails_naming(s, optima_scheduler_set_window(s, 0), OPTIMA_EINVAL, "'window'");
    assert_fails_naming(s, optima_scheduler_set_window(s, OPTIMA_SCHEDULER_MAX_WINDOW + 1), OPTIMA_EINVAL, "'window'");
    assert_fails_naming(s, optima_scheduler_set_history(s, 3), OPTIMA_EINVAL, "'history'");
    assert_fails_naming(s, optima_scheduler_set_history(s, -1), OPTIMA_EINVAL, "'history'");
    assert_fails_naming(s, optima_scheduler_set_discount(s, 0.0), OPTIMA_EINVAL, "'gamma'");
    assert_fails_naming(s, optima_scheduler_set_discount(s, 1.5), OPTIMA_EINVAL, "'gamma'");
    assert_fails_naming(s, optima_scheduler_set_discount(s, NAN), OPTIMA_EINVAL, "'gamma'");
    assert_fails_naming(s, optima_scheduler_set_variance_floor(s, 0.0), OPTIMA_EINVAL, "'floor'");
    assert_fails_naming(s, optima_scheduler_set_variance_floor(s, INFINITY), OPTIMA_EINVAL, "'floor'");
    assert_fails_naming(s, optima_scheduler_set_fixed_variance(s, -1.0), OPTIMA_EINVAL, "'variance'");
    assert_fails_naming_no_handle(optima_scheduler_set_window(NULL, 8), OPTIMA_EINVAL, "'s'");
    /* settings this policy does not have */
    assert_int_equal(optima_scheduler_set_exploration(s, 2.0), OPTIMA_EUNSUPPORTED);
    assert_int_equal(optima_scheduler_set_exp3_gamma(s, 0.5), OPTIMA_EUNSUPPORTED);
    assert_int_equal(optima_scheduler_set_fixed_arm(s, 0), OPTIMA_EUNSUPPORTED);
    /* a failing window allocation changes nothing */
    a.fail_at = a.calls + 1;
    assert_int_equal(optima_scheduler_set_window(s, 100), OPTIMA_ENOMEM);
    a.fail_at = 0;
    assert_int_equal(optima_scheduler_get_window(s, &w), OPTIMA_OK);
    assert_int_equal(w, 8);
    /* frozen after the first select */
    uint32_t arm;
    assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
    assert_fails_naming(s, optima_scheduler_set_window(s, 9), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(s, optima_scheduler_set_history(s, 0), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(s, optima_scheduler_set_discount(s, 0.5), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(s, optima_scheduler_set_variance_floor(s, 1.0), OPTIMA_ESTATE, "frozen");
    assert_fails_naming(s, optima_scheduler_set_fixed_variance(s, 0.0), OPTIMA_ESTATE, "frozen");
    optima_scheduler_destroy(s);

    s = make_scheduler(ctx, 2, OPTIMA_POLICY_UCB1, 1);
    assert_int_equal(optima_scheduler_set_exploration(s, 0.0), OPTIMA_OK);
    assert_fails_naming(s, optima_scheduler_set_exploration(s, -0.1), OPTIMA_EINVAL, "'c'");
    assert_fails_naming(s, optima_scheduler_set_window(s, 8), OPTIMA_EUNSUPPORTED, "UCB1");
    assert_int_equal(optima_scheduler_set_discount(s, 0.5), OPTIMA_EUNSUPPORTED);
    assert_int_equal(optima_scheduler_set_history(s, 0), OPTIMA_EUNSUPPORTED);
    assert_int_equal(optima_scheduler_set_variance_floor(s, 1.0), OPTIMA_EUNSUPPORTED);
    optima_scheduler_destroy(s);

    s = make_scheduler(ctx, 2, OPTIMA_POLICY_EXP3, 1);
    assert_int_equal(optima_scheduler_set_exp3_gamma(s, 1.0), OPTIMA_OK);
    assert_fails_naming(s, optima_scheduler_set_exp3_gamma(s, 0.0), OPTIMA_EINVAL, "'gamma'");
    optima_scheduler_destroy(s);

    s = make_scheduler(ctx, 2, OPTIMA_POLICY_FIXED, 1);
    assert_int_equal(optima_scheduler_set_fixed_arm(s, 2), OPTIMA_OK);
    assert_fails_naming(s, optima_scheduler_set_fixed_arm(s, 3), OPTIMA_EINVAL, "'arm'");
    /* a smaller arm set brings an out-of-range fixed arm back to 0 */
    assert_int_equal(optima_scheduler_set_arm_set(s, OPTIMA_ARMS_SINGLE_MODULES), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_fixed_arm(s, &w), OPTIMA_OK);
    assert_int_equal(w, 0);
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

/* ---- the select/update protocol -------------------------------------------------------- */

static void update_must_follow_a_select_of_that_arm(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_ROUND_ROBIN, 1);
    uint32_t arm, again;
    uint64_t rounds;
    assert_fails_naming(s, optima_scheduler_update(s, 0, 1.0), OPTIMA_ESTATE, "no select");
    assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
    assert_int_equal(arm, 0);
    assert_int_equal(optima_scheduler_select(s, &again), OPTIMA_OK);
    assert_int_equal(again, 0); /* a retried round gets the same arm */
    assert_fails_naming(s, optima_scheduler_update(s, 1, 1.0), OPTIMA_ESTATE, "returned arm 0");
    assert_fails_naming(s, optima_scheduler_update(s, 3, 1.0), OPTIMA_EINVAL, "'arm'");
    assert_fails_naming(s, optima_scheduler_update(s, 0, NAN), OPTIMA_ENONFINITE, "'reward'");
    assert_fails_naming(s, optima_scheduler_update(s, 0, -INFINITY), OPTIMA_ENONFINITE, "'reward'");
    assert_fails_naming(s, optima_scheduler_update(s, 0, 2e100), OPTIMA_EINVAL, "'reward'");
    assert_fails_naming_no_handle(optima_scheduler_update(NULL, 0, 1.0), OPTIMA_EINVAL, "'s'");
    assert_fails_naming(s, optima_scheduler_select(s, NULL), OPTIMA_EINVAL, "'arm'");
    assert_fails_naming_no_handle(optima_scheduler_select(NULL, &arm), OPTIMA_EINVAL, "'s'");
    /* nothing changed: still pending, no round counted, no statistics */
    assert_int_equal(optima_scheduler_get_rounds(s, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 0);
    double count;
    assert_int_equal(optima_scheduler_get_arm_count(s, 0, &count), OPTIMA_OK);
    assert_true(count == 0.0);
    assert_int_equal(optima_scheduler_update(s, 0, 1e100), OPTIMA_OK);
    assert_int_equal(optima_scheduler_get_rounds(s, &rounds), OPTIMA_OK);
    assert_int_equal(rounds, 1);
    assert_fails_naming(s, optima_scheduler_update(s, 0, 1.0), OPTIMA_ESTATE, "no select");
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

static void arm_statistics_getters(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 1, OPTIMA_POLICY_ROUND_ROBIN, 1);
    double count, mean, theta;
    uint64_t plays;
    assert_int_equal(optima_scheduler_get_arm_mean(s, 0, &mean), OPTIMA_OK);
    assert_true(isnan(mean));
    assert_int_equal(optima_scheduler_get_arm_sample(s, 0, &theta), OPTIMA_OK);
    assert_true(isnan(theta));
    const double rewards[] = {0.5, 1.5, -1.0};
    for (int i = 0; i < 3; ++i) {
        uint32_t arm;
        assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
        assert_int_equal(optima_scheduler_update(s, arm, rewards[i]), OPTIMA_OK);
    }
    assert_int_equal(optima_scheduler_get_arm_count(s, 0, &count), OPTIMA_OK);
    assert_true(count == 3.0);
    assert_int_equal(optima_scheduler_get_arm_mean(s, 0, &mean), OPTIMA_OK);
    assert_true(fabs(mean - 1.0 / 3.0) < 1e-15);
    assert_int_equal(optima_scheduler_get_arm_plays(s, 0, &plays), OPTIMA_OK);
    assert_int_equal(plays, 3);
    assert_fails_naming(s, optima_scheduler_get_arm_count(s, 1, &count), OPTIMA_EINVAL, "'arm'");
    assert_fails_naming(s, optima_scheduler_get_arm_mean(s, 0, NULL), OPTIMA_EINVAL, "'mean'");
    assert_fails_naming(s, optima_scheduler_get_arm_sample(s, 0, NULL), OPTIMA_EINVAL, "'theta'");
    assert_fails_naming_no_handle(optima_scheduler_get_arm_plays(NULL, 0, &plays), OPTIMA_EINVAL, "'s'");
    assert_fails_naming(s, optima_scheduler_get_arm_count(s, 0, NULL), OPTIMA_EINVAL, "'count'");
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

/* ---- policies ---------------------------------------------------------------------------- */

static void optima_plays_every_arm_once_then_samples(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_OPTIMA, 7);
    uint32_t arms[7];
    play(s, 7, arms);
    int seen[7] = {0};
    int in_order = 1;
    for (int i = 0; i < 7; ++i) {
        seen[arms[i]] += 1;
        in_order &= arms[i] == (uint32_t)i;
        double theta;
        assert_int_equal(optima_scheduler_get_arm_sample(s, (uint32_t)i, &theta), OPTIMA_OK);
        assert_true(isnan(theta)); /* no draws during the sweep */
    }
    for (int i = 0; i < 7; ++i) assert_int_equal(seen[i], 1);
    assert_false(in_order); /* shuffled (this seed's permutation is not the identity) */
    play(s, 1, NULL);
    for (uint32_t i = 0; i < 7; ++i) {
        double theta;
        assert_int_equal(optima_scheduler_get_arm_sample(s, i, &theta), OPTIMA_OK);
        assert_true(isfinite(theta));
    }
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

static void optima_window_forgets_old_rounds_and_stale_arms_return(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 3);
    assert_int_equal(optima_scheduler_set_history(s, OPTIMA_HISTORY_WINDOW), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_window(s, 10), OPTIMA_OK);
    /* arm 2 pays 1, the others 0: after the sweep OPTIMA settles on arm 2 */
    int late_plays_of_2 = 0;
    for (int t = 0; t < 60; ++t) {
        uint32_t arm;
        assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
        assert_int_equal(optima_scheduler_update(s, arm, arm == 2 ? 1.0 : 0.0), OPTIMA_OK);
        if (t >= 40) late_plays_of_2 += arm == 2;
    }
    assert_true(late_plays_of_2 >= 18);
    double count, mean;
    uint64_t plays;
    /* counts cover only the last 10 rounds */
    double total = 0.0;
    for (uint32_t a = 0; a < 3; ++a) {
        assert_int_equal(optima_scheduler_get_arm_count(s, a, &count), OPTIMA_OK);
        total += count;
    }
    assert_true(total == 10.0);
    assert_int_equal(optima_scheduler_get_arm_mean(s, 2, &mean), OPTIMA_OK);
    assert_true(mean == 1.0);
    /* an arm absent from the window reports count 0 and mean NaN but keeps its plays */
    for (uint32_t a = 0; a < 2; ++a) {
        assert_int_equal(optima_scheduler_get_arm_count(s, a, &count), OPTIMA_OK);
        assert_int_equal(optima_scheduler_get_arm_plays(s, a, &plays), OPTIMA_OK);
        assert_true(plays >= 1);
        if (count == 0.0) {
            assert_int_equal(optima_scheduler_get_arm_mean(s, a, &mean), OPTIMA_OK);
            assert_true(isnan(mean));
        }
    }
    /* now arm 2 pays 0 and arm 0 pays 2: the window lets arm 0 come back */
    int plays_of_0 = 0;
    for (int t = 0; t < 60; ++t) {
        uint32_t arm;
        assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
        assert_int_equal(optima_scheduler_update(s, arm, arm == 0 ? 2.0 : 0.0), OPTIMA_OK);
        if (t >= 30) plays_of_0 += arm == 0;
    }
    assert_true(plays_of_0 >= 20);
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

static void discounted_counts_are_sums_of_powers(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_ROUND_ROBIN, 3);
    optima_scheduler *d = make_scheduler(ctx, 2, OPTIMA_POLICY_DISCOUNTED_THOMPSON, 3);
    assert_int_equal(optima_scheduler_set_discount(d, 0.5), OPTIMA_OK);
    /* drive the discounted scheduler's statistics: ages of arm a's rewards are known */
    double expect_count[3] = {0}, expect_sum[3] = {0};
    for (int t = 0; t < 12; ++t) {
        uint32_t arm;
        assert_int_equal(optima_scheduler_select(d, &arm), OPTIMA_OK);
        const double r = 0.25 * (double)(t % 4);
        for (int a = 0; a < 3; ++a) {
            expect_count[a] *= 0.5;
            expect_sum[a] *= 0.5;
        }
        expect_count[arm] += 1.0;
        expect_sum[arm] += r;
        assert_int_equal(optima_scheduler_update(d, arm, r), OPTIMA_OK);
    }
    for (uint32_t a = 0; a < 3; ++a) {
        double count, mean;
        assert_int_equal(optima_scheduler_get_arm_count(d, a, &count), OPTIMA_OK);
        assert_true(fabs(count - expect_count[a]) < 1e-12);
        if (count > 0.0) {
            assert_int_equal(optima_scheduler_get_arm_mean(d, a, &mean), OPTIMA_OK);
            assert_true(fabs(mean - expect_sum[a] / expect_count[a]) < 1e-12);
        }
    }
    optima_scheduler_destroy(s);
    optima_scheduler_destroy(d);
    optima_context_destroy(ctx);
}

static void simple_policies_follow_their_rule(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *all = make_scheduler(ctx, 3, OPTIMA_POLICY_ALL, 1);
    optima_scheduler *rr = make_scheduler(ctx, 3, OPTIMA_POLICY_ROUND_ROBIN, 1);
    optima_scheduler *fixed = make_scheduler(ctx, 3, OPTIMA_POLICY_FIXED, 1);
    optima_scheduler *rnd = make_scheduler(ctx, 3, OPTIMA_POLICY_RANDOM, 1);
    assert_int_equal(optima_scheduler_set_fixed_arm(fixed, 4), OPTIMA_OK);
    uint32_t arms[70];
    int seen[7] = {0};
    play(all, 20, arms);
    for (int i = 0; i < 20; ++i) assert_int_equal(arms[i], 6);
    play(rr, 20, arms);
    for (int i = 0; i < 20; ++i) assert_int_equal(arms[i], (uint32_t)(i % 7));
    play(fixed, 20, arms);
    for (int i = 0; i < 20; ++i) assert_int_equal(arms[i], 4);
    play(rnd, 70, arms);
    for (int i = 0; i < 70; ++i) seen[arms[i]] += 1;
    for (int i = 0; i < 7; ++i) assert_true(seen[i] >= 2);
    optima_scheduler_destroy(all);
    optima_scheduler_destroy(rr);
    optima_scheduler_destroy(fixed);
    optima_scheduler_destroy(rnd);
    optima_context_destroy(ctx);
}

/* Every learning policy must end up preferring the clearly best arm of a stationary problem. */
static void learning_policies_find_a_clearly_best_arm(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    static const int32_t policies[] = {OPTIMA_POLICY_OPTIMA, OPTIMA_POLICY_UCB1,
                                       OPTIMA_POLICY_THOMPSON, OPTIMA_POLICY_DISCOUNTED_THOMPSON,
                                       OPTIMA_POLICY_SLIDING_WINDOW_UCB, OPTIMA_POLICY_EXP3,
                                       OPTIMA_POLICY_GLR_UCB};
    for (size_t p = 0; p < sizeof policies / sizeof policies[0]; ++p) {
        optima_scheduler *s = make_scheduler(ctx, 2, policies[p], 11);
        int best = 0;
        for (int t = 0; t < 600; ++t) {
            uint32_t arm;
            assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
            /* arm 1 pays 0.9, the others 0.1, with a small deterministic wobble */
            const double r = (arm == 1 ? 0.9 : 0.1) + 0.05 * (double)((t * 5) % 3 - 1);
            assert_int_equal(optima_scheduler_update(s, arm, r), OPTIMA_OK);
            if (t >= 300) best += arm == 1;
        }
        if (best < 200) fail_msg("%s played the best arm %d of 300 late rounds",
                                 optima_scheduler_policy_name(policies[p]), best);
        uint64_t restarts;
        assert_int_equal(optima_scheduler_get_restarts(s, &restarts), OPTIMA_OK);
        assert_int_equal(restarts, 0); /* nothing changed: no restart */
        optima_scheduler_destroy(s);
    }
    optima_context_destroy(ctx);
}

static void ucb_policies_try_every_arm_first_in_index_order(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 3, OPTIMA_POLICY_UCB1, 1);
    optima_scheduler *w = make_scheduler(ctx, 3, OPTIMA_POLICY_SLIDING_WINDOW_UCB, 1);
    assert_int_equal(optima_scheduler_set_window(w, 7), OPTIMA_OK);
    uint32_t arms[7];
    play(s, 7, arms);
    for (uint32_t i = 0; i < 7; ++i) assert_int_equal(arms[i], i);
    play(w, 7, arms);
    for (uint32_t i = 0; i < 7; ++i) assert_int_equal(arms[i], i);
    optima_scheduler_destroy(s);
    optima_scheduler_destroy(w);
    optima_context_destroy(ctx);
}

/* ---- cost and numerics ----------------------------------------------------------------- */

static void rounds_allocate_nothing(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    for (int32_t p = 0; p < 12; ++p) {
        /* 11: OPTIMA again, in change-point mode with forced exploration */
        optima_scheduler *s = make_scheduler(ctx, 3, p < 11 ? p : OPTIMA_POLICY_OPTIMA, 9);
        if (p == OPTIMA_POLICY_OPTIMA) {
            assert_int_equal(optima_scheduler_set_history(s, OPTIMA_HISTORY_DISCOUNT), OPTIMA_OK);
        }
        if (p == 11) {
            assert_int_equal(optima_scheduler_set_history(s, OPTIMA_HISTORY_CHANGE_POINT), OPTIMA_OK);
            assert_int_equal(optima_scheduler_set_forced_exploration(s, 0.5), OPTIMA_OK);
            assert_int_equal(optima_scheduler_set_detector_stride(s, 1), OPTIMA_OK);
        }
        const long before = a.calls;
        play(s, 500, NULL);
        double x;
        char name[32];
        size_t len;
        assert_int_equal(optima_scheduler_get_arm_mean(s, 1, &x), OPTIMA_OK);
        assert_int_equal(optima_scheduler_get_arm_name(s, 1, name, sizeof name, &len), OPTIMA_OK);
        assert_int_equal(a.calls, before);
        optima_scheduler_destroy(s);
    }
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

static void sixteen_modules_give_65535_arms(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 16, OPTIMA_POLICY_THOMPSON, 1);
    uint32_t n, mask;
    assert_int_equal(optima_scheduler_get_num_arms(s, &n), OPTIMA_OK);
    assert_int_equal(n, 65535);
    assert_int_equal(optima_scheduler_get_arm_mask(s, 65534, &mask), OPTIMA_OK);
    assert_int_equal(mask, 0xffff);
    size_t len;
    assert_int_equal(optima_scheduler_get_arm_name(s, 65534, NULL, 0, &len), OPTIMA_OK);
    assert_int_equal(len, 10 * 2 + 6 * 3 + 15); /* m0..m9, m10..m15, 15 '+' */
    play(s, 3, NULL);
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

/* The window's running variance must match a two-pass computation, also for rewards with a
 * large common offset (where sum(r^2) - sum(r)^2/n would lose every digit). */
static void window_variance_survives_a_large_offset_and_long_runs(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 1);
    assert_int_equal(optima_scheduler_set_window(s, 50), OPTIMA_OK);
    double history[100000];
    const int n = 100000;
    for (int t = 0; t < n; ++t) {
        uint32_t arm;
        assert_int_equal(optima_scheduler_select(s, &arm), OPTIMA_OK);
        history[t] = 1e8 + (double)((t * 7919) % 101) * 1e-3;
        assert_int_equal(optima_scheduler_update(s, arm, history[t]), OPTIMA_OK);
        if (t == 123 || t == n - 1 || t == 5017) {
            double mean = 0.0, m2 = 0.0;
            for (int i = t - 49; i <= t; ++i) mean += history[i];
            mean /= 50.0;
            for (int i = t - 49; i <= t; ++i) m2 += (history[i] - mean) * (history[i] - mean);
            const double variance = m2 / 50.0;
            const double got = s->window.m2 / (double)s->window.size;
            assert_true(fabs(got - variance) <= 1e-6 * variance + 1e-12);
            assert_true(fabs(s->window.mean - mean) <= 1e-6);
        }
    }
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

/* sigma^2 of the Thompson policies is the pooled within-arm variance of the remembered
 * rewards, not their total variance (which adds the spread between the arms' means).
 * Hand-computed windows and decays, fed straight into the memories. */
#define assert_near(got, want, tol) assert_true(fabs((got) - (want)) <= (tol))

static double sigma2(const optima_scheduler *s)
{
    double mean, variance;
    opt_sched_memory_moments(s, &mean, &variance);
    return variance;
}

static void thompson_variance_is_the_pooled_within_arm_variance(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);

    /* Window W = 4: arm 0 {1, 3}, arm 1 {10, 14}; mean 7. Within-arm squares 2 + 8 = 10,
     * sigma^2 = 10 / 4 = 2.5 (the total variance would be 110 / 4 = 27.5). */
    optima_scheduler *s = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 1);
    assert_int_equal(optima_scheduler_set_history(s, OPTIMA_HISTORY_WINDOW), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_window(s, 4), OPTIMA_OK);
    const uint32_t arms[] = {0, 1, 0, 1, 2};
    const double rewards[] = {1.0, 10.0, 3.0, 14.0, 7.0};
    for (int i = 0; i < 4; ++i) opt_window_push(&s->window, s->arms, arms[i], rewards[i]);
    double mean, variance;
    opt_sched_memory_moments(s, &mean, &variance);
    assert_near(mean, 7.0, 1e-12);
    assert_near(variance, 2.5, 1e-12);
    assert_near(s->window.m2 / (double)s->window.size, 27.5, 1e-12);
    /* The fifth round evicts arm 0's 1: arm 0 {3}, arm 1 {10, 14}, arm 2 {7}: 8 / 4 = 2. */
    opt_window_push(&s->window, s->arms, arms[4], rewards[4]);
    assert_near(sigma2(s), 2.0, 1e-12);
    optima_scheduler_destroy(s);

    /* Decay with gamma = 0.5, as of round 3: arm 0 got 1 (round 1, weight 1/4) and 3
     * (round 3, weight 1), arm 1 got 10 (round 2, weight 1/2). Arm 0's weighted mean is
     * 3.25 / 1.25 = 2.6, its weighted squares 0.25 * 1.6^2 + 0.4^2 = 0.8; arm 1 has none;
     * total weight 1.75: sigma^2 = 0.8 / 1.75. */
    s = make_scheduler(ctx, 2, OPTIMA_POLICY_DISCOUNTED_THOMPSON, 1);
    assert_int_equal(optima_scheduler_set_discount(s, 0.5), OPTIMA_OK);
    for (uint64_t round = 1; round <= 3; ++round) {
        opt_decay_push(&s->decay, s->arms, arms[round - 1], rewards[round - 1], 0.5, round);
        s->rounds = round;
    }
    assert_near(sigma2(s), 0.8 / 1.75, 1e-12);
    optima_scheduler_destroy(s);

    /* Constant rewards per arm: nothing varies within an arm, so sigma^2 is the floor
     * (the total variance would be 2.25); a fixed variance replaces the estimate. */
    s = make_scheduler(ctx, 2, OPTIMA_POLICY_THOMPSON, 1);
    for (uint64_t round = 1; round <= 10; ++round) {
        opt_decay_push(&s->decay, s->arms, (uint32_t)(round % 2), round % 2 ? 5.0 : 2.0, 1.0,
                       round);
        s->rounds = round;
    }
    assert_near(sigma2(s), 1e-6, 1e-18);
    assert_int_equal(optima_scheduler_set_fixed_variance(s, 0.25), OPTIMA_OK);
    assert_near(sigma2(s), 0.25, 0.0);
    optima_scheduler_destroy(s);

    /* Change-point memory (no detector test: stride 1000): arm 0 {1, 3}, arm 1 {10, 14},
     * within-arm squares 10 over 4 rewards; with a retired segment of squares 6 over 4
     * rewards, sigma^2 = (10 + 6) / (4 + 4) = 2. */
    s = make_scheduler(ctx, 2, OPTIMA_POLICY_OPTIMA, 1);
    assert_int_equal(optima_scheduler_set_history(s, OPTIMA_HISTORY_CHANGE_POINT), OPTIMA_OK);
    assert_int_equal(optima_scheduler_set_detector_stride(s, 1000), OPTIMA_OK);
    for (int i = 0; i < 4; ++i) opt_cp_push(s, arms[i], rewards[i]);
    opt_sched_memory_moments(s, &mean, &variance);
    assert_near(mean, 7.0, 1e-12);
    assert_near(variance, 2.5, 1e-12);
    s->cp.retired_m2 = 6.0;
    s->cp.retired_count = 4.0;
    assert_near(sigma2(s), 2.0, 1e-12);
    optima_scheduler_destroy(s);
    optima_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_refuses_bad_arguments),
        cmocka_unit_test(create_survives_every_allocation_failure),
        cmocka_unit_test(defaults_are_the_documented_ones),
        cmocka_unit_test(policy_names_cover_every_value),
        cmocka_unit_test(all_subsets_are_in_mask_order_with_index_names),
        cmocka_unit_test(module_names_build_arm_names),
        cmocka_unit_test(module_names_read_back),
        cmocka_unit_test(single_modules_and_explicit_masks),
        cmocka_unit_test(policy_all_needs_the_full_set),
        cmocka_unit_test(setters_validate_values_policy_and_timing),
        cmocka_unit_test(update_must_follow_a_select_of_that_arm),
        cmocka_unit_test(arm_statistics_getters),
        cmocka_unit_test(optima_plays_every_arm_once_then_samples),
        cmocka_unit_test(optima_window_forgets_old_rounds_and_stale_arms_return),
        cmocka_unit_test(discounted_counts_are_sums_of_powers),
        cmocka_unit_test(simple_policies_follow_their_rule),
        cmocka_unit_test(learning_policies_find_a_clearly_best_arm),
        cmocka_unit_test(ucb_policies_try_every_arm_first_in_index_order),
        cmocka_unit_test(rounds_allocate_nothing),
        cmocka_unit_test(sixteen_modules_give_65535_arms),
        cmocka_unit_test(window_variance_survives_a_large_offset_and_long_runs),
        cmocka_unit_test(thompson_variance_is_the_pooled_within_arm_variance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
