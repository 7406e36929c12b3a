/*
 * threadpool_internal.h - the thread pool the executor splits kernels over
 * (nothing outside nn/ includes this).
 *
 * A pool of `threads` threads counts the caller as thread 0 and starts
 * threads-1 workers. nn_pool_run hands out tasks 0..ntasks-1 one at a time
 * (an atomic counter) to whichever thread is free and returns when all are
 * done. Which thread runs which task varies from run to run; kernels make
 * their tasks write disjoint outputs and compute each output the same way
 * whatever task holds it, so results do not depend on the thread count.
 * Idle workers spin briefly (a network runs its layers back to back, and a
 * wake-up through the kernel costs as much as a small layer), then sleep.
 */
#ifndef NN_THREADPOOL_INTERNAL_H
#define NN_THREADPOOL_INTERNAL_H

enum { NN_POOL_MAX_THREADS = 64 };

typedef struct nn_pool nn_pool;

/* task: 0..ntasks-1; thread: 0..threads-1, for per-thread scratch. */
typedef void (*nn_pool_fn)(void *ctx, int task, int thread);

/* threads: 1..NN_POOL_MAX_THREADS. Returns 0, or -1 if memory or a thread
 * could not be had (nothing is left running then). */
int nn_pool_create(int threads, nn_pool **out);
void nn_pool_destroy(nn_pool *pool); /* NULL is fine */
int nn_pool_threads(const nn_pool *pool);

/* Run fn(ctx, t, thread) for every t in 0..ntasks-1 and wait for all of
 * them. One run at a time per pool; pool may be NULL (runs on the caller). */
void nn_pool_run(nn_pool *pool, nn_pool_fn fn, void *ctx, int ntasks);

#endif
