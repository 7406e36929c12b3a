/*
 * threadpool.c - a small pthreads pool: workers wait for a new "generation"
 * of work, take tasks from a shared atomic counter, and report when done.
 *
 * Synchronisation: the caller writes fn/ctx/ntasks, resets the counters,
 * then bumps `generation` (release). A worker that sees the new generation
 * (acquire) reads fn/ctx/ntasks, runs tasks until the counter passes
 * ntasks, then decrements `busy` (release). The caller runs tasks too and
 * then waits for busy == 0 (acquire), which makes every worker's writes
 * visible to it.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "nn/threadpool_internal.h"

/* A worker spins this many pause rounds (some 50-200 us) for the next layer
 * before it sleeps; the caller, waiting for the last task, spins WAIT_SPINS
 * rounds and then yields its CPU each round, so that on a machine with more
 * runnable threads than cores a preempted worker gets to finish. */
enum { SPIN_ROUNDS = 3000, WAIT_SPINS = 200 };

struct nn_pool {
    int threads;                 /* including the caller */
    pthread_t *tids;             /* [threads-1] workers */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_uint generation;      /* bumped once per run */
    atomic_int next;             /* next task to hand out */
    atomic_int busy;             /* workers still inside the current run */
    atomic_int quit;
    nn_pool_fn fn;               /* current run, valid for the generation */
    void *ctx;
    int ntasks;
};

typedef struct worker_arg {
    nn_pool *pool;
    int thread;
} worker_arg;

static void cpu_relax(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __asm__ volatile("pause");
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static void run_tasks(nn_pool *p, nn_pool_fn fn, void *ctx, int ntasks, int thread)
{
    for (;;) {
        const int t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (t >= ntasks) break;
        fn(ctx, t, thread);
    }
}

static void *worker_main(void *argp)
{
    worker_arg *arg = argp;
    nn_pool *p = arg->pool;
    const int thread = arg->thread;
    free(arg);
    /* Generation 0 is the pool's state before its first run. Reading the
     * counter here instead would lose the first run whenever nn_pool_run
     * bumps it before this thread gets scheduled (a loaded machine): the
     * caller would then wait forever for this worker. */
    unsigned seen = 0;
    for (;;) {
        unsigned g = seen;
        for (int i = 0; i < SPIN_ROUNDS && g == seen; i++) {
            cpu_relax();
            g = atomic_load_explicit(&p->generation, memory_order_acquire);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen &&
                   !atomic_load(&p->quit))
                pthread_cond_wait(&p->cv, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->quit)) break;
        seen = g;
        run_tasks(p, p->fn, p->ctx, p->ntasks, thread);
        atomic_fetch_sub_explicit(&p->busy, 1, memory_order_release);
    }
    return NULL;
}

int nn_pool_create(int threads, nn_pool **out)
{
    *out = NULL;
    if (threads < 1 || threads > NN_POOL_MAX_THREADS) return -1;
    nn_pool *p = calloc(1, sizeof *p);
    if (!p) return -1;
    p->threads = threads;
    atomic_init(&p->generation, 0);
    atomic_init(&p->next, 0);
    atomic_init(&p->busy, 0);
    atomic_init(&p->quit, 0);
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return -1;
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return -1;
    }
    if (threads > 1) {
        p->tids = calloc((size_t)threads - 1, sizeof *p->tids);
        if (!p->tids) {
            nn_pool_destroy(p);
            return -1;
        }
    }
    for (int i = 1; i < threads; i++) {
        worker_arg *arg = malloc(sizeof *arg);
        if (arg) {
            arg->pool = p;
            arg->thread = i;
        }
        if (!arg || pthread_create(&p->tids[i - 1], NULL, worker_main, arg) != 0) {
            free(arg);
            p->threads = i; /* only workers 1..i-1 exist: stop those */
            nn_pool_destroy(p);
            return -1;
        }
    }
    *out = p;
    return 0;
}

void nn_pool_destroy(nn_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->threads; i++) pthread_join(p->tids[i - 1], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->tids);
    free(p);
}

int nn_pool_threads(const nn_pool *p) { return p ? p->threads : 1; }

void nn_pool_run(nn_pool *p, nn_pool_fn fn, void *ctx, int ntasks)
{
    if (ntasks <= 0) return;
    if (!p || p->threads == 1 || ntasks == 1) {
        for (int t = 0; t < ntasks; t++) fn(ctx, t, 0);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    atomic_store_explicit(&p->busy, p->threads - 1, memory_order_relaxed);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, fn, ctx, ntasks, 0);
    for (int i = 0; atomic_load_explicit(&p->busy, memory_order_acquire) != 0; i++) {
        if (i < WAIT_SPINS)
            cpu_relax();
        else
            sched_yield();
    }
}
