/* The context's worker threads (context.h): they start with the first row pass that
 * wants them, live between calls, follow optima_context_set_threads, are joined by
 * optima_context_destroy, serve several host threads sharing one context, and a forked
 * child can use the parent's context. Results equal the one-thread bits throughout.
 *
 * The workers are counted in /proc/self/task (Linux); elsewhere those tests are skipped. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "losstest.h"

/* Every pthread_create of this program, the library's included, comes here (linked with
 * --wrap=pthread_create): while refuse_threads is set, it fails as when the system has no
 * thread to give. */
static atomic_int refuse_threads;

int __real_pthread_create(pthread_t *id, const pthread_attr_t *attr, void *(*run)(void *),
                          void *arg);
int __wrap_pthread_create(pthread_t *id, const pthread_attr_t *attr, void *(*run)(void *),
                          void *arg);
int __wrap_pthread_create(pthread_t *id, const pthread_attr_t *attr, void *(*run)(void *),
                          void *arg)
{
    if (atomic_load(&refuse_threads)) return EAGAIN;
    return __real_pthread_create(id, attr, run, arg);
}

/* Large enough for 3 row-pass threads (a thread gets 2^17 floats of MSE or more). */
enum { ROWS = 1034, COLS = 389, ROUNDS = 12 };

typedef struct inputs {
    host_matrix a, b;
} inputs;

typedef struct answer {
    double mse, kl;
    float *grad_mse, *grad_kl; /* ROWS × COLS each */
} answer;

static inputs make_inputs(void)
{
    inputs in = {host_random(ROWS, COLS, 3, 61, 1.5), host_random(ROWS, COLS, 3, 62, 1.5)};
    assert_non_null(in.a.data);
    assert_non_null(in.b.data);
    return in;
}

static void free_inputs(inputs *in)
{
    free(in->a.data);
    free(in->b.data);
}

/* Usable off the test's thread and in a forked child: check the gradients for NULL. */
static answer alloc_answer(void)
{
    const answer r = {-1.0, -1.0, calloc(ROWS * COLS, sizeof(float)),
                      calloc(ROWS * COLS, sizeof(float))};
    return r;
}

static answer new_answer(void)
{
    const answer r = alloc_answer();
    assert_non_null(r.grad_mse);
    assert_non_null(r.grad_kl);
    return r;
}

static void free_answer(answer *r)
{
    free(r->grad_mse);
    free(r->grad_kl);
}

/* A stateless MSE and a stateless KL (whose scratch is per worker) on @p ctx; 0 on
 * success. Usable in a forked child and on host threads (no cmocka assertion). */
static int compute(const optima_context *ctx, const inputs *in, answer *r)
{
    const optima_tensor s = host_view(&in->a), t = host_view(&in->b);
    if (optima_mse(ctx, &s, &t, NULL, NULL, &r->mse, r->grad_mse, COLS, NULL, 0) != OPTIMA_OK)
        return -1;
    return optima_kl(ctx, &s, &t, 2.0, NULL, &r->kl, r->grad_kl, COLS) == OPTIMA_OK ? 0 : -1;
}

/* Whether @p r has exactly the bits of @p ref. */
static int same_bits(const answer *ref, const answer *r)
{
    const size_t bytes = ROWS * COLS * sizeof(float);
    return memcmp(&ref->mse, &r->mse, sizeof r->mse) == 0 &&
           memcmp(&ref->kl, &r->kl, sizeof r->kl) == 0 &&
           memcmp(ref->grad_mse, r->grad_mse, bytes) == 0 &&
           memcmp(ref->grad_kl, r->grad_kl, bytes) == 0;
}

/* The answer on one thread, from a context of its own. */
static answer reference(const inputs *in)
{
    optima_context *ctx = NULL;
    assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    assert_int_equal(optima_context_set_threads(ctx, 1), OPTIMA_OK);
    answer ref = new_answer();
    assert_int_equal(compute(ctx, in, &ref), 0);
    assert_true(ref.mse > 0.0 && ref.kl > 0.0);
    optima_context_destroy(ctx);
    return ref;
}

/* What every test shares, made once: the inputs and their one-thread answer. */
typedef struct fixture {
    inputs in;
    answer ref;
} fixture;

static int make_fixture(void **state)
{
    fixture *f = malloc(sizeof *f);
    if (f == NULL) return -1;
    f->in = make_inputs();
    f->ref = reference(&f->in);
    *state = f;
    return 0;
}

static int free_fixture(void **state)
{
    fixture *f = *state;
    free_answer(&f->ref);
    free_inputs(&f->in);
    free(f);
    return 0;
}

/* A context with @p threads threads (and a counting allocator when @p a is given). */
static optima_context *context_of(int32_t threads, test_allocator *a)
{
    optima_context *ctx = NULL;
    if (a != NULL) ctx = test_context(a);
    else assert_int_equal(optima_context_create(&ctx), OPTIMA_OK);
    assert_int_equal(optima_context_set_threads(ctx, threads), OPTIMA_OK);
    return ctx;
}

/* The threads of this process, or -1 when /proc/self/task cannot be read. */
static int thread_count(void)
{
    DIR *dir = opendir("/proc/self/task");
    if (dir == NULL) return -1;
    int n = 0;
    for (const struct dirent *e; (e = readdir(dir)) != NULL;) n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

/* Whether the process has @p expected threads. A joined thread can stay listed for a
 * moment after pthread_join returns (the kernel releases it just after waking the
 * joiner), so a count that is too high is read again, for up to two seconds. */
static int threads_are(int expected)
{
    const struct timespec ms = {0, 1000000};
    for (int i = 0; i < 2000; ++i) {
        const int n = thread_count();
        if (n == expected) return 1;
        if (n < expected) return 0;
        nanosleep(&ms, NULL);
    }
    return 0;
}

static void *no_op(void *arg)
{
    return arg;
}

/* Skips the test where threads cannot be counted. A sanitizer's runtime may start a
 * thread of its own with the process's first pthread_create: one is started and joined
 * here, before the test counts. */
static int skip_without_proc(void)
{
    pthread_t id;
    assert_int_equal(pthread_create(&id, NULL, no_op, NULL), 0);
    assert_int_equal(pthread_join(id, NULL), 0);
    if (thread_count() > 0) return 0;
    skip();
    return 1;
}

static void workers_live_between_calls_and_destroy_joins_them(void **state)
{
    const fixture *f = *state;
    if (skip_without_proc()) return;
    answer r = new_answer();
    test_allocator a;
    optima_context *ctx = context_of(2, &a);
    const int base = thread_count();
    const long live = a.live;
    for (int call = 0; call < 3; ++call) {
        assert_int_equal(compute(ctx, &f->in, &r), 0);
        assert_true(same_bits(&f->ref, &r));
        assert_true(threads_are(base + 1)); /* one worker, kept between calls */
        assert_int_equal(a.live, live + 1); /* the pool, from the context's allocator */
    }
    optima_context_destroy(ctx);
    assert_int_equal(a.live, 0);
    assert_true(threads_are(base));
    free_answer(&r);
}

static void set_threads_2_3_1_2_between_calls_resizes_the_workers(void **state)
{
    const fixture *f = *state;
    if (skip_without_proc()) return;
    answer r = new_answer();
    optima_context *ctx = context_of(1, NULL);
    const int base = thread_count();
    const int32_t order[4] = {2, 3, 1, 2};
    for (int k = 0; k < 4; ++k) {
        assert_int_equal(optima_context_set_threads(ctx, order[k]), OPTIMA_OK);
        assert_true(threads_are(base)); /* a new count joins the old workers */
        for (int call = 0; call < 2; ++call) {
            memset(r.grad_mse, 0, ROWS * COLS * sizeof(float));
            memset(r.grad_kl, 0, ROWS * COLS * sizeof(float));
            assert_int_equal(compute(ctx, &f->in, &r), 0);
            assert_true(same_bits(&f->ref, &r));
            assert_true(threads_are(base + order[k] - 1));
        }
    }
    optima_context_destroy(ctx);
    assert_true(threads_are(base));
    free_answer(&r);
}

typedef struct host {
    const optima_context *ctx;
    const inputs *in;
    const answer *ref;
    int ok;
} host;

static void *host_main(void *arg)
{
    host *h = arg;
    answer r = alloc_answer();
    h->ok = r.grad_mse != NULL && r.grad_kl != NULL;
    for (int i = 0; i < ROUNDS && h->ok; ++i)
        h->ok = compute(h->ctx, h->in, &r) == 0 && same_bits(h->ref, &r);
    free_answer(&r);
    return NULL;
}

/* One pass holds the workers at a time; the other host thread's passes find them busy
 * and start threads of their own, or find them free: the numbers are the same. */
static void two_host_threads_share_one_context_and_its_workers(void **state)
{
    const fixture *f = *state;
    optima_context *ctx = context_of(2, NULL);
    host h[2] = {{ctx, &f->in, &f->ref, 0}, {ctx, &f->in, &f->ref, 0}};
    pthread_t id[2];
    for (int i = 0; i < 2; ++i) assert_int_equal(pthread_create(&id[i], NULL, host_main, &h[i]), 0);
    for (int i = 0; i < 2; ++i) assert_int_equal(pthread_join(id[i], NULL), 0);
    assert_true(h[0].ok);
    assert_true(h[1].ok);
    optima_context_destroy(ctx);
}

/* With no thread to be had, a pass runs on the calling thread and the call succeeds with
 * the same bits; the next pass, threads allowed again, starts the worker. */
static void refused_threads_leave_the_pass_to_the_calling_thread(void **state)
{
    const fixture *f = *state;
    if (skip_without_proc()) return;
    answer r = new_answer();
    optima_context *ctx = context_of(2, NULL);
    const int base = thread_count();
    atomic_store(&refuse_threads, 1);
    for (int call = 0; call < 2; ++call) {
        assert_int_equal(compute(ctx, &f->in, &r), 0);
        assert_true(same_bits(&f->ref, &r));
        assert_int_equal(thread_count(), base);
    }
    atomic_store(&refuse_threads, 0);
    memset(r.grad_kl, 0, ROWS * COLS * sizeof(float));
    assert_int_equal(compute(ctx, &f->in, &r), 0);
    assert_true(same_bits(&f->ref, &r));
    assert_true(threads_are(base + 1));
    optima_context_destroy(ctx);
    assert_true(threads_are(base));
    free_answer(&r);
}

/* Fork and run @p child (its return value is the child's exit status); the child's
 * status, or -1 when it did not exit normally. */
static int in_child(int (*child)(optima_context *, const inputs *, const answer *),
                    optima_context *ctx, const inputs *in, const answer *ref)
{
    fflush(NULL);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(child(ctx, in, ref));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* 0 when the child's numbers are the parent's and it starts a worker of its own (the
 * parent's do not exist here: a fork copies only the calling thread). */
static int child_computes(optima_context *ctx, const inputs *in, const answer *ref)
{
    const int base = thread_count();
    answer r = alloc_answer();
    const int ok = r.grad_mse != NULL && r.grad_kl != NULL && compute(ctx, in, &r) == 0 &&
                   same_bits(ref, &r) && thread_count() == base + 1 &&
                   compute(ctx, in, &r) == 0 && same_bits(ref, &r);
    free_answer(&r);
    optima_context_destroy(ctx);
    return ok && threads_are(base) ? 0 : 1;
}

static int child_destroys(optima_context *ctx, const inputs *in, const answer *ref)
{
    (void)in;
    (void)ref;
    optima_context_destroy(ctx); /* must not wait for the parent's workers */
    return 0;
}

static void a_forked_child_computes_with_the_parents_context(void **state)
{
    const fixture *f = *state;
#if defined(__SANITIZE_THREAD__)
    /* ThreadSanitizer does not support starting threads in a child forked from a threaded
     * process (it dies, or, told not to, finds the new thread's id still registered to
     * the parent's worker). The default, AddressSanitizer and valgrind runs cover this. */
    skip();
#endif
    if (skip_without_proc()) return;
    answer r = new_answer();
    optima_context *ctx = context_of(2, NULL);
    const int base = thread_count();
    assert_int_equal(compute(ctx, &f->in, &r), 0);
    assert_true(threads_are(base + 1)); /* the parent's worker is asleep when it forks */
    assert_int_equal(in_child(child_computes, ctx, &f->in, &f->ref), 0);
    assert_int_equal(in_child(child_destroys, ctx, &f->in, &f->ref), 0);
    memset(r.grad_mse, 0, ROWS * COLS * sizeof(float));
    assert_int_equal(compute(ctx, &f->in, &r), 0); /* the parent's workers are untouched */
    assert_true(same_bits(&f->ref, &r));
    assert_true(threads_are(base + 1));
    optima_context_destroy(ctx);
    free_answer(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workers_live_between_calls_and_destroy_joins_them),
        cmocka_unit_test(set_threads_2_3_1_2_between_calls_resizes_the_workers),
        cmocka_unit_test(two_host_threads_share_one_context_and_its_workers),
        cmocka_unit_test(refused_threads_leave_the_pass_to_the_calling_thread),
        cmocka_unit_test(a_forked_child_computes_with_the_parents_context),
    };
    return cmocka_run_group_tests(tests, make_fixture, free_fixture);
}
