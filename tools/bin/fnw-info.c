/*
 * fnw-info - print a model file (.fnw): metadata, tensors, the graph as the
 * runtime builds it (shapes inferred by nn), parameter count, FLOPs and the
 * activation arena the memory planner needs.
 *
 *   fnw-info [--batch N] [--no-tensors] MODEL.fnw
 *
 * FLOPs count a multiply-add as 2: conv 2 * out * kh*kw*c_in/groups, dense
 * 2 * N * M * K, pooling one per window element, the rest one per output
 * element. Exit codes as tools/cli.h (3 when the file is refused, with the
 * reader's message naming the field and byte offset).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "tools/cli.h"
#include "weights/weights.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: fnw-info [--batch N] [--no-tensors] MODEL.fnw\n"
               "  --batch N      batch size for shapes, FLOPs and the arena (default 1)\n"
               "  --no-tensors   leave out the tensor table\n");
}

static const char *const order_names[] = {"RGB", "BGR", "GRAY"};
static const char *const pre_names[] = {"none", "(pixel - mean) / std", "per-image prewhiten"};
static const char *const act_names[] = {"", "relu", "relu6", "sigmoid", "tanh"};

static void shape_str(const nn_tensor *t, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int d = 0; d < t->ndim && used < n; d++) {
        int k = snprintf(buf + used, n - used, d ? "x%d" : "%d", t->dims[d]);
        if (k < 0) break;
        used += (size_t)k;
    }
}

static const char *act_name(ops_act a)
{
    return (unsigned)a < sizeof act_names / sizeof act_names[0] ? act_names[a] : "?";
}

/* Attributes worth reading in one line. */
static void attr_str(const nn_node *nd, const nn_graph *g, char *buf, size_t n)
{
    buf[0] = '\0';
    if (nd->op == NN_OP_CONV2D) {
        const nn_conv2d_attr *a = &nd->attr.conv2d;
        const nn_value *w = nn_graph_value(g, nd->inputs[1]);
        snprintf(buf, n, "%dx%d/%d pad %d,%d,%d,%d%s%s%s%s", w->shape.dims[1], w->shape.dims[2],
                 a->stride_h, a->pad_top, a->pad_bottom, a->pad_left, a->pad_right,
                 a->groups > 1 ? " grouped" : "", nd->n_inputs > 3 && nd->inputs[3] != NN_NONE ? " +residual" : "",
                 a->act ? " " : "", act_name(a->act));
    } else if (nd->op == NN_OP_POOL2D) {
        const nn_pool2d_attr *a = &nd->attr.pool2d;
        snprintf(buf, n, "%s %dx%d/%d pad %d,%d,%d,%d",
                 a->kind == OPS_POOL_MAX ? "max" : a->kind == OPS_POOL_AVG ? "avg" : "l2", a->kh,
                 a->kw, a->stride_h, a->pad_top, a->pad_bottom, a->pad_left, a->pad_right);
    } else if (nd->op == NN_OP_PAD) {
        const ops_pad_params *p = &nd->attr.pad;
        snprintf(buf, n, "pad %d,%d,%d,%d channels +%d,+%d", p->top, p->bottom, p->left, p->right,
                 p->c_before, p->c_after);
    } else if (nd->op == NN_OP_ACT || nd->op == NN_OP_DENSE) {
        snprintf(buf, n, "%s", act_name(nd->attr.act));
    } else if (nd->op == NN_OP_BINARY) {
        snprintf(buf, n, "%s", nd->attr.binary == OPS_ADD ? "add" : nd->attr.binary == OPS_SUB ? "sub" : "mul");
    }
}

static double node_flops(const nn_node *nd, const nn_plan *p, const nn_graph *g)
{
    nn_value_plan out, in;
    nn_plan_value(p, nd->output, &out);
    double o = (double)out.bytes / sizeof(float);
    switch (nd->op) {
    case NN_OP_CONV2D: {
        const nn_value *w = nn_graph_value(g, nd->inputs[1]);
        return 2.0 * o * w->shape.dims[1] * w->shape.dims[2] * w->shape.dims[3];
    }
    case NN_OP_DENSE: {
        const nn_value *w = nn_graph_value(g, nd->inputs[1]);
        return 2.0 * o * w->shape.dims[1];
    }
    case NN_OP_POOL2D: return o * nd->attr.pool2d.kh * nd->attr.pool2d.kw;
    case NN_OP_GLOBAL_AVGPOOL:
        nn_plan_value(p, nd->inputs[0], &in);
        return (double)in.bytes / sizeof(float);
    case NN_OP_RESHAPE: return 0;
    default: return o;
    }
}

int main(int argc, char **argv)
{
    int batch = 1, tensors = 1;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > NN_MAX_BATCH) {
                fprintf(stderr, "fnw-info: --batch %s: want 1..%d\n", argv[i], NN_MAX_BATCH);
                return CLI_EXIT_USAGE;
            }
            batch = (int)v;
        } else if (!strcmp(argv[i], "--no-tensors")) {
            tensors = 0;
        } else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "fnw-info: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return CLI_EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    wts_model *m;
    wts_err err;
    wts_status s = wts_load(path, &m, &err);
    if (s != WTS_OK) {
        fprintf(stderr, "fnw-info: %s\n", err.msg);
        return CLI_EXIT_FATAL;
    }
    const wts_meta *me = &m->meta;
    printf("file      %s (%llu bytes, %s)\n", path, (unsigned long long)m->file_size,
           m->mapped ? "mapped" : "read");
    printf("model     %s\n", me->name);
    printf("input     %dx%dx%d %s, preprocess %s", me->input_h, me->input_w, me->input_c,
           order_names[me->channel_order], pre_names[me->preprocess]);
    if (me->preprocess == WTS_PRE_MEAN_STD) {
        printf(": mean");
        for (int c = 0; c < me->input_c; c++) printf(" %g", (double)me->mean[c]);
        printf(", std");
        for (int c = 0; c < me->input_c; c++) printf(" %g", (double)me->std[c]);
    }
    printf("\noutput    %d values, %s distance%s, same person below %g\n", me->output_dim,
           me->metric == WTS_EUCLIDEAN ? "euclidean" : "cosine",
           me->l2_normalise ? " of L2-normalised embeddings" : "", (double)me->threshold);
    printf("source    %s\nlicence   %s\nproducer  %s\n", me->source, me->licence, me->producer);

    size_t params = 0, bytes = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        params += m->tensors[i].count;
        bytes += (size_t)m->tensors[i].size;
    }
    printf("\ntensors   %d, %zu parameters, %zu bytes\n", m->n_tensors, params, bytes);
    if (tensors) {
        printf("  %4s  %-36s %-5s %-16s %10s %10s\n", "#", "name", "dtype", "dims", "offset", "bytes");
        for (int i = 0; i < m->n_tensors; i++) {
            const wts_tensor *t = &m->tensors[i];
            char dims[64] = "";
            size_t used = 0;
            for (int d = 0; d < t->rank; d++)
                used += (size_t)snprintf(dims + used, sizeof dims - used, d ? "x%d" : "%d", t->dims[d]);
            printf("  %4d  %-36s %-5s %-16s %10llu %10llu\n", i, t->name, wts_dtype_name(t->dtype),
                   dims, (unsigned long long)t->offset, (unsigned long long)t->size);
        }
    }

    nn_graph *g;
    s = wts_build_graph(m, path, &g, &err);
    if (s != WTS_OK) {
        fprintf(stderr, "fnw-info: %s\n", err.msg);
        wts_free(m);
        return CLI_EXIT_FATAL;
    }
    nn_plan *p;
    if (nn_plan_create(g, batch, NULL, &p) != NN_OK) {
        fprintf(stderr, "fnw-info: %s: plan: %s\n", path, nn_graph_error(g));
        nn_graph_destroy(g);
        wts_free(m);
        return CLI_EXIT_FATAL;
    }
    printf("\ngraph     %d nodes in the file, %d in the runtime graph (batch %d)\n", m->n_nodes,
           nn_graph_node_count(g), batch);
    printf("  %4s  %-15s %-34s %-14s %-36s %9s\n", "#", "op", "name", "output", "attributes",
           "MFLOP");
    double total = 0;
    for (int i = 0; i < nn_graph_node_count(g); i++) {
        const nn_node *nd = nn_graph_node(g, i);
        nn_value_plan vp;
        nn_plan_value(p, nd->output, &vp);
        char shape[48], attrs[96];
        shape_str(&vp.shape, shape, sizeof shape);
        attr_str(nd, g, attrs, sizeof attrs);
        double f = node_flops(nd, p, g);
        total += f;
        printf("  %4d  %-15s %-34s %-14s %-36s %9.2f\n", i, nn_op_name(nd->op), nd->name, shape,
               attrs, f / 1e6);
    }
    printf("\nFLOPs     %.3f G per batch of %d (%.3f G per image)\n", total / 1e9, batch,
           total / 1e9 / batch);
    printf("arena     %zu bytes for every activation (%zu without reuse)\n",
           nn_plan_arena_bytes(p), nn_plan_tensor_bytes(p));
    nn_plan_destroy(p);
    nn_graph_destroy(g);
    wts_free(m);
    return CLI_EXIT_OK;
}
