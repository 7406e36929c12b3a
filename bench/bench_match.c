/*
 * bench_match.c - throughput of exact nearest-neighbour search over a
 * gallery (face_gallery_match), against a plain one-accumulator loop over
 * the same embeddings measured in the same run.
 *
 * Gallery: N entries of 128 floats (the default model's size) spread over
 * N/10 people, values from a fixed LCG (seed printed). Each case: 1 warm-up,
 * then REPEATS timed runs of QUERIES queries; prints the median time per
 * query, entries per second, GB/s of embeddings streamed and GFLOP/s
 * (Euclidean: 3 flops per element - sub, mul, add; cosine: 6).
 *
 * Usage: build/bench/bench_match [entries] [repeats]   (default 20000 7)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "face/face.h"

#define SEED 4321u
#define DIM 128
#define QUERIES 20

static unsigned lcg_state = SEED;

static float rnd(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (float)(lcg_state >> 8) / 16777216.0f - 0.5f;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The baseline: one serial accumulator (the compiler may not reorder float
 * adds, so this stays scalar), nearest entry only. */
static size_t naive_nearest(const face_gallery *g, const float *q)
{
    size_t best = 0;
    float best_d = INFINITY;
    for (size_t i = 0; i < face_gallery_count(g); i++) {
        const float *e = face_gallery_get(g, i).emb;
        float s = 0.0f;
        for (int j = 0; j < DIM; j++) {
            float d = q[j] - e[j];
            s += d * d;
        }
        if (s < best_d) {
            best_d = s;
            best = i;
        }
    }
    return best;
}

typedef struct match_case {
    const char *name;
    int naive; /* 1: naive_nearest instead of face_gallery_match */
    face_metric metric;
    size_t k;
    double flops_per_elem;
} match_case;

static volatile size_t sink; /* keeps the results alive */

static double run_case(const match_case *mc, const face_gallery *g, const float *queries)
{
    face_match m[8];
    size_t n = 0;
    double t0 = now_s();
    for (int qi = 0; qi < QUERIES; qi++) {
        const float *q = queries + (size_t)qi * DIM;
        if (mc->naive) {
            sink += naive_nearest(g, q);
        } else {
            face_err err;
            if (face_gallery_match(g, q, mc->metric, m, mc->k, &n, &err) != FACE_OK) return -1.0;
            sink += m[0].entry;
        }
    }
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    long entries = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    int repeats = argc > 2 ? atoi(argv[2]) : 7;
    if (entries < 10 || entries > 2000000 || repeats < 1 || repeats > 1000) {
        fprintf(stderr, "usage: bench_match [entries 10..2000000] [repeats 1..1000]\n");
        return 2;
    }
    face_gallery *g = NULL;
    face_err err;
    if (face_gallery_create("bench", DIM, &g, &err) != FACE_OK) return 1;
    float emb[DIM];
    char name[32];
    for (long i = 0; i < entries; i++) {
        for (int j = 0; j < DIM; j++) emb[j] = rnd();
        snprintf(name, sizeof name, "p%ld", i % (entries / 10));
        if (face_gallery_add(g, name, "", emb, &err) != FACE_OK) {
            fprintf(stderr, "bench_match: %s\n", err.msg);
            return 1;
        }
    }
    float *queries = malloc((size_t)QUERIES * DIM * sizeof *queries);
    double *t = malloc((size_t)repeats * sizeof *t);
    if (!queries || !t) return 1;
    for (size_t i = 0; i < (size_t)QUERIES * DIM; i++) queries[i] = rnd();

    printf("bench_match: seed %u, %ld entries x %d floats (%.1f MB), %zu people, %d queries "
           "per run, median of %d runs\n",
           SEED, entries, DIM, (double)entries * DIM * 4 / 1e6, face_gallery_person_count(g),
           QUERIES, repeats);
    printf("%-34s %10s %12s %8s %9s\n", "case", "ms/query", "Mentries/s", "GB/s", "GFLOP/s");
    const match_case cases[] = {
        {"naive loop, nearest entry", 1, FACE_METRIC_EUCLIDEAN, 1, 3},
        {"face_gallery_match euclid k=1", 0, FACE_METRIC_EUCLIDEAN, 1, 3},
        {"face_gallery_match euclid k=5", 0, FACE_METRIC_EUCLIDEAN, 5, 3},
        {"face_gallery_match cosine k=1", 0, FACE_METRIC_COSINE, 1, 6},
    };
    double naive_s = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        if (run_case(&cases[c], g, queries) < 0) return 1; /* warm-up */
        for (int r = 0; r < repeats; r++) t[r] = run_case(&cases[c], g, queries);
        qsort(t, (size_t)repeats, sizeof *t, cmp_double);
        double per_q = t[repeats / 2] / QUERIES;
        if (c == 0) naive_s = per_q;
        double elems = (double)entries * DIM;
        printf("%-34s %10.3f %12.1f %8.2f %9.2f   x%.2f vs naive\n", cases[c].name, per_q * 1e3,
               (double)entries / per_q / 1e6, elems * 4 / per_q / 1e9,
               elems * cases[c].flops_per_elem / per_q / 1e9, naive_s / per_q);
    }
    free(queries);
    free(t);
    face_gallery_free(g);
    return 0;
}
