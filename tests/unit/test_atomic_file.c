/* Crash-safe file replacement: commit, abort, failures, no temporary files left behind. */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "core/atomic_file.h"

typedef struct scratch {
    char dir[256];
    char path[300];
} scratch;

static int make_scratch(void **state)
{
    scratch *s = calloc(1, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/optima-atomic-XXXXXX");
    if (mkdtemp(s->dir) == NULL) return -1;
    snprintf(s->path, sizeof s->path, "%s/state.bin", s->dir);
    *state = s;
    return 0;
}

static int remove_scratch(void **state)
{
    scratch *s = *state;
    DIR *d = opendir(s->dir);
    struct dirent *e;
    char p[600];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", s->dir, e->d_name);
        unlink(p);
    }
    if (d != NULL) closedir(d);
    rmdir(s->dir);
    free(s);
    return 0;
}

static int entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    const size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void write_content(const char *path, const char *content)
{
    opt_atomic_file f;
    assert_int_equal(opt_atomic_file_open(&f, path, NULL, "test"), OPTIMA_OK);
    assert_int_equal(opt_atomic_file_write(&f, content, strlen(content)), 0);
    assert_int_equal(opt_atomic_file_commit(&f, NULL, "test"), OPTIMA_OK);
}

static void commit_replaces_the_target_whole(void **state)
{
    scratch *s = *state;
    write_content(s->path, "first version");
    write_content(s->path, "second");
    char buf[64];
    read_file(s->path, buf, sizeof buf);
    assert_string_equal(buf, "second");
    assert_int_equal(entries_in(s->dir), 1); /* no temporary file left */
}

static void abort_leaves_the_target_untouched(void **state)
{
    scratch *s = *state;
    write_content(s->path, "kept");
    opt_atomic_file f;
    assert_int_equal(opt_atomic_file_open(&f, s->path, NULL, "test"), OPTIMA_OK);
    assert_int_equal(opt_atomic_file_write(&f, "half", 4), 0);
    opt_atomic_file_abort(&f);
    char buf[64];
    read_file(s->path, buf, sizeof buf);
    assert_string_equal(buf, "kept");
    assert_int_equal(entries_in(s->dir), 1);
}

static void missing_directory_is_an_io_error_naming_the_path(void **state)
{
    scratch *s = *state;
    char bad[400];
    snprintf(bad, sizeof bad, "%s/no/such/dir/file", s->dir);
    opt_errslot slot;
    opt_atomic_file f;
    assert_int_equal(opt_atomic_file_open(&f, bad, &slot, "optima_x_save"), OPTIMA_EIO);
    assert_non_null(strstr(slot.message, "optima_x_save"));
    assert_non_null(strstr(slot.message, "/no/such/dir/file"));
}

static void empty_and_overlong_paths_are_refused(void **state)
{
    (void)state;
    opt_atomic_file f;
    assert_fails_naming(opt_atomic_file_open(&f, "", NULL, "fn"), OPTIMA_EINVAL, "'path'");
    char *huge = malloc(OPT_PATH_CAPACITY + 10);
    memset(huge, 'x', OPT_PATH_CAPACITY + 9);
    huge[OPT_PATH_CAPACITY + 9] = '\0';
    assert_fails_naming(opt_atomic_file_open(&f, huge, NULL, "fn"), OPTIMA_EINVAL, "'path'");
    free(huge);
}

static void write_failure_is_reported_at_commit(void **state)
{
    scratch *s = *state;
    write_content(s->path, "kept");
    opt_atomic_file f;
    assert_int_equal(opt_atomic_file_open(&f, s->path, NULL, "test"), OPTIMA_OK);
    f.failed = 28; /* ENOSPC, as a full disk would report it */
    assert_int_equal(opt_atomic_file_write(&f, "x", 1), -1);
    assert_int_equal(opt_atomic_file_commit(&f, NULL, "test"), OPTIMA_EIO);
    char buf[64];
    read_file(s->path, buf, sizeof buf);
    assert_string_equal(buf, "kept");
    assert_int_equal(entries_in(s->dir), 1);
}

static void file_reader_reads_what_was_written(void **state)
{
    scratch *s = *state;
    write_content(s->path, "abcdef");
    FILE *file = fopen(s->path, "rb");
    char buf[16];
    size_t got = 0;
    assert_int_equal(opt_file_read(file, buf, 4, &got), 0);
    assert_int_equal(got, 4);
    assert_int_equal(opt_file_read(file, buf, 16, &got), 0);
    assert_int_equal(got, 2);
    assert_int_equal(opt_file_read(file, buf, 16, &got), 0);
    assert_int_equal(got, 0);
    fclose(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(commit_replaces_the_target_whole, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(abort_leaves_the_target_untouched, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(missing_directory_is_an_io_error_naming_the_path, make_scratch,
                                        remove_scratch),
        cmocka_unit_test(empty_and_overlong_paths_are_refused),
        cmocka_unit_test_setup_teardown(write_failure_is_reported_at_commit, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(file_reader_reads_what_was_written, make_scratch, remove_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
