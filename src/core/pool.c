/* See pool.h. A pass costs a futex wake per worker asked, and at its end at most a short
 * spin or a wait for the last one, against a thread start and join per worker (about
 * 20–40 µs on the machines measured) when threads were started per pass; the stateless
 * losses make two or three passes per call. */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "context_impl.h"

/* How long the caller of a pass may spin, at most, for the workers still in their last
 * block, before it sleeps until the last one signals. A block is a 64th of a pass: 1 to
 * 20 µs for the losses' passes big enough for two threads (256 to 4096 rows of 768
 * floats), while the caller's sleep and wake-up cost 10–20 µs on a virtual machine whose
 * idle core halts. Only the caller spins, only at the end of a pass, only this long, and
 * only while a worker is computing; a worker never spins. */
#define OPT_SETTLE_SPIN_NS 20000L

typedef struct opt_pool opt_pool;

typedef struct opt_pool_worker {
    opt_pool *pool;
    size_t index;         /* 1, 2, …: what fn receives as its worker */
    pthread_t id;
    pthread_cond_t wake;  /* signalled when `asked` is set or the pool quits */
    int asked;            /* a pass waits for this worker to pick it up */
} opt_pool_worker;

struct opt_pool {
    pid_t pid;            /* the process whose threads these are (fork, see pool.h) */
    size_t capacity;      /* the context's thread count − 1 (a new count stops the pool) */
    size_t started;       /* workers started, the first `started` of workers[] */
    pthread_mutex_t lock; /* guards what follows and every worker's `asked` */
    pthread_cond_t done;  /* signalled when the last worker inside fn returns */
    opt_pool_fn fn;       /* the pass being run */
    void *arg;
    atomic_size_t running; /* workers inside fn; changed under the lock */
    int quit;
    opt_pool_worker workers[];
};

static void *opt_pool_main(void *arg)
{
    opt_pool_worker *w = arg;
    opt_pool *pool = w->pool;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!w->asked && !pool->quit) pthread_cond_wait(&w->wake, &pool->lock);
        if (pool->quit) break;
        w->asked = 0;
        atomic_fetch_add_explicit(&pool->running, 1, memory_order_relaxed);
        const opt_pool_fn fn = pool->fn;
        void *job = pool->arg;
        pthread_mutex_unlock(&pool->lock);
        fn(job, w->index);
        pthread_mutex_lock(&pool->lock);
        if (atomic_fetch_sub_explicit(&pool->running, 1, memory_order_release) == 1)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

/* Start worker number pool->started + 1; 0, or -1 when the system refuses a thread. The
 * worker blocks every signal: a host's handlers expect to run on the host's threads. */
static int opt_pool_add(opt_pool *pool)
{
    opt_pool_worker *w = &pool->workers[pool->started];
    w->pool = pool;
    w->index = pool->started + 1;
    w->asked = 0;
    if (pthread_cond_init(&w->wake, NULL) != 0) return -1;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const int failed = pthread_create(&w->id, NULL, opt_pool_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (failed) {
        pthread_cond_destroy(&w->wake);
        return -1;
    }
    ++pool->started;
    return 0;
}

/* A pool without workers for the context's thread count; NULL when out of memory. */
static opt_pool *opt_pool_create(const optima_context *ctx)
{
    const size_t capacity = (size_t)ctx->threads - 1;
    opt_pool *pool = opt_calloc(ctx, 1, sizeof *pool + capacity * sizeof pool->workers[0]);
    if (pool == NULL) return NULL;
    pool->pid = getpid();
    pool->capacity = capacity;
    atomic_init(&pool->running, 0);
    if (pthread_mutex_init(&pool->lock, NULL) != 0) {
        opt_free(ctx, pool);
        return NULL;
    }
    if (pthread_cond_init(&pool->done, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        opt_free(ctx, pool);
        return NULL;
    }
    return pool;
}

/* The context's pool as a pass wants it: of this process (else replaced; a new thread
 * count has stopped it already, optima_context_set_threads), with @p workers started when the system allows (a start that
 * failed is tried again by the next pass). NULL when it cannot be allocated. */
static opt_pool *opt_pool_ready(optima_context *ctx, size_t workers)
{
    opt_pool *pool = ctx->pool;
    if (pool != NULL && pool->pid != getpid()) {
        opt_pool_stop(ctx);
        pool = NULL;
    }
    if (pool == NULL) pool = ctx->pool = opt_pool_create(ctx);
    if (pool == NULL) return NULL;
    if (workers > pool->capacity) workers = pool->capacity;
    while (pool->started < workers && opt_pool_add(pool) == 0) continue;
    return pool;
}

/* Ask workers 1 … @p wanted to run @p fn. Signalled after the unlock, so that a woken
 * worker does not at once block on the mutex the caller still holds. */
static void opt_pool_wake(opt_pool *pool, size_t wanted, opt_pool_fn fn, void *arg)
{
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->arg = arg;
    for (size_t i = 0; i < wanted; ++i) pool->workers[i].asked = 1;
    pthread_mutex_unlock(&pool->lock);
    for (size_t i = 0; i < wanted; ++i) pthread_cond_signal(&pool->workers[i].wake);
}

/* Whether the workers inside fn have all returned; spins up to OPT_SETTLE_SPIN_NS. */
static int opt_pool_quiet_soon(opt_pool *pool)
{
    struct timespec start, t;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned i = 1;; ++i) {
        if (atomic_load_explicit(&pool->running, memory_order_acquire) == 0) return 1;
        if (i % 64 != 0) continue;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - start.tv_sec) * 1000000000L + (t.tv_nsec - start.tv_nsec) >
            OPT_SETTLE_SPIN_NS)
            return 0;
    }
}

/* After the caller's own share: let off the workers that have not picked the pass up
 * (the machine is shared; one may not be scheduled for a while, and the work is done),
 * and wait for those inside fn. They are in their last block (none is left to claim),
 * so the caller first spins a little (see OPT_SETTLE_SPIN_NS) before it sleeps. */
static void opt_pool_settle(opt_pool *pool, size_t wanted)
{
    pthread_mutex_lock(&pool->lock);
    for (size_t i = 0; i < wanted; ++i) pool->workers[i].asked = 0;
    const int busy = atomic_load_explicit(&pool->running, memory_order_relaxed) > 0;
    pthread_mutex_unlock(&pool->lock);
    if (!busy || opt_pool_quiet_soon(pool)) return;
    pthread_mutex_lock(&pool->lock);
    while (atomic_load_explicit(&pool->running, memory_order_relaxed) > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

int opt_pool_run(const optima_context *ctx, size_t threads, opt_pool_fn fn, void *arg)
{
    optima_context *owner = (optima_context *)ctx; /* see pool.h: a heap block, never const */
    if (atomic_flag_test_and_set_explicit(&owner->pool_busy, memory_order_acquire)) return 0;
    opt_pool *pool = threads > 1 ? opt_pool_ready(owner, threads - 1) : NULL;
    size_t wanted = pool != NULL ? threads - 1 : 0;
    if (pool != NULL && wanted > pool->started) wanted = pool->started;
    if (wanted > 0) opt_pool_wake(pool, wanted, fn, arg);
    fn(arg, 0);
    if (wanted > 0) opt_pool_settle(pool, wanted);
    atomic_flag_clear_explicit(&owner->pool_busy, memory_order_release);
    return 1;
}

void opt_pool_stop(optima_context *ctx)
{
    opt_pool *pool = ctx->pool;
    if (pool == NULL) return;
    ctx->pool = NULL;
    if (pool->pid == getpid()) {
        pthread_mutex_lock(&pool->lock);
        pool->quit = 1;
        pthread_mutex_unlock(&pool->lock);
        for (size_t i = 0; i < pool->started; ++i) pthread_cond_signal(&pool->workers[i].wake);
        for (size_t i = 0; i < pool->started; ++i) {
            pthread_join(pool->workers[i].id, NULL);
            pthread_cond_destroy(&pool->workers[i].wake);
        }
        pthread_cond_destroy(&pool->done);
        pthread_mutex_destroy(&pool->lock);
    }
    opt_free(ctx, pool);
}
