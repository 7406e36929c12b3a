/*
 * bench_model.c - the whole dlib ResNet-29 on our runtime: ms per face for
 * batch 1 and 8, threads 1 and 2, on every SIMD ISA the machine has, and a
 * per-layer table (one thread, batch 1, the best ISA): the kernel variant
 * chosen, median ms, GFLOP/s and % of the measured FMA peak.
 *
 * The network is tools/synth_resnet29.c (random weights: the time of a dense
 * fp32 network does not depend on weight values), so this runs without a
 * model file; `facenet-run bench --model FILE` times a real one.
 * Each configuration: plan (its time is printed: weight repacking included),
 * 10 warm-up runs, REPEATS timed runs, median (and min) per face.
 *
 * Usage: build/bench/bench_model [repeats] [--json] [--layers]   (default 100)
 * --layers: only the per-layer table; --batch B: its batch (default 1).
 * With --json, one JSON line per configuration and nothing else (what
 * bench/compare_ort.sh reads).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/nn.h"
#include "ops/ops.h"
#include "tools/cli.h"

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double fma_peak(void)
{
    double flops = 0, best = 1e30;
    volatile float sink = 0;
    sink += ops_fma_burn(200000, &flops);
    for (int r = 0; r < 25; r++) {
        const double t0 = now_s();
        sink += ops_fma_burn(200000, &flops);
        const double t = now_s() - t0;
        if (t < best) best = t;
    }
    (void)sink;
    return flops / best * 1e-9;
}

typedef struct result {
    double ms_face, ms_face_min, plan_ms;
    size_t arena;
} result;

/* Runs one configuration; node_ms (if not NULL) gets each node's median ms. */
static int run_config(nn_graph *g, int threads, int batch, int repeats, result *r, double *node_ms)
{
    nn_plan_opts o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    nn_plan *plan = NULL;
    const double t0 = now_s();
    if (nn_plan_create(g, batch, &o, &plan) != NN_OK) {
        fprintf(stderr, "bench_model: plan: %s\n", nn_graph_error(g));
        return -1;
    }
    r->plan_ms = (now_s() - t0) * 1e3;
    r->arena = nn_plan_arena_bytes(plan);
    const size_t nin = (size_t)batch * 150 * 150 * 3;
    float *in = malloc(nin * sizeof *in), *out = malloc((size_t)batch * 128 * sizeof *out);
    const int nn = nn_graph_node_count(g);
    double *t = malloc((size_t)repeats * sizeof *t);
    uint64_t *ns = calloc((size_t)nn, sizeof *ns);
    double *per = node_ms ? malloc((size_t)nn * repeats * sizeof *per) : NULL;
    if (!in || !out || !t || !ns || (node_ms && !per)) {
        fprintf(stderr, "bench_model: out of memory\n");
        exit(1);
    }
    unsigned s = 777u;
    for (size_t i = 0; i < nin; i++) {
        s = s * 1664525u + 1013904223u;
        in[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    }
    const float *ins[1] = {in};
    float *outs[1] = {out};
    nn_run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.node_ns = node_ms ? ns : NULL;
    for (int i = -10; i < repeats; i++) {
        const double t1 = now_s();
        if (nn_run_ex(plan, ins, outs, &ro) != NN_OK) {
            fprintf(stderr, "bench_model: run: %s\n", nn_plan_error(plan));
            exit(1);
        }
        if (i < 0) continue;
        t[i] = (now_s() - t1) * 1e3 / batch;
        if (per)
            for (int k = 0; k < nn; k++) per[(size_t)k * repeats + i] = (double)ns[k] * 1e-6;
    }
    r->ms_face = median(t, repeats);
    r->ms_face_min = t[0]; /* sorted by median() */
    if (per)
        for (int k = 0; k < nn; k++) node_ms[k] = median(per + (size_t)k * repeats, repeats);
    free(per);
    free(ns);
    free(t);
    free(in);
    free(out);
    nn_plan_destroy(plan);
    return 0;
}

/* Multiply-adds of node i at batch 1 (conv and dense), 0 for the rest. */
static double node_macs(const nn_graph *g, int i)
{
    const nn_node *nd = nn_graph_node(g, i);
    const nn_value *out = nn_graph_value(g, nd->output);
    if (nd->op == NN_OP_CONV2D) {
        const nn_value *w = nn_graph_value(g, nd->inputs[1]);
        return (double)out->shape.dims[1] * out->shape.dims[2] * w->shape.dims[0] *
               w->shape.dims[1] * w->shape.dims[2] * w->shape.dims[3];
    }
    if (nd->op == NN_OP_DENSE) {
        const nn_value *w = nn_graph_value(g, nd->inputs[1]);
        return (double)w->shape.dims[0] * w->shape.dims[1];
    }
    return 0;
}

int main(int argc, char **argv)
{
    int repeats = 100, json = 0, layers_only = 0, layer_batch = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--layers") == 0)
            layers_only = 1;
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            layer_batch = atoi(argv[++i]);
        else
            repeats = atoi(argv[i]);
    }
    if (repeats < 1) {
        fprintf(stderr, "usage: bench_model [repeats >= 1] [--json]\n");
        return 2;
    }
    nn_graph *g = NULL;
    float *weights = NULL;
    char err[256];
    if (synth_resnet29(&g, &weights, err, sizeof err) != 0) {
        fprintf(stderr, "bench_model: %s\n", err);
        return 1;
    }
    const ops_isa best = ops_isa_detected();
    double gmacs = 0;
    for (int i = 0; i < nn_graph_node_count(g); i++) gmacs += node_macs(g, i);
    gmacs *= 1e-9;
    if (!json)
        printf("bench_model: dlib ResNet-29 (synthetic weights), %.3f GFLOP per face, median of "
               "%d runs\n",
               2 * gmacs, repeats);

    for (int isa = OPS_ISA_AVX2; !layers_only && (isa <= (int)best || isa == OPS_ISA_AVX2); isa++) {
        if (ops_isa_select((ops_isa)isa) != (ops_isa)isa) {
            if (isa == OPS_ISA_AVX2) {
                ops_isa_select(best); /* no x86 SIMD: time what there is once */
            } else {
                continue;
            }
        }
        const char *isa_name = ops_isa_name(ops_isa_active());
        const int threads_list[2] = {1, 2}, batch_list[2] = {1, 8};
        for (int ti = 0; ti < 2; ti++)
            for (int bi = 0; bi < 2; bi++) {
                result r;
                const int nrep = batch_list[bi] > 1 ? (repeats + 3) / 4 : repeats;
                if (run_config(g, threads_list[ti], batch_list[bi], nrep, &r, NULL) != 0) return 1;
                if (json)
                    printf("{\"model\": \"synthetic dlib-resnet29\", \"threads\": %d, \"batch\": %d, "
                           "\"ms_per_face\": %.4f, \"ms_per_face_min\": %.4f, \"isa\": \"%s\"}\n",
                           threads_list[ti], batch_list[bi], r.ms_face, r.ms_face_min, isa_name);
                else
                    printf("[%s] threads %d batch %d: %.3f ms/face median (min %.3f), %.1f GFLOP/s; "
                           "plan %.1f ms, arena %.2f MB\n",
                           isa_name, threads_list[ti], batch_list[bi], r.ms_face, r.ms_face_min,
                           2 * gmacs / r.ms_face * 1e3, r.plan_ms, r.arena / 1048576.0);
                fflush(stdout);
            }
        if (ops_isa_active() != (ops_isa)isa) break;
    }

    if (!json) {
        ops_isa_select(best);
        const double peak = fma_peak();
        const int nn = nn_graph_node_count(g);
        double *node_ms = malloc((size_t)nn * sizeof *node_ms);
        result r;
        if (layer_batch < 1) layer_batch = 1;
        if (!node_ms || run_config(g, 1, layer_batch, repeats, &r, node_ms) != 0) return 1;
        nn_plan_opts o;
        memset(&o, 0, sizeof o);
        o.threads = 1;
        nn_plan *plan = NULL;
        if (nn_plan_create(g, layer_batch, &o, &plan) != NN_OK) return 1;
        printf("\nper layer, %s, 1 thread, batch %d, ms per batch (FMA peak of one core measured "
               "%.1f GFLOP/s)\n",
               ops_isa_name(best), layer_batch, peak);
        printf("%-28s %-8s %-16s %-16s %8s %8s %6s\n", "node", "op", "out (HxWxC)", "kernel", "ms",
               "GFLOP/s", "%peak");
        double sum = 0;
        for (int i = 0; i < nn; i++) {
            const nn_node *nd = nn_graph_node(g, i);
            const nn_value *out = nn_graph_value(g, nd->output);
            char shape[32];
            snprintf(shape, sizeof shape, "%dx%dx%d", out->shape.dims[1], out->shape.dims[2],
                     out->shape.dims[3]);
            const double macs = node_macs(g, i) * layer_batch;
            sum += node_ms[i];
            if (macs > 0) {
                const double gf = 2 * macs / (node_ms[i] * 1e-3) * 1e-9;
                printf("%-28s %-8s %-16s %-16s %8.4f %8.1f %5.0f%%\n", nd->name, nn_op_name(nd->op),
                       shape, nn_plan_node_variant(plan, i), node_ms[i], gf, 100 * gf / peak);
            } else {
                printf("%-28s %-8s %-16s %-16s %8.4f\n", nd->name, nn_op_name(nd->op), shape,
                       nn_plan_node_variant(plan, i), node_ms[i]);
            }
        }
        printf("sum of node medians %.3f ms; whole run median %.3f ms per face\n", sum, r.ms_face);
        nn_plan_destroy(plan);
        free(node_ms);
    }
    nn_graph_destroy(g);
    free(weights);
    return 0;
}
