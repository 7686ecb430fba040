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
    memset(&slot, 0, sizeof slot); /* as a handle's slot: zeroed, its flag clear */
    opt_atomic_file f;
    assert_int_equal(opt_atomic_file_open(&f, bad, &slot, "optima_x_save"), OPTIMA_EIO);
    assert_non_null(strstr(slot.message, "optima_x_save"));
    assert_non_null(strstr(slot.message, "/no/such/dir/file"));
}

static void empty_and_overlong_paths_are_refused(void **state)
{
    (void)state;
    opt_atomic_file f;
    assert_fails_naming_no_handle(opt_atomic_file_open(&f, "", NULL, "fn"), OPTIMA_EINVAL, "'path'");
    char *huge = malloc(OPT_PATH_CAPACITY + 10);
    memset(huge, 'x', OPT_PATH_CAPACITY + 9);
    huge[OPT_PATH_CAPACITY + 9] = '\0';
    assert_fails_naming_no_handle(opt_atomic_file_open(&f, huge, NULL, "fn"), OPTIMA_EINVAL, "'path'");
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

static void touch(const char *dir, const char *name)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs("debris", f);
    fclose(f);
}

static int exists_in(const char *dir, const char *name)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

/* A save killed before its rename leaves state.bin.tmp.XXXXXX behind; the next successful
 * save of the same target removes every such file, and only those. */
static void a_successful_commit_removes_stale_temporary_files_of_its_target(void **state)
{
    scratch *s = *state;
    static const char *const stale[] = {"state.bin.tmp.AbC123", "state.bin.tmp.zzzzzz"};
    static const char *const kept[] = {"other.bin.tmp.ABCDEF", "state.bin.tmp.ABCDEFG",
                                       "state.bin.tmp.ABCDE", "state.bin.tmp.AB-DEF",
                                       "xstate.bin.tmp.ABCDEF", "state.bin.bak"};
    for (size_t i = 0; i < 2; ++i) touch(s->dir, stale[i]);
    for (size_t i = 0; i < 6; ++i) touch(s->dir, kept[i]);
    /* a failed save removes nothing but its own file */
    opt_atomic_file f;
    assert_int_equal(opt_atomic_file_open(&f, s->path, NULL, "test"), OPTIMA_OK);
    f.failed = 28;
    assert_int_equal(opt_atomic_file_commit(&f, NULL, "test"), OPTIMA_EIO);
    assert_int_equal(entries_in(s->dir), 8);
    write_content(s->path, "new");
    for (size_t i = 0; i < 2; ++i) assert_false(exists_in(s->dir, stale[i]));
    for (size_t i = 0; i < 6; ++i) assert_true(exists_in(s->dir, kept[i]));
    assert_int_equal(entries_in(s->dir), 7);
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

/* A new file gets 0666 less the umask, as fopen gives; a replaced file keeps its mode. */
static void new_files_follow_the_umask_and_replaced_files_keep_their_mode(void **state)
{
    scratch *s = *state;
    const mode_t old = umask(022);
    write_content(s->path, "one");
    assert_int_equal(mode_of(s->path), 0644);
    unlink(s->path);
    umask(077);
    write_content(s->path, "two");
    assert_int_equal(mode_of(s->path), 0600);
    umask(022);
    assert_int_equal(chmod(s->path, 0444), 0);
    write_content(s->path, "three");
    assert_int_equal(mode_of(s->path), 0444);
    assert_int_equal(chmod(s->path, 0640), 0);
    write_content(s->path, "four");
    assert_int_equal(mode_of(s->path), 0640);
    umask(old);
    char buf[16];
    read_file(s->path, buf, sizeof buf);
    assert_string_equal(buf, "four");
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
        cmocka_unit_test_setup_teardown(a_successful_commit_removes_stale_temporary_files_of_its_target,
                                        make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(new_files_follow_the_umask_and_replaced_files_keep_their_mode,
                                        make_scratch, remove_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
