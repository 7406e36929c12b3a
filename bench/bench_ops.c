/*
 * bench_ops.c - speed of the scalar reference kernels on layer shapes of the
 * FaceNet-style nn4.small2 network (96x96 input) plus a depthwise layer.
 *
 * Each case: 1 warm-up run, then REPEATS timed runs; prints the median time
 * and GFLOP/s (2 flops per multiply-add). These are the reference loops, so
 * the numbers are the baseline the SIMD twins are compared with, measured in
 * the same run on the same machine. Inputs: a fixed LCG (seed printed).
 *
 * Usage: build/bench/bench_ops [repeats]   (default 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/ops.h"

#define SEED 12345u

static unsigned lcg_state = SEED;

static float rnd(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (float)(lcg_state >> 8) / 16777216.0f - 0.5f;
}

static float *rnd_buf(size_t n)
{
    float *b = malloc((n ? n : 1) * sizeof *b);
    if (!b) return NULL;
    for (size_t i = 0; i < n; i++) b[i] = rnd();
    return b;
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

typedef struct conv_case {
    const char *name;
    int h, w, c_in, c_out, k, stride, groups;
} conv_case;

/* Returns 0, or -1 if out of memory. */
static int bench_conv(const conv_case *cc, int repeats)
{
    ops_conv2d_params p = {.kh = cc->k, .kw = cc->k, .stride_h = cc->stride,
                           .stride_w = cc->stride, .dil_h = 1, .dil_w = 1,
                           .groups = cc->groups, .act = OPS_ACT_RELU};
    ops_same_pads(cc->h, cc->k, cc->stride, 1, &p.pad_top, &p.pad_bottom);
    ops_same_pads(cc->w, cc->k, cc->stride, 1, &p.pad_left, &p.pad_right);
    const int oh = ops_out_len(cc->h, cc->k, cc->stride, 1, p.pad_top, p.pad_bottom);
    const int ow = ops_out_len(cc->w, cc->k, cc->stride, 1, p.pad_left, p.pad_right);
    const ops_nhwc in = {1, cc->h, cc->w, cc->c_in};
    const size_t cig = (size_t)(cc->c_in / cc->groups);
    float *x = rnd_buf((size_t)cc->h * cc->w * cc->c_in);
    float *w = rnd_buf((size_t)cc->c_out * cc->k * cc->k * cig);
    float *b = rnd_buf((size_t)cc->c_out);
    float *y = malloc((size_t)oh * ow * cc->c_out * sizeof *y);
    double *t = malloc((size_t)repeats * sizeof *t);
    int rc = -1;
    if (x && w && b && y && t) {
        ops_conv2d_f32(&p, x, in, w, b, cc->c_out, NULL, y);
        for (int r = 0; r < repeats; r++) {
            const double t0 = now_s();
            ops_conv2d_f32(&p, x, in, w, b, cc->c_out, NULL, y);
            t[r] = now_s() - t0;
        }
        qsort(t, (size_t)repeats, sizeof *t, cmp_double);
        const double med = t[repeats / 2];
        const double flops = 2.0 * oh * ow * cc->c_out * cc->k * cc->k * (double)cig;
        printf("conv2d %-22s %3dx%-3d c%-4d -> %3dx%-3d c%-4d k%d s%d g%-3d %9.3f ms %7.3f GFLOP/s\n",
               cc->name, cc->h, cc->w, cc->c_in, oh, ow, cc->c_out, cc->k, cc->stride,
               cc->groups, 1e3 * med, flops / med * 1e-9);
        rc = 0;
    }
    free(x);
    free(w);
    free(b);
    free(y);
    free(t);
    return rc;
}

static int bench_dense(int n, int k, int m, int repeats)
{
    float *x = rnd_buf((size_t)n * k), *w = rnd_buf((size_t)m * k), *b = rnd_buf((size_t)m);
    float *y = malloc((size_t)n * m * sizeof *y);
    double *t = malloc((size_t)repeats * sizeof *t);
    int rc = -1;
    if (x && w && b && y && t) {
        ops_dense_f32(x, n, k, w, b, m, OPS_ACT_NONE, y);
        for (int r = 0; r < repeats; r++) {
            const double t0 = now_s();
            ops_dense_f32(x, n, k, w, b, m, OPS_ACT_NONE, y);
            t[r] = now_s() - t0;
        }
        qsort(t, (size_t)repeats, sizeof *t, cmp_double);
        const double med = t[repeats / 2];
        printf("dense  n%-3d k%-5d m%-5d %47s %9.3f ms %7.3f GFLOP/s\n", n, k, m, "", 1e3 * med,
               2.0 * n * k * m / med * 1e-9);
        rc = 0;
    }
    free(x);
    free(w);
    free(b);
    free(y);
    free(t);
    return rc;
}

int main(int argc, char **argv)
{
    int repeats = 5;
    if (argc > 1) {
        repeats = atoi(argv[1]);
        if (repeats < 1 || repeats > 1000) {
            fprintf(stderr, "bench_ops: repeats must be 1..1000, got '%s'\n", argv[1]);
            return 2;
        }
    }
    static const conv_case convs[] = {
        {"nn4 conv1 7x7/2", 96, 96, 3, 64, 7, 2, 1},
        {"nn4 conv2 1x1", 24, 24, 64, 64, 1, 1, 1},
        {"nn4 conv3 3x3", 24, 24, 64, 192, 3, 1, 1},
        {"nn4 3a 3x3", 12, 12, 96, 128, 3, 1, 1},
        {"nn4 5a 1x1", 3, 3, 736, 96, 1, 1, 1},
        {"depthwise 3x3", 48, 48, 32, 32, 3, 1, 32},
    };
    printf("bench_ops: scalar reference kernels, seed %u, median of %d runs after 1 warm-up\n",
           SEED, repeats);
    for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++)
        if (bench_conv(&convs[i], repeats) != 0) {
            fprintf(stderr, "bench_ops: out of memory\n");
            return 1;
        }
    if (bench_dense(1, 736, 128, repeats) != 0 || bench_dense(8, 736, 128, repeats) != 0) {
        fprintf(stderr, "bench_ops: out of memory\n");
        return 1;
    }
    return 0;
}
