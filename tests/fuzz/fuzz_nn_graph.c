/*
 * fuzz_nn_graph.c - libFuzzer target for nn/ graph validation, planning and
 * execution.
 *
 * The model loader turns file contents into builder calls, so validation is
 * the wall between a hostile file and the kernels: whatever graph passes
 * nn_graph_validate must plan and run without a single out-of-bounds access.
 * The bytes drive a sequence of nn_input / nn_const / nn_declare /
 * nn_node_add / nn_output calls with arbitrary ops, value ids (including
 * absent, out-of-range and not-yet-produced ones) and attributes (small
 * integers around the valid ranges, floats from a table with NaN and
 * infinities); then validate, and if that passes and the tensors are small,
 * plan (batch 1 or 2, in-place on or off) and run.
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Run:   build/fuzz/fuzz_nn_graph -max_total_time=300 CORPUS_DIR
 * Replay what it found before: build/fuzz/fuzz_nn_graph tests/fuzz/regress_nn_graph/*
 * (pool_huge_window_timeout: a valid-looking pool with a 10^6-cell window
 * and matching padding; now refused by NN_MAX_WINDOW).
 * Without libFuzzer (FACENET_FUZZ not defined) the small main below replays
 * the files named on the command line.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WBUF 4096      /* floats of constant data: 8^4, the largest constant made */
#define MAX_ELEMS 65536 /* per-sample elements of any value we are willing to run */

static float wbuf[WBUF]; /* [WBUF] weights shared by every constant */

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

/* Next byte, or 0 once the input is used up. */
static unsigned byte(reader *r)
{
    if (r->left == 0)
        return 0;
    r->left--;
    return *r->p++;
}

/* A small integer around the valid ranges: mostly 0..7, sometimes negative
 * or large. */
static int small_int(reader *r)
{
    unsigned b = byte(r);
    if (b < 200)
        return (int)(b % 8);
    if (b < 230)
        return (int)(b % 8) - 8;
    return (int)(b - 230) * 40000;
}

static float a_float(reader *r)
{
    static const float table[8] = {0.0f, 1e-3f, 0.5f, 1.0f, 2.0f, -1.0f, 0.75f, 1e-10f};
    unsigned b = byte(r);
    if (b == 255)
        return NAN;
    if (b == 254)
        return INFINITY;
    return table[b % 8];
}

static void fill_attr(reader *r, nn_op op, nn_attr *a)
{
    memset(a, 0, sizeof *a);
    switch (op) {
    case NN_OP_CONV2D:
        a->conv2d.stride_h = small_int(r);
        a->conv2d.stride_w = small_int(r);
        a->conv2d.dil_h = small_int(r);
        a->conv2d.dil_w = small_int(r);
        a->conv2d.padding = (nn_padding)small_int(r);
        a->conv2d.pad_top = small_int(r);
        a->conv2d.pad_bottom = small_int(r);
        a->conv2d.pad_left = small_int(r);
        a->conv2d.pad_right = small_int(r);
        a->conv2d.groups = small_int(r);
        a->conv2d.act = (ops_act)small_int(r);
        break;
    case NN_OP_POOL2D:
        a->pool2d.kind = (ops_pool_kind)small_int(r);
        a->pool2d.kh = small_int(r);
        a->pool2d.kw = small_int(r);
        a->pool2d.stride_h = small_int(r);
        a->pool2d.stride_w = small_int(r);
        a->pool2d.padding = (nn_padding)small_int(r);
        a->pool2d.pad_top = small_int(r);
        a->pool2d.pad_bottom = small_int(r);
        a->pool2d.pad_left = small_int(r);
        a->pool2d.pad_right = small_int(r);
        a->pool2d.count_include_pad = small_int(r);
        break;
    case NN_OP_BATCHNORM:
    case NN_OP_L2NORM:
        a->eps = a_float(r);
        break;
    case NN_OP_DENSE:
    case NN_OP_ACT:
        a->act = (ops_act)small_int(r);
        break;
    case NN_OP_BINARY:
        a->binary = (ops_binary_kind)small_int(r);
        break;
    case NN_OP_PAD:
        a->pad.top = small_int(r);
        a->pad.bottom = small_int(r);
        a->pad.left = small_int(r);
        a->pad.right = small_int(r);
        a->pad.c_before = small_int(r);
        a->pad.c_after = small_int(r);
        break;
    case NN_OP_LRN:
        a->lrn.radius = small_int(r);
        a->lrn.bias = a_float(r);
        a->lrn.alpha = a_float(r);
        a->lrn.beta = a_float(r);
        break;
    case NN_OP_RESIZE_BILINEAR:
        a->resize.out_h = small_int(r);
        a->resize.out_w = small_int(r);
        a->resize.align_corners = small_int(r);
        break;
    case NN_OP_RESHAPE:
        a->reshape.h = small_int(r);
        a->reshape.w = small_int(r);
        a->reshape.c = small_int(r);
        break;
    default:
        break;
    }
}

/* Plan and run a validated graph whose values are all small. */
static void plan_and_run(nn_graph *g, reader *r)
{
    for (int v = 0; v < nn_graph_value_count(g); v++) {
        const nn_value *val = nn_graph_value(g, v);
        if (val->kind != NN_VALUE_CONST && nn_tensor_count(&val->shape) > MAX_ELEMS)
            return;
    }
    int batch = 1 + (int)(byte(r) % 2);
    nn_plan_opts po = {(int)(byte(r) % 2)};
    nn_plan *p;
    if (nn_plan_create(g, batch, &po, &p) != NN_OK) {
        if (nn_graph_error(g)[0] == '\0')
            abort();
        return;
    }
    int ni = nn_graph_input_count(g), no = nn_graph_output_count(g);
    const float **ins = calloc((size_t)ni, sizeof *ins);
    float **outs = calloc((size_t)no, sizeof *outs);
    if (!ins || !outs)
        abort();
    for (int k = 0; k < ni; k++) {
        nn_value_plan vp;
        nn_plan_value(p, nn_graph_input_value(g, k), &vp);
        float *buf = malloc(vp.bytes);
        if (!buf)
            abort();
        for (size_t e = 0; e < vp.bytes / sizeof(float); e++)
            buf[e] = (float)((int)(e % 13) - 6) * 0.25f;
        ins[k] = buf;
    }
    for (int k = 0; k < no; k++) {
        nn_value_plan vp;
        nn_plan_value(p, nn_graph_output_value(g, k), &vp);
        outs[k] = malloc(vp.bytes);
        if (!outs[k])
            abort();
    }
    if (nn_run(p, ins, outs) != NN_OK)
        abort();
    for (int k = 0; k < ni; k++)
        free((void *)ins[k]);
    for (int k = 0; k < no; k++)
        free(outs[k]);
    free(ins);
    free(outs);
    nn_plan_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    for (int i = 0; i < WBUF; i++)
        wbuf[i] = 0.25f + (float)(i % 7) * 0.125f;
    nn_graph *g;
    if (nn_graph_create(&g) != NN_OK)
        return 0;
    int n_in = 1 + (int)(byte(&r) % 2);
    for (int k = 0; k < n_in; k++)
        nn_input(g, "in", 1 + small_int(&r), 1 + small_int(&r), 1 + small_int(&r));
    int n_const = (int)(byte(&r) % 9);
    for (int k = 0; k < n_const; k++) {
        int ndim = 1 + (int)(byte(&r) % 4), dims[4];
        /* Mostly 1..2, so that weights often fit the activations (conv
         * and dense need exact channel counts). */
        for (int d = 0; d < ndim; d++) {
            unsigned b = byte(&r);
            dims[d] = 1 + (int)(b < 160 ? b % 2 : b % 8);
        }
        nn_const(g, "w", wbuf, ndim, dims);
    }
    /* Inputs each op usually has, so that most graphs get past arity. */
    static const int arity[NN_OP_COUNT + 1] = {3, 1, 1, 5, 3, 3, 1, 2, 2, 3, 1, 1, 1, 1, 1, 1};
    int n_nodes = (int)(byte(&r) % 24);
    /* The latest activation, a likely x for the next node. */
    int last = nn_graph_input_value(g, nn_graph_input_count(g) - 1);
    for (int i = 0; i < n_nodes; i++) {
        nn_op op = (nn_op)(byte(&r) % (NN_OP_COUNT + 1));
        unsigned form = byte(&r);
        int n = form < 160 ? arity[op] : (int)(form % 6), in[6];
        int nv = nn_graph_value_count(g);
        for (int k = 0; k < n; k++)
            in[k] = (int)(byte(&r) % (unsigned)(nv + 2)) - 1; /* NN_NONE .. nv (out of range) */
        if (form < 160 && n > 0 && last >= 0)
            in[0] = last;
        int out = byte(&r) < 240 ? nn_declare(g, "v")
                                 : (int)(byte(&r) % (unsigned)(nv > 0 ? nv : 1));
        nn_attr a;
        fill_attr(&r, op, &a);
        if (nn_node_add(g, op, "n", in, n, out, &a) == NN_OK)
            last = out;
    }
    int n_out = 1 + (int)(byte(&r) % 2);
    for (int k = 0; k < n_out; k++) {
        int nv = nn_graph_value_count(g);
        nn_output(g, k == 0 && last >= 0 ? last
                                         : nv > 0 ? nv - 1 - (int)(byte(&r) % (unsigned)nv) : 0);
    }
    nn_status s = nn_graph_validate(g);
    if (s != NN_OK) {
        /* Every rejection says why. */
        if (nn_graph_error(g)[0] == '\0')
            abort();
    } else {
        plan_and_run(g, &r);
    }
    nn_graph_destroy(g);
    return 0;
}

#ifndef FACENET_FUZZ
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            return 1;
        }
        static uint8_t buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        printf("%s: ok\n", argv[i]);
    }
    return 0;
}
#endif
