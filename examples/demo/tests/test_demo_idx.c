/* The IDX reader and the Fashion-MNIST loader refuse damaged input with clear messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "fashion.h"
#include "idx.h"

typedef struct dir_state {
    char dir[64];
    char path[256];
    char err[2048];
} dir_state;

static int setup(void **state)
{
    dir_state *s = calloc(1, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/optima-demo-idx-XXXXXX");
    if (mkdtemp(s->dir) == NULL) return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    dir_state *s = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    const int rc = system(cmd);
    free(s);
    return rc == 0 ? 0 : -1;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Writes a gzipped IDX file with the given header words and `body` bytes 0, 1, 2, ... */
static const char *write_idx(dir_state *s, const char *name, const uint32_t *words, size_t nwords,
                             size_t body)
{
    snprintf(s->path, sizeof s->path, "%s/%s", s->dir, name);
    gzFile f = gzopen(s->path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < nwords; ++i) {
        unsigned char b[4];
        put_be32(b, words[i]);
        assert_int_equal(gzwrite(f, b, 4), 4);
    }
    for (size_t i = 0; i < body; ++i) {
        const unsigned char c = (unsigned char)(i % 251);
        assert_int_equal(gzwrite(f, &c, 1), 1);
    }
    assert_int_equal(gzclose(f), Z_OK);
    return s->path;
}

static void a_good_images_file_is_read_with_its_dimensions(void **state)
{
    dir_state *s = *state;
    const uint32_t head[] = {2051, 3, 2, 4};
    demo_idx x;
    assert_int_equal(demo_idx_read(write_idx(s, "i.gz", head, 4, 24), DEMO_IDX_IMAGES_MAGIC, &x,
                                   s->err, sizeof s->err), 0);
    assert_int_equal(x.ndims, 3);
    assert_int_equal(x.dims[0], 3);
    assert_int_equal(x.dims[1], 2);
    assert_int_equal(x.dims[2], 4);
    assert_int_equal(x.size, 24);
    for (size_t i = 0; i < 24; ++i) assert_int_equal(x.data[i], i);
    assert_int_equal(x.crc, (uint32_t)crc32(0L, x.data, 24));
    demo_idx_free(&x);
}

static void a_good_labels_file_is_read(void **state)
{
    dir_state *s = *state;
    const uint32_t head[] = {2049, 5};
    demo_idx x;
    assert_int_equal(demo_idx_read(write_idx(s, "l.gz", head, 2, 5), DEMO_IDX_LABELS_MAGIC, &x,
                                   s->err, sizeof s->err), 0);
    assert_int_equal(x.ndims, 1);
    assert_int_equal(x.size, 5);
    demo_idx_free(&x);
}

static void expect_refusal(dir_state *s, const char *path, uint32_t magic, const char *words)
{
    demo_idx x;
    memset(&x, 0xab, sizeof x);
    const demo_idx before = x;
    assert_int_equal(demo_idx_read(path, magic, &x, s->err, sizeof s->err), -1);
    assert_memory_equal(&x, &before, sizeof x); /* untouched on failure */
    if (strstr(s->err, words) == NULL) fail_msg("message '%s' lacks '%s'", s->err, words);
    assert_non_null(strstr(s->err, path));
}

static void a_bad_magic_number_is_refused(void **state)
{
    dir_state *s = *state;
    const uint32_t head[] = {2049, 3};
    expect_refusal(s, write_idx(s, "m.gz", head, 2, 3), DEMO_IDX_IMAGES_MAGIC,
                   "bad IDX magic number 2049, expected 2051");
}

static void a_truncated_body_is_refused(void **state)
{
    dir_state *s = *state;
    const uint32_t head[] = {2051, 3, 2, 4};
    expect_refusal(s, write_idx(s, "t.gz", head, 4, 23), DEMO_IDX_IMAGES_MAGIC,
                   "truncated: 23 of 24 data bytes");
}

static void a_truncated_header_is_refused(void **state)
{
    dir_state *s = *state;
    const uint32_t head[] = {2051, 3};
    expect_refusal(s, write_idx(s, "h.gz", head, 2, 0), DEMO_IDX_IMAGES_MAGIC,
                   "truncated inside the IDX header");
    expect_refusal(s, write_idx(s, "e.gz", head, 0, 2), DEMO_IDX_IMAGES_MAGIC,
                   "shorter than the 4-byte IDX magic");
}

static void trailing_bytes_are_refused(void **state)
{
    dir_state *s = *state;
    const uint32_t head[] = {2049, 3};
    expect_refusal(s, write_idx(s, "x.gz", head, 2, 4), DEMO_IDX_LABELS_MAGIC, "trailing bytes");
}

static void a_zero_dimension_is_refused(void **state)
{
    dir_state *s = *state;
    const uint32_t head[] = {2051, 0, 28, 28};
    expect_refusal(s, write_idx(s, "z.gz", head, 4, 0), DEMO_IDX_IMAGES_MAGIC,
                   "dimension 0 has an invalid size 0");
}

static void a_corrupt_gzip_stream_is_refused(void **state)
{
    dir_state *s = *state;
    const uint32_t head[] = {2051, 3, 2, 4};
    write_idx(s, "c.gz", head, 4, 24);
    /* Flip bytes in the middle of the deflate stream (after the 10-byte gzip header). */
    FILE *f = fopen(s->path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 12, SEEK_SET), 0);
    const unsigned char junk[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    fclose(f);
    demo_idx x;
    assert_int_equal(demo_idx_read(s->path, DEMO_IDX_IMAGES_MAGIC, &x, s->err, sizeof s->err), -1);
    assert_non_null(strstr(s->err, s->path));
}

static void a_missing_file_is_refused(void **state)
{
    dir_state *s = *state;
    snprintf(s->path, sizeof s->path, "%s/nope.gz", s->dir);
    expect_refusal(s, s->path, DEMO_IDX_LABELS_MAGIC, "cannot open");
}

static void fashion_load_says_how_to_install_the_data(void **state)
{
    dir_state *s = *state;
    demo_fashion f;
    assert_int_equal(demo_fashion_load(s->dir, &f, s->err, sizeof s->err), -1);
    assert_non_null(strstr(s->err, "apt-get install dataset-fashion-mnist"));
    assert_non_null(strstr(s->err, "train-images-idx3-ubyte.gz"));
}

static void fashion_load_refuses_the_wrong_number_of_examples(void **state)
{
    dir_state *s = *state;
    const uint32_t img[] = {2051, 2, 28, 28}, lab[] = {2049, 2};
    write_idx(s, "train-images-idx3-ubyte.gz", img, 4, 2 * 784);
    write_idx(s, "train-labels-idx1-ubyte.gz", lab, 2, 2);
    demo_fashion f;
    assert_int_equal(demo_fashion_load(s->dir, &f, s->err, sizeof s->err), -1);
    assert_non_null(strstr(s->err, "unexpected number of examples"));
    assert_non_null(strstr(s->err, "apt-get install dataset-fashion-mnist"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_good_images_file_is_read_with_its_dimensions, setup, teardown),
        cmocka_unit_test_setup_teardown(a_good_labels_file_is_read, setup, teardown),
        cmocka_unit_test_setup_teardown(a_bad_magic_number_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_truncated_body_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_truncated_header_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(trailing_bytes_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_zero_dimension_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_corrupt_gzip_stream_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_missing_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(fashion_load_says_how_to_install_the_data, setup, teardown),
        cmocka_unit_test_setup_teardown(fashion_load_refuses_the_wrong_number_of_examples, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
