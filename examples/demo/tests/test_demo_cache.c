/* The teacher cache: a round trip restores the parameters bit for bit; a damaged, foreign
 * or missing file is refused with a reason and leaves the model untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"
#include "synthetic.h"

typedef struct fixture {
    char path[64];
    char err[512];
    demo_model *a, *b;
    demo_cache_key key;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/optima-demo-cache-XXXXXX");
    const int fd = mkstemp(f->path);
    if (fd < 0) return -1;
    close(fd);
    const demo_model_config c = synthetic_config(8, 2);
    f->a = demo_model_create(&c, 4, 1, f->err, sizeof f->err);
    f->b = demo_model_create(&c, 4, 2, f->err, sizeof f->err);
    f->key = (demo_cache_key){c, 100, 32, 1, 1e-3f, 0xabcdef01u};
    *state = f;
    return f->a && f->b ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove(f->path);
    demo_model_destroy(f->a);
    demo_model_destroy(f->b);
    free(f);
    return 0;
}

static int params_equal(demo_model *x, demo_model *y)
{
    const nn_params *p = demo_model_params(x), *q = demo_model_params(y);
    for (size_t t = 0; t < p->count; ++t)
        if (memcmp(p->items[t].value, q->items[t].value, p->items[t].size * sizeof(float)) != 0)
            return 0;
    return 1;
}

static void a_saved_model_loads_back_bit_for_bit(void **state)
{
    fixture *f = *state;
    assert_int_equal(demo_cache_save(f->path, f->a, &f->key, 12.345, f->err, sizeof f->err), 0);
    assert_false(params_equal(f->a, f->b));
    double secs = 0.0;
    assert_int_equal(demo_cache_load(f->path, f->b, &f->key, &secs, f->err, sizeof f->err), 0);
    assert_true(params_equal(f->a, f->b));
    assert_float_equal(secs, 12.345, 1e-3);
}

static void expect_refused(fixture *f, const demo_cache_key *key, const char *why)
{
    double secs = -1.0;
    assert_int_equal(demo_cache_load(f->path, f->b, key, &secs, f->err, sizeof f->err), -1);
    assert_false(params_equal(f->a, f->b)); /* untouched */
    assert_true(secs == -1.0);
    if (strstr(f->err, why) == NULL) fail_msg("message '%s' lacks '%s'", f->err, why);
}

static void flip_byte(const char *path, long offset)
{
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
    const int c = fgetc(fp);
    assert_int_equal(fseek(fp, offset, SEEK_SET), 0);
    fputc(c ^ 0x10, fp);
    fclose(fp);
}

static void a_damaged_file_fails_its_checksum(void **state)
{
    fixture *f = *state;
    assert_int_equal(demo_cache_save(f->path, f->a, &f->key, 1.0, f->err, sizeof f->err), 0);
    flip_byte(f->path, 200);
    expect_refused(f, &f->key, "checksum mismatch");
}

static void a_truncated_file_is_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(demo_cache_save(f->path, f->a, &f->key, 1.0, f->err, sizeof f->err), 0);
    assert_int_equal(truncate(f->path, 300), 0);
    expect_refused(f, &f->key, "checksum mismatch");
    assert_int_equal(truncate(f->path, 5), 0);
    expect_refused(f, &f->key, "bad magic or too short");
}

static void a_file_for_another_recipe_or_data_is_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(demo_cache_save(f->path, f->a, &f->key, 1.0, f->err, sizeof f->err), 0);
    demo_cache_key other = f->key;
    other.steps += 1;
    expect_refused(f, &other, "another model, recipe or data set");
    other = f->key;
    other.fingerprint ^= 1;
    expect_refused(f, &other, "another model, recipe or data set");
}

static void a_missing_file_is_reported_as_absent(void **state)
{
    fixture *f = *state;
    remove(f->path);
    double secs = 0.0;
    assert_int_equal(demo_cache_load(f->path, f->b, &f->key, &secs, f->err, sizeof f->err), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_saved_model_loads_back_bit_for_bit, setup, teardown),
        cmocka_unit_test_setup_teardown(a_damaged_file_fails_its_checksum, setup, teardown),
        cmocka_unit_test_setup_teardown(a_truncated_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_for_another_recipe_or_data_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_missing_file_is_reported_as_absent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
