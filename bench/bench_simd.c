/*
 * bench_simd.c - the convolution kernels on the real layer shapes of the
 * default model (dlib ResNet-29, 150x150x3 input), one thread.
 *
 * First the measured fp32 FMA peak of one core for each ISA (independent FMA
 * chains, ops_fma_burn; best of 25 short runs). Then, per ISA and per distinct conv layer: the
 * kernel the planner picks (and, for the 3x3 stride-1 layers, the direct
 * kernel too), median ms over REPEATS runs after a warm-up, GFLOP/s counted
 * as the direct convolution's 2*MACs (so Winograd can exceed the peak: it
 * does fewer multiplies), and % of the measured peak. The last line per ISA
 * sums count * ms over the network's conv layers: the convolution time of
 * one face (pooling, the shortcut adds and the fc are not in it).
 * Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on this shared
 * machine wall time would include time spent preempted. Each layer runs
 * alone, its weights warm in L2: in the whole network they come from L3 or
 * memory (bench/bench_model shows the difference).
 *
 * In a `make BLAS=openblas` build each layer is also timed as im2col +
 * OpenBLAS sgemm (run with OPENBLAS_NUM_THREADS=1), a yardstick.
 *
 * Usage: build/bench/bench_simd [batch] [repeats]   (default 1 and 30)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/ops.h"

typedef struct layer {
    const char *name;
    int count;                /* times the shape occurs in the network */
    int h, w, cin, cout, k, stride, pad;
    int residual;
} layer;

/* dlib ResNet-29 as face-api.js runs it: stem conv 7x7/2 VALID, 3x3/2 VALID
 * max pool; each residual block two 3x3 SAME convs; each down block a 3x3/2
 * VALID conv then a 3x3 SAME one, its shortcut a 2x2/2 average pool (the
 * conv output is zero-padded to the pool's 4x4 and 2x2 in the last two
 * down blocks, so the 256-channel blocks run at 4x4). 0.542 GFLOP in all. */
static const layer layers[] = {
    {"stem 7x7/2", 1, 150, 150, 3, 32, 7, 2, 0, 0},
    {"res32 3x3", 6, 35, 35, 32, 32, 3, 1, 1, 1},
    {"down64 3x3/2", 1, 35, 35, 32, 64, 3, 2, 0, 0},
    {"res64 3x3", 7, 17, 17, 64, 64, 3, 1, 1, 1},
    {"down128 3x3/2", 1, 17, 17, 64, 128, 3, 2, 0, 0},
    {"res128 3x3", 5, 8, 8, 128, 128, 3, 1, 1, 1},
    {"down256 3x3/2", 1, 8, 8, 128, 256, 3, 2, 0, 0},
    {"down256 3x3", 1, 3, 3, 256, 256, 3, 1, 1, 0},
    {"res256 3x3", 4, 4, 4, 256, 256, 3, 1, 1, 1},
    {"down256o 3x3/2", 1, 4, 4, 256, 256, 3, 2, 0, 0},
    {"down256o 3x3", 1, 1, 1, 256, 256, 3, 1, 1, 0},
};

static unsigned lcg = 12345u;

static float rnd(void)
{
    lcg = lcg * 1664525u + 1013904223u;
    return (float)(lcg >> 8) / 16777216.0f - 0.5f;
}

static float *rnd_buf(size_t n)
{
    float *b = malloc((n ? n : 1) * sizeof *b);
    if (!b) {
        fprintf(stderr, "bench_simd: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) b[i] = rnd();
    return b;
}

/* Time of this thread on a CPU: the machine is shared, and a kernel run
 * preempted half-way would otherwise count the other process's time too. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* GFLOP/s of one core's FMA units on the active ISA: the best of 25 short
 * runs (a ceiling: on this shared machine other processes can only slow a
 * run down, and short runs are less often preempted). */
static double fma_peak(void)
{
    double flops = 0, best = 1e30;
    volatile float sink = 0;
    sink += ops_fma_burn(200000, &flops); /* warm-up, lets the clock settle */
    for (int r = 0; r < 25; r++) {
        const double t0 = now_s();
        sink += ops_fma_burn(200000, &flops);
        const double t = now_s() - t0;
        if (t < best) best = t;
    }
    (void)sink;
    return flops / best * 1e-9;
}

/* Median ms of one whole conv (all tasks on this thread). */
static double time_conv(const layer *L, int batch, ops_conv_algo algo, int repeats,
                        char *variant, size_t vcap)
{
    ops_conv2d_params p;
    memset(&p, 0, sizeof p);
    p.kh = p.kw = L->k;
    p.stride_h = p.stride_w = L->stride;
    p.dil_h = p.dil_w = 1;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = L->pad;
    p.groups = 1;
    p.act = OPS_ACT_RELU;
    const ops_nhwc in = {batch, L->h, L->w, L->cin};
    const int oh = ops_out_len(L->h, L->k, L->stride, 1, L->pad, L->pad);
    const int ow = ops_out_len(L->w, L->k, L->stride, 1, L->pad, L->pad);
    const size_t ny = (size_t)batch * oh * ow * L->cout;
    float *x = rnd_buf((size_t)batch * L->h * L->w * L->cin);
    float *w = rnd_buf((size_t)L->cout * L->k * L->k * L->cin);
    float *b = rnd_buf((size_t)L->cout);
    float *res = L->residual ? rnd_buf(ny) : NULL;
    float *y = rnd_buf(ny);
    ops_conv2d_plan *plan = NULL;
    if (ops_conv2d_plan_create_algo(&p, in, w, b, L->cout, algo, &plan) != OPS_PLAN_OK) {
        fprintf(stderr, "bench_simd: plan for %s failed\n", L->name);
        exit(1);
    }
    snprintf(variant, vcap, "%s", ops_conv2d_plan_variant(plan));
    void *scratch = NULL;
    const size_t sb = ops_conv2d_plan_scratch(plan);
    if (posix_memalign(&scratch, 64, sb ? sb : 64) != 0) exit(1);
    const int nt = ops_conv2d_plan_tasks(plan);
    double *t = malloc((size_t)repeats * sizeof *t);
    if (!t) exit(1);
    for (int r = -3; r < repeats; r++) {
        const double t0 = now_s();
        for (int k = 0; k < nt; k++) ops_conv2d_plan_run(plan, x, res, y, scratch, k);
        if (r >= 0) t[r] = now_s() - t0;
    }
    const double ms = median(t, repeats) * 1e3;
    free(t);
    free(scratch);
    ops_conv2d_plan_destroy(plan);
    free(x);
    free(w);
    free(b);
    free(res);
    free(y);
    return ms;
}

int main(int argc, char **argv)
{
    const int batch = argc > 1 ? atoi(argv[1]) : 1;
    const int repeats = argc > 2 ? atoi(argv[2]) : 30;
    if (batch < 1 || repeats < 1) {
        fprintf(stderr, "usage: bench_simd [batch >= 1] [repeats >= 1]\n");
        return 2;
    }
    const ops_isa best = ops_isa_detected();
    printf("bench_simd: dlib ResNet-29 conv layers, batch %d, 1 thread, median of %d "
           "(detected ISA %s)\n",
           batch, repeats, ops_isa_name(best));
    for (int isa = OPS_ISA_AVX2; isa <= (int)best; isa++) {
        if (ops_isa_select((ops_isa)isa) != (ops_isa)isa) continue;
        const double peak = fma_peak();
        printf("\n[%s] measured FMA peak of one core: %.1f GFLOP/s\n", ops_isa_name((ops_isa)isa),
               peak);
        printf("%-16s %3s %-22s %-14s %8s %8s %7s\n", "layer", "n", "shape (HxWxC->C)",
               "kernel", "ms", "GFLOP/s", "%peak");
        double total = 0, total_direct = 0, macs_total = 0, total_blas = 0;
        for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
            const layer *L = &layers[i];
            const int oh = ops_out_len(L->h, L->k, L->stride, 1, L->pad, L->pad);
            const int ow = ops_out_len(L->w, L->k, L->stride, 1, L->pad, L->pad);
            const double macs = (double)batch * oh * ow * L->cout * L->k * L->k * L->cin;
            char shape[32], variant[32];
            snprintf(shape, sizeof shape, "%dx%dx%d->%d", L->h, L->w, L->cin, L->cout);
            const double ms = time_conv(L, batch, OPS_CONV_AUTO, repeats, variant, sizeof variant);
            const double gf = 2 * macs / (ms * 1e-3) * 1e-9;
            printf("%-16s %3d %-22s %-14s %8.4f %8.1f %6.0f%%\n", L->name, L->count, shape, variant,
                   ms, gf, 100 * gf / peak);
            total += L->count * ms;
            macs_total += L->count * macs;
            double ms_d = ms;
            if (strncmp(variant, "wino", 4) == 0) {
                ms_d = time_conv(L, batch, OPS_CONV_DIRECT, repeats, variant, sizeof variant);
                const double gfd = 2 * macs / (ms_d * 1e-3) * 1e-9;
                printf("%-16s %3s %-22s %-14s %8.4f %8.1f %6.0f%%\n", "", "", "", variant, ms_d,
                       gfd, 100 * gfd / peak);
            }
            total_direct += L->count * ms_d;
            if (L->k == 3 && L->stride == 1 && L->h * L->w >= 16) { /* F(2,3), not chosen by AUTO */
                const double ms_w = time_conv(L, batch, OPS_CONV_WINOGRAD2, repeats, variant, sizeof variant);
                const double gfw = 2 * macs / (ms_w * 1e-3) * 1e-9;
                printf("%-16s %3s %-22s %-14s %8.4f %8.1f %6.0f%%\n", "", "", "", variant, ms_w, gfw,
                       100 * gfw / peak);
            }
#if defined(FACENET_HAVE_OPENBLAS)
            const double ms_b = time_conv(L, batch, OPS_CONV_BLAS, repeats, variant, sizeof variant);
            const double gfb = 2 * macs / (ms_b * 1e-3) * 1e-9;
            printf("%-16s %3s %-22s %-14s %8.4f %8.1f %6.0f%%\n", "", "", "", variant, ms_b, gfb,
                   100 * gfb / peak);
            total_blas += L->count * ms_b;
#endif
        }
        printf("[%s] all convs of one batch: %.3f ms (%.3f ms/face, %.1f effective GFLOP/s); "
               "direct kernels only: %.3f ms\n",
               ops_isa_name((ops_isa)isa), total, total / batch, 2 * macs_total / total * 1e-6,
               total_direct);
        if (total_blas > 0)
            printf("[%s] the same with im2col + OpenBLAS sgemm (OPENBLAS_NUM_THREADS=1 for one "
                   "thread): %.3f ms\n",
                   ops_isa_name((ops_isa)isa), total_blas);
    }
    ops_isa_select(best);
    return 0;
}
