/*
 * graph.c - a loaded .fnw model as an nn graph (nn/nn.h).
 *
 * Every tensor becomes an nn constant viewing the model's float data (no
 * copy: the model must outlive the graph); every node becomes the nn node of
 * the same operator, attributes translated one to one (FORMAT.md's operator
 * table was written against ops/ops.h, as nn's was). Absent optional inputs
 * stay absent. DENSE reads its input flattened (FORMAT.md), so a flatten (a
 * view in nn) is put in front of it. Then nn validates the whole graph and
 * infers its shapes; the model's input and output sizes must agree with its
 * metadata.
 */
#include "weights/weights_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) /* calls checked against the format; clang -Wformat-nonliteral */
__attribute__((format(printf, 3, 4)))
#endif
static wts_status gfail(wts_err *err, wts_status s, const char *fmt, ...)
{
    if (!err) return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return s;
}

static nn_attr node_attr(const wts_node *n)
{
    nn_attr a;
    memset(&a, 0, sizeof a);
    switch (n->op) {
    case WTS_OP_CONV2D:
        a.conv2d = nn_conv2d_attr_default();
        a.conv2d.stride_h = wts_attr_int(n, WTS_A_STRIDE_H, 1);
        a.conv2d.stride_w = wts_attr_int(n, WTS_A_STRIDE_W, 1);
        a.conv2d.dil_h = wts_attr_int(n, WTS_A_DIL_H, 1);
        a.conv2d.dil_w = wts_attr_int(n, WTS_A_DIL_W, 1);
        a.conv2d.padding = NN_PADDING_EXPLICIT;
        a.conv2d.pad_top = wts_attr_int(n, WTS_A_PAD_TOP, 0);
        a.conv2d.pad_bottom = wts_attr_int(n, WTS_A_PAD_BOTTOM, 0);
        a.conv2d.pad_left = wts_attr_int(n, WTS_A_PAD_LEFT, 0);
        a.conv2d.pad_right = wts_attr_int(n, WTS_A_PAD_RIGHT, 0);
        a.conv2d.groups = wts_attr_int(n, WTS_A_GROUPS, 1);
        a.conv2d.act = (ops_act)wts_attr_int(n, WTS_A_ACT, OPS_ACT_NONE);
        break;
    case WTS_OP_POOL2D:
        a.pool2d.kind = (ops_pool_kind)wts_attr_int(n, WTS_A_POOL, OPS_POOL_MAX);
        a.pool2d.kh = wts_attr_int(n, WTS_A_KERNEL_H, 1);
        a.pool2d.kw = wts_attr_int(n, WTS_A_KERNEL_W, 1);
        a.pool2d.stride_h = wts_attr_int(n, WTS_A_STRIDE_H, 1);
        a.pool2d.stride_w = wts_attr_int(n, WTS_A_STRIDE_W, 1);
        a.pool2d.padding = NN_PADDING_EXPLICIT;
        a.pool2d.pad_top = wts_attr_int(n, WTS_A_PAD_TOP, 0);
        a.pool2d.pad_bottom = wts_attr_int(n, WTS_A_PAD_BOTTOM, 0);
        a.pool2d.pad_left = wts_attr_int(n, WTS_A_PAD_LEFT, 0);
        a.pool2d.pad_right = wts_attr_int(n, WTS_A_PAD_RIGHT, 0);
        a.pool2d.count_include_pad = wts_attr_int(n, WTS_A_COUNT_INCLUDE_PAD, 0);
        break;
    case WTS_OP_BATCHNORM:
    case WTS_OP_L2NORM: a.eps = wts_attr_float(n, WTS_A_EPS, 0.0f); break;
    case WTS_OP_DENSE:
    case WTS_OP_ACT: a.act = (ops_act)wts_attr_int(n, WTS_A_ACT, OPS_ACT_NONE); break;
    case WTS_OP_BINARY: a.binary = (ops_binary_kind)wts_attr_int(n, WTS_A_BINARY, OPS_ADD); break;
    case WTS_OP_PAD:
        a.pad.top = wts_attr_int(n, WTS_A_PAD_TOP, 0);
        a.pad.bottom = wts_attr_int(n, WTS_A_PAD_BOTTOM, 0);
        a.pad.left = wts_attr_int(n, WTS_A_PAD_LEFT, 0);
        a.pad.right = wts_attr_int(n, WTS_A_PAD_RIGHT, 0);
        a.pad.c_before = wts_attr_int(n, WTS_A_C_BEFORE, 0);
        a.pad.c_after = wts_attr_int(n, WTS_A_C_AFTER, 0);
        break;
    case WTS_OP_LRN:
        a.lrn.radius = wts_attr_int(n, WTS_A_RADIUS, 0);
        a.lrn.bias = wts_attr_float(n, WTS_A_LRN_BIAS, 1.0f);
        a.lrn.alpha = wts_attr_float(n, WTS_A_ALPHA, 0.0f);
        a.lrn.beta = wts_attr_float(n, WTS_A_BETA, 0.0f);
        break;
    case WTS_OP_RESIZE_BILINEAR:
        a.resize.out_h = wts_attr_int(n, WTS_A_OUT_H, 1);
        a.resize.out_w = wts_attr_int(n, WTS_A_OUT_W, 1);
        a.resize.align_corners = wts_attr_int(n, WTS_A_ALIGN_CORNERS, 0);
        break;
    case WTS_OP_GLOBAL_AVGPOOL:
    case WTS_OP_AFFINE:
    case WTS_OP_PRELU:
    case WTS_OP_CONCAT: break;
    }
    return a;
}

static nn_op node_op(wts_op op)
{
    switch (op) {
    case WTS_OP_CONV2D: return NN_OP_CONV2D;
    case WTS_OP_POOL2D: return NN_OP_POOL2D;
    case WTS_OP_GLOBAL_AVGPOOL: return NN_OP_GLOBAL_AVGPOOL;
    case WTS_OP_BATCHNORM: return NN_OP_BATCHNORM;
    case WTS_OP_AFFINE: return NN_OP_AFFINE;
    case WTS_OP_DENSE: return NN_OP_DENSE;
    case WTS_OP_ACT: return NN_OP_ACT;
    case WTS_OP_PRELU: return NN_OP_PRELU;
    case WTS_OP_BINARY: return NN_OP_BINARY;
    case WTS_OP_CONCAT: return NN_OP_CONCAT;
    case WTS_OP_PAD: return NN_OP_PAD;
    case WTS_OP_LRN: return NN_OP_LRN;
    case WTS_OP_L2NORM: return NN_OP_L2NORM;
    case WTS_OP_RESIZE_BILINEAR: return NN_OP_RESIZE_BILINEAR;
    }
    return NN_OP_COUNT;
}

/* Fill g from m; ids maps file value ids to nn value ids. */
static wts_status fill(const wts_model *m, nn_graph *g, int *ids, const char *file, wts_err *err)
{
    for (int i = 0; i < m->n_tensors; i++) {
        const wts_tensor *t = &m->tensors[i];
        ids[i] = nn_const(g, t->name, t->f32, t->rank, t->dims);
    }
    for (int i = 0; i < m->n_inputs; i++) {
        const wts_io *io = &m->inputs[i];
        ids[io->value] = nn_input(g, io->name, io->dims[1], io->dims[2], io->dims[3]);
    }
    for (int i = 0; i < m->n_nodes && nn_graph_status(g) == NN_OK; i++) {
        const wts_node *n = &m->nodes[i];
        int in[NN_MAX_INPUTS];
        int n_in = n->n_inputs;
        /* trailing absent inputs are left out, as nn's builders do */
        while (n_in > 0 && n->inputs[n_in - 1] == WTS_NONE) n_in--;
        for (int j = 0; j < n_in; j++)
            in[j] = n->inputs[j] == WTS_NONE ? NN_NONE : ids[n->inputs[j]];
        if (n->op == WTS_OP_DENSE) {
            char name[NN_NAME_MAX];
            snprintf(name, sizeof name, "%.50s/flatten", n->name);
            in[0] = nn_flatten(g, name, in[0]);
        }
        nn_attr a = node_attr(n);
        int out = nn_declare(g, n->name);
        if (out == NN_NONE) break;
        nn_node_add(g, node_op(n->op), n->name, in, n_in, out, &a);
        ids[n->outputs[0]] = out;
    }
    for (int i = 0; i < m->n_outputs && nn_graph_status(g) == NN_OK; i++)
        nn_output(g, ids[m->outputs[i].value]);
    if (nn_graph_status(g) == NN_OK) nn_graph_validate(g);
    if (nn_graph_status(g) != NN_OK)
        return gfail(err, WTS_EGRAPH, "%s: graph: %s: %s", file, nn_strerror(nn_graph_status(g)),
                     nn_graph_error(g));

    const nn_value *in0 = nn_graph_value(g, nn_graph_input_value(g, 0));
    if (in0->shape.dims[1] != m->meta.input_h || in0->shape.dims[2] != m->meta.input_w ||
        in0->shape.dims[3] != m->meta.input_c)
        return gfail(err, WTS_EGRAPH,
                     "%s: graph.inputs[0] '%s' is %dx%dx%d but meta says %dx%dx%d", file,
                     in0->name, in0->shape.dims[1], in0->shape.dims[2], in0->shape.dims[3],
                     m->meta.input_h, m->meta.input_w, m->meta.input_c);
    const nn_value *out0 = nn_graph_value(g, nn_graph_output_value(g, 0));
    size_t per_sample = (size_t)out0->shape.dims[1] * out0->shape.dims[2] * out0->shape.dims[3];
    if (per_sample != (size_t)m->meta.output_dim)
        return gfail(err, WTS_EGRAPH,
                     "%s: graph.outputs[0] '%s' has %zu values per sample but meta.output_dim is %d",
                     file, out0->name, per_sample, m->meta.output_dim);
    return WTS_OK;
}

wts_status wts_build_graph(const wts_model *m, const char *file, nn_graph **out, wts_err *err)
{
    if (!m || !out) return WTS_EINVAL;
    if (!file) file = "(model)";
    int *ids = malloc(sizeof *ids * (m->n_values ? m->n_values : 1));
    nn_graph *g = NULL;
    if (!ids || nn_graph_create(&g) != NN_OK) {
        free(ids);
        return gfail(err, WTS_ENOMEM, "%s: out of memory building the graph", file);
    }
    for (uint32_t v = 0; v < m->n_values; v++) ids[v] = NN_NONE;
    wts_status s = fill(m, g, ids, file, err);
    free(ids);
    if (s != WTS_OK) {
        nn_graph_destroy(g);
        return s;
    }
    *out = g;
    return WTS_OK;
}
