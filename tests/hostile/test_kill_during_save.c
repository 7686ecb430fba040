/* Crash safety of checkpoint files under SIGKILL: a child saves two different trainer
 * states to one path in a loop and is killed at random moments, at least 100 times.
 * After every kill the path must hold one of the two checkpoints whole (it loads, and a
 * trainer loaded from it saves exactly the bytes of one of them); temporary files left by
 * killed saves pile up only until a save succeeds, which removes them all.
 *
 * The moments are drawn from a seeded generator (the seed is printed; set
 * OPTIMA_HOSTILE_SEED to replay it) over a span of a few save
 * durations measured first, so kills land before, during and between writes, fsyncs and
 * renames. The test stops after 150 kills or 40 s, whichever comes first, and fails
 * below 100 kills. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "trainer_host.h"

#define KILLS_WANTED 150
#define KILLS_REQUIRED 100
#define TIME_LIMIT_S 40.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int temporary_files_in(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d != NULL) closedir(d);
    rmdir(dir);
}

/* The child: save A, B, A, B, ... until killed. Never returns. */
static void save_forever(optima_trainer *a, optima_trainer *b, const char *path)
{
    for (unsigned i = 0;; ++i)
        if (optima_trainer_save_file(i % 2 ? b : a, path) != OPTIMA_OK) _exit(3);
}

static optima_trainer *trained(host *h, uint64_t steps)
{
    optima_trainer *t = host_trainer(h, OPTIMA_POLICY_OPTIMA, 3);
    for (uint64_t s = 0; s < steps; ++s) assert_int_equal(host_step(h, t, s, NULL), OPTIMA_OK);
    return t;
}

static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void a_killed_save_leaves_the_old_or_the_new_checkpoint_whole(void **state)
{
    fixture *f = *state;
    host ha, hb;
    host_init(&ha, f->ctx);
    host_init(&hb, f->ctx);
    optima_trainer *a = trained(&ha, 4), *b = trained(&hb, 11);
    blob ref_a = blob_of_trainer(a), ref_b = blob_of_trainer(b);
    assert_true(ref_a.size != ref_b.size || memcmp(ref_a.data, ref_b.data, ref_a.size) != 0);

    char dir[] = "/tmp/optima-kill-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/trainer.ckpt", dir);
    /* One save's duration sets the span the kill moments are drawn from. */
    const double t0 = now_s();
    for (int i = 0; i < 10; ++i) assert_int_equal(optima_trainer_save_file(i % 2 ? b : a, path), OPTIMA_OK);
    const double save_s = (now_s() - t0) / 10;
    const long span_us = (long)(4e6 * save_s) + 200;

    const char *seed = getenv("OPTIMA_HOSTILE_SEED"); /* to replay a failing run */
    uint64_t rng = seed != NULL ? strtoull(seed, NULL, 10) : (uint64_t)time(NULL);
    printf("# seed %llu, one save %.0f us, kills within %ld us of the fork\n",
           (unsigned long long)rng, 1e6 * save_s, span_us);
    optima_trainer *probe = host_trainer(&ha, OPTIMA_POLICY_OPTIMA, 3);
    int kills = 0, found_a = 0, found_b = 0, max_temps = 0;
    const double start = now_s();
    while (kills < KILLS_WANTED && now_s() - start < TIME_LIMIT_S) {
        fflush(NULL);
        const pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) save_forever(a, b, path);
        const long delay_us = (long)(next_random(&rng) % (uint64_t)span_us);
        const struct timespec delay = {delay_us / 1000000, (delay_us % 1000000) * 1000};
        nanosleep(&delay, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL); /* no save failed */
        ++kills;

        if (optima_trainer_load_file(probe, path) != OPTIMA_OK)
            fail_msg("after kill %d (%ld us): %s", kills, delay_us, optima_trainer_last_error(probe));
        blob got = blob_of_trainer(probe);
        const int is_a = got.size == ref_a.size && memcmp(got.data, ref_a.data, got.size) == 0;
        const int is_b = got.size == ref_b.size && memcmp(got.data, ref_b.data, got.size) == 0;
        if (!is_a && !is_b) fail_msg("after kill %d the checkpoint is neither state", kills);
        found_a += is_a;
        found_b += is_b;
        free(got.data);
        const int temps = temporary_files_in(dir);
        if (temps > max_temps) max_temps = temps;
    }
    printf("# %d kills in %.1f s: %d left state A, %d state B; at most %d temporary file(s)\n",
           kills, now_s() - start, found_a, found_b, max_temps);
    assert_true(kills >= KILLS_REQUIRED);
    assert_int_equal(optima_trainer_save_file(a, path), OPTIMA_OK);
    assert_int_equal(temporary_files_in(dir), 0);

    remove_dir(dir);
    free(ref_a.data);
    free(ref_b.data);
    optima_trainer_destroy(probe);
    optima_trainer_destroy(a);
    optima_trainer_destroy(b);
    host_free(&ha);
    host_free(&hb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_killed_save_leaves_the_old_or_the_new_checkpoint_whole, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
