/*
 * cmd_bench.c - facenet-run bench: how fast the embedding network runs here.
 *
 *   facenet-run bench [--model FILE] [--threads N] [--batch B] [--repeats R] [--json]
 *
 * Loads the model (default models/dlib_resnet29.fnw, from `make models`;
 * open to ready: file mapped and checked, graph built, plan made, weights
 * repacked for the kernels; timed as load_ms), runs it on a fixed
 * pseudo-random input 10 times to warm up, then R times (default 50),
 * and prints the median ms per face, the ISA the kernels use (FACENET_ISA
 * caps it), and the peak resident memory of the process. cpu_ms_per_face is
 * the median process CPU time per face (all threads): on a busy machine wall
 * time includes time spent preempted, CPU time does not. --model synthetic
 * is dlib ResNet-29 with random weights (the same network, no file needed).
 * JSON: {"model": ..., "threads": N, "batch": B, "ms_per_face": X, "isa": "...",
 *        "ms_per_face_min": X, "load_ms": X, "load_cpu_ms": X, "cpu_ms_per_face": X,
 *        "peak_rss_mb": X,
 *        "arena_mb": X}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn/nn.h"
#include "ops/ops.h"
#include "tools/cli.h"
#include "weights/weights.h"

#define DEFAULT_MODEL "models/dlib_resnet29.fnw"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + 1e-6 * (double)ts.tv_nsec;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + 1e-6 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A model file as an nn graph; *m owns the weights the graph views. */
static int load_model_graph(const char *path, wts_model **m, nn_graph **g, char *err, size_t cap)
{
    wts_err e;
    *m = NULL;
    *g = NULL;
    wts_status s = wts_load(path, m, &e);
    if (s == WTS_OK) s = wts_build_graph(*m, path, g, &e);
    if (s != WTS_OK) {
        snprintf(err, cap, "%s", e.msg);
        wts_free(*m);
        *m = NULL;
        return -1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: facenet-run bench [--model FILE|synthetic] [--threads N] [--batch B]\n"
               "                         [--repeats R] [--json]\n"
               "Times the embedding network: median ms per face after a warm-up.\n"
               "  --model FILE   model to time (default " DEFAULT_MODEL ");\n"
               "                 synthetic: dlib ResNet-29 with random weights, no file\n"
               "  --threads N    threads per run, 1..64 (default 1); -t N also works\n"
               "  --batch B      faces per run, 1..256 (default 1)\n"
               "  --repeats R    timed runs, 1..100000 (default 50)\n"
               "  --json         one JSON line instead of text\n"
               "FACENET_ISA=scalar|avx2|avx512 caps the kernels' instruction set.\n");
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    const long v = strtol(s, &end, 10);
    if (!s[0] || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    const char *model = DEFAULT_MODEL;
    int threads = 1, batch = 1, repeats = 50, json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--model") == 0 && v) {
            model = v;
            i++;
        } else if ((strcmp(a, "--threads") == 0 || strcmp(a, "-t") == 0) && v) {
            if (parse_int(v, 1, 64, &threads) != 0) {
                fprintf(stderr, "facenet-run bench: --threads %s: want 1..64\n", v);
                return CLI_EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--batch") == 0 && v) {
            if (parse_int(v, 1, 256, &batch) != 0) {
                fprintf(stderr, "facenet-run bench: --batch %s: want 1..256\n", v);
                return CLI_EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--repeats") == 0 && v) {
            if (parse_int(v, 1, 100000, &repeats) != 0) {
                fprintf(stderr, "facenet-run bench: --repeats %s: want 1..100000\n", v);
                return CLI_EXIT_USAGE;
            }
            i++;
        } else {
            fprintf(stderr, "facenet-run bench: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }

    const double t_open = now_ms(), c_open = cpu_ms();
    nn_graph *g = NULL;
    float *weights = NULL;
    wts_model *wm = NULL;
    char err[768];
    if (strcmp(model, "synthetic") == 0) {
        if (synth_resnet29(&g, &weights, err, sizeof err) != 0) {
            fprintf(stderr, "facenet-run bench: synthetic model: %s\n", err);
            return CLI_EXIT_FATAL;
        }
    } else if (load_model_graph(model, &wm, &g, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run bench: %s\n", err);
        if (strcmp(model, DEFAULT_MODEL) == 0)
            fprintf(stderr, "facenet-run bench: run `make models` first, or time the same "
                            "network with --model synthetic\n");
        return CLI_EXIT_FATAL;
    }
    nn_plan_opts o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    nn_plan *plan = NULL;
    if (nn_plan_create(g, batch, &o, &plan) != NN_OK) {
        fprintf(stderr, "facenet-run bench: %s: plan: %s\n", model, nn_graph_error(g));
        nn_graph_destroy(g);
        free(weights);
        wts_free(wm);
        return CLI_EXIT_FATAL;
    }
    const double load_ms = now_ms() - t_open, load_cpu_ms = cpu_ms() - c_open;

    const int in_v = nn_graph_input_value(g, 0), out_v = nn_graph_output_value(g, 0);
    nn_value_plan ip, op;
    nn_plan_value(plan, in_v, &ip);
    nn_plan_value(plan, out_v, &op);
    float *in = malloc(ip.bytes), *out = malloc(op.bytes);
    double *t = malloc((size_t)repeats * sizeof *t), *c = malloc((size_t)repeats * sizeof *c);
    if (!in || !out || !t || !c) {
        fprintf(stderr, "facenet-run bench: out of memory\n");
        return CLI_EXIT_FATAL;
    }
    unsigned s = 777u;
    for (size_t i = 0; i < ip.bytes / sizeof(float); i++) {
        s = s * 1664525u + 1013904223u;
        in[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    }
    const float *ins[1] = {in};
    float *outs[1] = {out};
    int rc = CLI_EXIT_OK;
    for (int i = -10; i < repeats; i++) {
        const double t0 = now_ms(), c0 = cpu_ms();
        if (nn_run(plan, ins, outs) != NN_OK) {
            fprintf(stderr, "facenet-run bench: run: %s\n", nn_plan_error(plan));
            rc = CLI_EXIT_FATAL;
            break;
        }
        if (i >= 0) {
            t[i] = (now_ms() - t0) / batch;
            c[i] = (cpu_ms() - c0) / batch;
        }
    }
    if (rc == CLI_EXIT_OK) {
        qsort(t, (size_t)repeats, sizeof *t, cmp_double);
        qsort(c, (size_t)repeats, sizeof *c, cmp_double);
        const double med = repeats % 2 ? t[repeats / 2] : 0.5 * (t[repeats / 2 - 1] + t[repeats / 2]);
        const double cmed = repeats % 2 ? c[repeats / 2] : 0.5 * (c[repeats / 2 - 1] + c[repeats / 2]);
        struct rusage ru;
        memset(&ru, 0, sizeof ru);
        getrusage(RUSAGE_SELF, &ru);
        const double rss_mb = (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
        const char *isa = ops_isa_name(ops_isa_active());
        if (json)
            printf("{\"model\": \"%s\", \"threads\": %d, \"batch\": %d, \"ms_per_face\": %.4f, "
                   "\"isa\": \"%s\", \"ms_per_face_min\": %.4f, \"load_ms\": %.2f, "
                   "\"load_cpu_ms\": %.2f, "
                   "\"cpu_ms_per_face\": %.4f, \"peak_rss_mb\": %.1f, \"arena_mb\": %.2f}\n",
                   model, threads, batch, med, isa, t[0], load_ms, load_cpu_ms, cmed, rss_mb,
                   nn_plan_arena_bytes(plan) / 1048576.0);
        else
            printf("model %s, %d thread(s), batch %d, isa %s\n"
                   "  %.3f ms per face (median of %d runs after 10 warm-up), min %.3f, CPU %.3f\n"
                   "  load (open to ready) %.2f ms (CPU %.2f ms), arena %.2f MB, peak RSS %.1f MB\n",
                   model, threads, batch, isa, med, repeats, t[0], cmed, load_ms, load_cpu_ms,
                   nn_plan_arena_bytes(plan) / 1048576.0, rss_mb);
    }
    free(in);
    free(out);
    free(t);
    free(c);
    nn_plan_destroy(plan);
    nn_graph_destroy(g);
    free(weights);
    wts_free(wm);
    return rc;
}
