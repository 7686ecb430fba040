/* See pool.h. A pass costs a few futex calls (a wake per worker asked, a wait for the
 * last one) against a thread start and join per worker when threads were started per
 * pass; the stateless losses make two or three passes per call. */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "context_impl.h"

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
    int32_t threads;      /* the context's thread count the pool was made for */
    size_t capacity;      /* threads − 1 */
    size_t started;       /* workers running, the first `started` of workers[] */
    pthread_mutex_t lock; /* guards what follows and every worker's `asked` */
    pthread_cond_t done;  /* signalled when the last worker inside fn returns */
    opt_pool_fn fn;       /* the pass being run */
    void *arg;
    size_t running;       /* workers inside fn */
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
        ++pool->running;
        const opt_pool_fn fn = pool->fn;
        void *job = pool->arg;
        pthread_mutex_unlock(&pool->lock);
        fn(job, w->index);
        pthread_mutex_lock(&pool->lock);
        if (--pool->running == 0) pthread_cond_signal(&pool->done);
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
    pool->threads = ctx->threads;
    pool->capacity = capacity;
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

/* The context's pool as a pass wants it: of this process, made for the context's thread
 * count (else replaced), with @p workers started when the system allows (a start that
 * failed is tried again by the next pass). NULL when it cannot be allocated. */
static opt_pool *opt_pool_ready(optima_context *ctx, size_t workers)
{
    opt_pool *pool = ctx->pool;
    if (pool != NULL && (pool->pid != getpid() || pool->threads != ctx->threads)) {
        opt_pool_stop(ctx);
        pool = NULL;
    }
    if (pool == NULL) pool = ctx->pool = opt_pool_create(ctx);
    if (pool == NULL) return NULL;
    if (workers > pool->capacity) workers = pool->capacity;
    while (pool->started < workers && opt_pool_add(pool) == 0) continue;
    return pool;
}

/* Ask workers 1 … @p helpers to run @p fn. Signalled after the unlock, so that a woken
 * worker does not at once block on the mutex the caller still holds. */
static void opt_pool_wake(opt_pool *pool, size_t helpers, opt_pool_fn fn, void *arg)
{
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->arg = arg;
    for (size_t i = 0; i < helpers; ++i) pool->workers[i].asked = 1;
    pthread_mutex_unlock(&pool->lock);
    for (size_t i = 0; i < helpers; ++i) pthread_cond_signal(&pool->workers[i].wake);
}

/* After the caller's own share: let off the workers that have not picked the pass up
 * (the machine is shared; one may not be scheduled for a while, and the work is done),
 * and wait for those inside fn. */
static void opt_pool_settle(opt_pool *pool, size_t helpers)
{
    pthread_mutex_lock(&pool->lock);
    for (size_t i = 0; i < helpers; ++i) pool->workers[i].asked = 0;
    while (pool->running > 0) pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

int opt_pool_run(const optima_context *ctx, size_t threads, opt_pool_fn fn, void *arg)
{
    optima_context *owner = (optima_context *)ctx; /* see pool.h: a heap block, never const */
    if (atomic_flag_test_and_set_explicit(&owner->pool_busy, memory_order_acquire)) return 0;
    opt_pool *pool = threads > 1 ? opt_pool_ready(owner, threads - 1) : NULL;
    size_t helpers = pool != NULL ? threads - 1 : 0;
    if (pool != NULL && helpers > pool->started) helpers = pool->started;
    if (helpers > 0) opt_pool_wake(pool, helpers, fn, arg);
    fn(arg, 0);
    if (helpers > 0) opt_pool_settle(pool, helpers);
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
