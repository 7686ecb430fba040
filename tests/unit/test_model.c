/* Models and modules: building, lookup, refusals and allocation failures. */
#include "testutil.h"

static void modules_and_layers_are_found_by_name_and_index(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    optima_model *m = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    assert_int_equal(optima_model_create(ctx, "student", &m), OPTIMA_OK);
    assert_string_equal(optima_model_name(m), "student");
    const char *names[] = {"vision", "text", "fusion", "head", "extra"};
    for (size_t i = 0; i < 5; ++i) {
        size_t index = 99, layer = 99;
        assert_int_equal(optima_model_add_module(m, names[i], &index), OPTIMA_OK);
        assert_int_equal(index, i);
        for (size_t l = 0; l <= i; ++l) {
            assert_int_equal(optima_model_add_layer(m, i, 16 * (l + 1), &layer), OPTIMA_OK);
            assert_int_equal(layer, l);
        }
    }
    size_t count = 0, index = 0, width = 0;
    const char *name = NULL;
    assert_int_equal(optima_model_module_count(m, &count), OPTIMA_OK);
    assert_int_equal(count, 5);
    assert_int_equal(optima_model_find_module(m, "fusion", &index), OPTIMA_OK);
    assert_int_equal(index, 2);
    assert_int_equal(optima_model_module_name(m, 1, &name), OPTIMA_OK);
    assert_string_equal(name, "text");
    assert_int_equal(optima_model_layer_count(m, 4, &count), OPTIMA_OK);
    assert_int_equal(count, 5);
    assert_int_equal(optima_model_layer_width(m, 4, 3, &width), OPTIMA_OK);
    assert_int_equal(width, 64);
    assert_int_equal(optima_model_get_logits_width(m, &width), OPTIMA_OK);
    assert_int_equal(width, 0);
    assert_int_equal(optima_model_set_logits_width(m, 10), OPTIMA_OK);
    assert_int_equal(optima_model_get_logits_width(m, &width), OPTIMA_OK);
    assert_int_equal(width, 10);
    assert_int_equal(optima_model_add_module(m, "nolayers", NULL), OPTIMA_OK);
    assert_int_equal(optima_model_layer_count(m, 5, &count), OPTIMA_OK);
    assert_int_equal(count, 0);
    optima_model_destroy(m);
    optima_model_destroy(NULL);
    assert_string_equal(optima_model_name(NULL), "");
    assert_string_equal(optima_model_last_error(NULL), "");
    optima_context_destroy(ctx);
}

static void bad_model_arguments_are_refused(void **state)
{
    (void)state;
    optima_context *ctx = NULL;
    optima_model *m = NULL;
    char long_name[OPTIMA_NAME_MAX + 2];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    assert_fails_naming_no_handle(optima_model_create(NULL, "a", &m), OPTIMA_EINVAL, "'ctx'");
    assert_fails_naming_no_handle(optima_model_create(ctx, NULL, &m), OPTIMA_EINVAL, "'name'");
    assert_fails_naming_no_handle(optima_model_create(ctx, "", &m), OPTIMA_EINVAL, "'name'");
    assert_fails_naming_no_handle(optima_model_create(ctx, long_name, &m), OPTIMA_EINVAL, "'name'");
    assert_fails_naming_no_handle(optima_model_create(ctx, "a", NULL), OPTIMA_EINVAL, "'out'");
    assert_null(m);
    assert_int_equal(optima_model_create(ctx, "teacher", &m), OPTIMA_OK);
    assert_int_equal(optima_model_add_module(m, "enc", NULL), OPTIMA_OK);
    assert_fails_naming(m, optima_model_add_module(m, "enc", NULL), OPTIMA_EINVAL, "'name'");
    assert_string_equal(optima_model_last_error(m), optima_last_error());
    assert_fails_naming(m, optima_model_add_module(m, long_name, NULL), OPTIMA_EINVAL, "'name'");
    assert_fails_naming_no_handle(optima_model_add_module(NULL, "x", NULL), OPTIMA_EINVAL, "'model'");
    assert_fails_naming(m, optima_model_add_layer(m, 1, 8, NULL), OPTIMA_ENOTFOUND, "'module'");
    assert_fails_naming(m, optima_model_add_layer(m, 0, 0, NULL), OPTIMA_EINVAL, "'width'");
    assert_fails_naming(m, optima_model_add_layer(m, 0, OPTIMA_WIDTH_MAX + 1, NULL), OPTIMA_EINVAL, "'width'");
    assert_fails_naming(m, optima_model_set_logits_width(m, OPTIMA_WIDTH_MAX + 1), OPTIMA_EINVAL, "'classes'");
    size_t index = 77, count;
    const char *name;
    assert_fails_naming(m, optima_model_find_module(m, "dec", &index), OPTIMA_ENOTFOUND, "'name'");
    assert_int_equal(index, 77);
    assert_fails_naming(m, optima_model_find_module(m, NULL, &index), OPTIMA_EINVAL, "'name'");
    assert_fails_naming(m, optima_model_module_name(m, 3, &name), OPTIMA_ENOTFOUND, "'module'");
    assert_fails_naming(m, optima_model_layer_count(m, 3, &count), OPTIMA_ENOTFOUND, "'module'");
    assert_fails_naming(m, optima_model_layer_width(m, 0, 0, &count), OPTIMA_ENOTFOUND, "'layer'");
    assert_fails_naming(m, optima_model_module_count(m, NULL), OPTIMA_EINVAL, "'count'");
    assert_fails_naming_no_handle(optima_model_module_count(NULL, &count), OPTIMA_EINVAL, "'model'");
    assert_fails_naming_no_handle(optima_model_layer_width(NULL, 0, 0, &count), OPTIMA_EINVAL, "'model'");
    assert_fails_naming(m, optima_model_get_logits_width(m, NULL), OPTIMA_EINVAL, "'classes'");
    assert_fails_naming_no_handle(optima_model_set_logits_width(NULL, 3), OPTIMA_EINVAL, "'model'");
    optima_model_destroy(m);
    optima_context_destroy(ctx);
}

static optima_status build_model(void *state)
{
    optima_context *ctx = state;
    optima_model *m = NULL;
    optima_status s = optima_model_create(ctx, "m", &m);
    char name[8];
    for (int i = 0; s == OPTIMA_OK && i < 9; ++i) {
        snprintf(name, sizeof name, "mod%d", i);
        s = optima_model_add_module(m, name, NULL);
        for (int l = 0; s == OPTIMA_OK && l < 6; ++l) s = optima_model_add_layer(m, (size_t)i, 4, NULL);
    }
    optima_model_destroy(m);
    return s;
}

static void every_allocation_failure_while_building_is_reported(void **state)
{
    (void)state;
    test_allocator a;
    optima_context *ctx = test_context(&a);
    assert_true(test_allocation_sweep(&a, build_model, ctx) > 10);
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(modules_and_layers_are_found_by_name_and_index),
        cmocka_unit_test(bad_model_arguments_are_refused),
        cmocka_unit_test(every_allocation_failure_while_building_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
