/* Layer mapping rules and their refusals. */
#include "testutil.h"

static void uniform_mapping_skips_evenly_and_ends_on_the_last_layer(void **state)
{
    (void)state;
    size_t g[12];
    assert_int_equal(optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 4, 12, NULL, g), OPTIMA_OK);
    const size_t want[] = {2, 5, 8, 11};
    assert_memory_equal(g, want, sizeof want);
    assert_int_equal(optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 3, 4, NULL, g), OPTIMA_OK);
    const size_t want34[] = {1, 2, 3}; /* ceil(4/3)-1, ceil(8/3)-1, ceil(12/3)-1 */
    assert_memory_equal(g, want34, sizeof want34);
    assert_int_equal(optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 5, 5, NULL, g), OPTIMA_OK);
    for (size_t l = 0; l < 5; ++l) assert_int_equal(g[l], l);
    /* more student than teacher layers: several share a teacher layer */
    assert_int_equal(optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 4, 2, NULL, g), OPTIMA_OK);
    const size_t want42[] = {0, 0, 1, 1};
    assert_memory_equal(g, want42, sizeof want42);
}

static void last_and_explicit_mappings_follow_their_rules(void **state)
{
    (void)state;
    size_t g[4];
    assert_int_equal(optima_layer_mapping(OPTIMA_MAPPING_LAST, 3, 7, NULL, g), OPTIMA_OK);
    const size_t want[] = {4, 5, 6};
    assert_memory_equal(g, want, sizeof want);
    const size_t table[] = {6, 0, 3};
    assert_int_equal(optima_layer_mapping(OPTIMA_MAPPING_EXPLICIT, 3, 7, table, g), OPTIMA_OK);
    assert_memory_equal(g, table, sizeof table);
}

static void bad_mappings_are_refused_and_leave_the_output_alone(void **state)
{
    (void)state;
    size_t g[3] = {9, 9, 9};
    const size_t table[] = {0, 7, 1};
    assert_fails_naming_no_handle(optima_layer_mapping(0, 3, 7, NULL, g), OPTIMA_EINVAL, "'style'");
    assert_fails_naming_no_handle(optima_layer_mapping(4, 3, 7, NULL, g), OPTIMA_EINVAL, "'style'");
    assert_fails_naming_no_handle(optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 0, 7, NULL, g), OPTIMA_EINVAL, "'student_layers'");
    assert_fails_naming_no_handle(optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 3, 0, NULL, g), OPTIMA_EINVAL, "'teacher_layers'");
    assert_fails_naming_no_handle(optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, 3, 7, NULL, NULL), OPTIMA_EINVAL, "'teacher_of'");
    assert_fails_naming_no_handle(optima_layer_mapping(OPTIMA_MAPPING_LAST, 3, 2, NULL, g), OPTIMA_ESHAPE, "'student_layers'");
    assert_fails_naming_no_handle(optima_layer_mapping(OPTIMA_MAPPING_EXPLICIT, 3, 7, NULL, g), OPTIMA_EINVAL, "'table'");
    assert_fails_naming_no_handle(optima_layer_mapping(OPTIMA_MAPPING_EXPLICIT, 3, 7, table, g), OPTIMA_EINVAL, "'table[1]'");
    assert_fails_naming_no_handle(optima_layer_mapping(OPTIMA_MAPPING_UNIFORM, SIZE_MAX / 2, SIZE_MAX / 2, NULL, g),
                        OPTIMA_EOVERFLOW, "'teacher_layers'");
    for (int i = 0; i < 3; ++i) assert_int_equal(g[i], 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uniform_mapping_skips_evenly_and_ends_on_the_last_layer),
        cmocka_unit_test(last_and_explicit_mappings_follow_their_rules),
        cmocka_unit_test(bad_mappings_are_refused_and_leave_the_output_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
