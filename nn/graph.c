/*
 * graph.c - building a graph, validating it and inferring its shapes.
 *
 * Values and nodes live in growable arrays owned by the graph; weights are
 * never copied. Validation walks the nodes once in order: a node may only
 * read graph inputs, constants and values of earlier nodes, so a graph read
 * from a file with a cycle (or merely out of order) is rejected at the first
 * node that reads a value not yet produced. Shapes are per sample (N = 1);
 * the plan multiplies in the batch.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

const char *nn_strerror(nn_status s)
{
    switch (s) {
    case NN_OK: return "ok";
    case NN_ERR_ARG: return "bad argument";
    case NN_ERR_NOMEM: return "out of memory";
    case NN_ERR_GRAPH: return "bad graph structure";
    case NN_ERR_SHAPE: return "shape mismatch";
    case NN_ERR_ATTR: return "bad attribute";
    case NN_ERR_WEIGHTS: return "bad weights";
    case NN_ERR_LIMIT: return "size over a limit";
    }
    return "unknown status";
}

static const char *const op_names[NN_OP_COUNT] = {
    "conv2d", "pool2d", "global_avgpool", "batchnorm", "affine",
    "dense", "act", "prelu", "binary", "concat",
    "pad", "lrn", "l2norm", "resize_bilinear", "reshape",
};

const char *nn_op_name(nn_op op)
{
    if ((int)op < 0 || op >= NN_OP_COUNT)
        return "?";
    return op_names[op];
}

/* What each input slot of an op accepts:
 *   'x' activation, required      'a' activation, optional
 *   'w' constant, required        'o' constant, optional
 *   'b' activation or constant, required
 * Concat is variadic: every slot 'x'. */
typedef struct op_spec {
    int min_in, max_in;
    const char *slots;
    const char *slot_names[5];
} op_spec;

static const op_spec op_specs[NN_OP_COUNT] = {
    [NN_OP_CONV2D] = {2, 4, "xwoa", {"x", "weights", "bias", "residual", NULL}},
    [NN_OP_POOL2D] = {1, 1, "x", {"x", NULL, NULL, NULL, NULL}},
    [NN_OP_GLOBAL_AVGPOOL] = {1, 1, "x", {"x", NULL, NULL, NULL, NULL}},
    [NN_OP_BATCHNORM] = {5, 5, "xwwww", {"x", "mean", "var", "gamma", "beta"}},
    [NN_OP_AFFINE] = {1, 3, "xoo", {"x", "scale", "shift", NULL, NULL}},
    [NN_OP_DENSE] = {2, 3, "xwo", {"x", "weights", "bias", NULL, NULL}},
    [NN_OP_ACT] = {1, 1, "x", {"x", NULL, NULL, NULL, NULL}},
    [NN_OP_PRELU] = {2, 2, "xw", {"x", "slope", NULL, NULL, NULL}},
    [NN_OP_BINARY] = {2, 2, "xb", {"a", "b", NULL, NULL, NULL}},
    [NN_OP_CONCAT] = {1, NN_MAX_INPUTS, NULL, {NULL, NULL, NULL, NULL, NULL}},
    [NN_OP_PAD] = {1, 1, "x", {"x", NULL, NULL, NULL, NULL}},
    [NN_OP_LRN] = {1, 1, "x", {"x", NULL, NULL, NULL, NULL}},
    [NN_OP_L2NORM] = {1, 1, "x", {"x", NULL, NULL, NULL, NULL}},
    [NN_OP_RESIZE_BILINEAR] = {1, 1, "x", {"x", NULL, NULL, NULL, NULL}},
    [NN_OP_RESHAPE] = {1, 1, "x", {"x", NULL, NULL, NULL, NULL}},
};

int nn_op_elementwise_inplace(nn_op op)
{
    switch (op) {
    case NN_OP_BATCHNORM:
    case NN_OP_AFFINE:
    case NN_OP_ACT:
    case NN_OP_PRELU:
    case NN_OP_BINARY:
    case NN_OP_L2NORM:
        return 1;
    default:
        return 0;
    }
}

size_t nn_tensor_count(const nn_tensor *t)
{
    if (t->ndim < 1 || t->ndim > NN_MAX_DIMS)
        return 0;
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= (size_t)t->dims[i];
    return n;
}

/* ---- errors ---------------------------------------------------------------- */

nn_status nn_graph_fail(nn_graph *g, nn_status s, const char *fmt, ...)
{
    if (g->status != NN_OK)
        return g->status;
    g->status = s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err, sizeof g->err, fmt, ap);
    va_end(ap);
    return s;
}

nn_status nn_graph_plan_fail(nn_graph *g, nn_status s, const char *fmt, ...)
{
    if (g->status != NN_OK)
        return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err, sizeof g->err, fmt, ap);
    va_end(ap);
    return s;
}

nn_status nn_graph_status(const nn_graph *g) { return g->status; }
const char *nn_graph_error(const nn_graph *g) { return g->err; }

void nn_node_label(const nn_graph *g, int i, char *buf, size_t cap)
{
    const nn_node *nd = &g->nodes[i];
    snprintf(buf, cap, "node #%d '%s' (%s)", i, nd->name, nn_op_name(nd->op));
}

/* ---- creation -------------------------------------------------------------- */

nn_status nn_graph_create(nn_graph **out)
{
    if (!out)
        return NN_ERR_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? NN_OK : NN_ERR_NOMEM;
}

void nn_graph_destroy(nn_graph *g)
{
    if (!g)
        return;
    free(g->values);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g);
}

/* Make room for one more element in a growable array. */
static int grow(void **arr, int *cap, int n, size_t elem)
{
    if (n < *cap)
        return 1;
    if (*cap > (1 << 24))
        return 0;
    int ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return 0;
    *arr = p;
    *cap = ncap;
    return 1;
}

static void copy_name(char *dst, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= NN_NAME_MAX)
        n = NN_NAME_MAX - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* A new value, or -1 (failure recorded). */
static int add_value(nn_graph *g, nn_value_kind kind, const char *name)
{
    if (!grow((void **)&g->values, &g->cap_values, g->n_values, sizeof *g->values)) {
        nn_graph_fail(g, NN_ERR_NOMEM, "no memory for value '%s'", name ? name : "");
        return NN_NONE;
    }
    nn_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    v->kind = kind;
    copy_name(v->name, name);
    v->producer = -1;
    v->input_index = -1;
    v->output_index = -1;
    g->validated = 0;
    return g->n_values++;
}

int nn_input(nn_graph *g, const char *name, int h, int w, int c)
{
    if (!g || g->status != NN_OK)
        return NN_NONE;
    const int d[3] = {h, w, c};
    for (int i = 0; i < 3; i++)
        if (d[i] < 1 || d[i] > NN_MAX_EXTENT) {
            nn_graph_fail(g, d[i] < 1 ? NN_ERR_ARG : NN_ERR_LIMIT,
                          "input '%s': dimension %d is %d, must be 1..%d", name ? name : "",
                          i + 1, d[i], NN_MAX_EXTENT);
            return NN_NONE;
        }
    if ((size_t)h * (size_t)w * (size_t)c > NN_MAX_ELEMS) {
        nn_graph_fail(g, NN_ERR_LIMIT, "input '%s': %dx%dx%d elements exceed %d", name ? name : "",
                      h, w, c, NN_MAX_ELEMS);
        return NN_NONE;
    }
    if (!grow((void **)&g->inputs, &g->cap_inputs, g->n_inputs, sizeof *g->inputs)) {
        nn_graph_fail(g, NN_ERR_NOMEM, "no memory for input '%s'", name ? name : "");
        return NN_NONE;
    }
    int v = add_value(g, NN_VALUE_INPUT, name);
    if (v < 0)
        return NN_NONE;
    nn_value *val = &g->values[v];
    val->shape = (nn_tensor){4, {1, h, w, c}};
    val->input_index = g->n_inputs;
    g->inputs[g->n_inputs++] = v;
    return v;
}

int nn_const(nn_graph *g, const char *name, const float *data, int ndim, const int *dims)
{
    if (!g || g->status != NN_OK)
        return NN_NONE;
    const char *nm = name ? name : "";
    if (!data || !dims || ndim < 1 || ndim > NN_MAX_DIMS) {
        nn_graph_fail(g, NN_ERR_ARG, "constant '%s': needs data and 1..%d dims (ndim %d)", nm,
                      NN_MAX_DIMS, ndim);
        return NN_NONE;
    }
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] < 1 || dims[i] > NN_MAX_EXTENT) {
            nn_graph_fail(g, dims[i] < 1 ? NN_ERR_WEIGHTS : NN_ERR_LIMIT,
                          "constant '%s': dims[%d] is %d, must be 1..%d", nm, i, dims[i],
                          NN_MAX_EXTENT);
            return NN_NONE;
        }
        count *= (size_t)dims[i];
        if (count > NN_MAX_ELEMS) {
            nn_graph_fail(g, NN_ERR_LIMIT, "constant '%s': more than %d elements", nm,
                          NN_MAX_ELEMS);
            return NN_NONE;
        }
    }
    int v = add_value(g, NN_VALUE_CONST, name);
    if (v < 0)
        return NN_NONE;
    nn_value *val = &g->values[v];
    val->shape.ndim = ndim;
    for (int i = 0; i < ndim; i++)
        val->shape.dims[i] = dims[i];
    val->data = data;
    return v;
}

int nn_const_vec(nn_graph *g, const char *name, const float *data, int len)
{
    return nn_const(g, name, data, 1, &len);
}

int nn_declare(nn_graph *g, const char *name)
{
    if (!g || g->status != NN_OK)
        return NN_NONE;
    return add_value(g, NN_VALUE_NODE, name);
}

nn_status nn_node_add(nn_graph *g, nn_op op, const char *name, const int *inputs,
                      int n_inputs, int output, const nn_attr *attr)
{
    if (!g)
        return NN_ERR_ARG;
    if (g->status != NN_OK)
        return g->status;
    const char *nm = name ? name : "";
    int idx = g->n_nodes;
    if ((int)op < 0 || op >= NN_OP_COUNT)
        return nn_graph_fail(g, NN_ERR_GRAPH, "node #%d '%s': unknown op %d", idx, nm, (int)op);
    if (n_inputs < 0 || n_inputs > NN_MAX_INPUTS || (n_inputs > 0 && !inputs))
        return nn_graph_fail(g, NN_ERR_GRAPH, "node #%d '%s' (%s): %d inputs, at most %d", idx,
                             nm, nn_op_name(op), n_inputs, NN_MAX_INPUTS);
    for (int k = 0; k < n_inputs; k++)
        if (inputs[k] != NN_NONE && (inputs[k] < 0 || inputs[k] >= g->n_values))
            return nn_graph_fail(g, NN_ERR_GRAPH,
                                 "node #%d '%s' (%s): input %d is value id %d, not in 0..%d", idx,
                                 nm, nn_op_name(op), k, inputs[k], g->n_values - 1);
    if (output < 0 || output >= g->n_values)
        return nn_graph_fail(g, NN_ERR_GRAPH,
                             "node #%d '%s' (%s): output is value id %d, not in 0..%d", idx, nm,
                             nn_op_name(op), output, g->n_values - 1);
    nn_value *ov = &g->values[output];
    if (ov->kind != NN_VALUE_NODE)
        return nn_graph_fail(g, NN_ERR_GRAPH,
                             "node #%d '%s' (%s): output '%s' is a graph %s, not a node's value",
                             idx, nm, nn_op_name(op), ov->name,
                             ov->kind == NN_VALUE_INPUT ? "input" : "constant");
    if (ov->producer >= 0)
        return nn_graph_fail(g, NN_ERR_GRAPH,
                             "node #%d '%s' (%s): output '%s' is already produced by node #%d '%s'",
                             idx, nm, nn_op_name(op), ov->name, ov->producer,
                             g->nodes[ov->producer].name);
    if (!grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes, sizeof *g->nodes))
        return nn_graph_fail(g, NN_ERR_NOMEM, "no memory for node '%s'", nm);
    nn_node *nd = &g->nodes[idx];
    memset(nd, 0, sizeof *nd);
    nd->op = op;
    copy_name(nd->name, name);
    nd->n_inputs = n_inputs;
    for (int k = 0; k < n_inputs; k++)
        nd->inputs[k] = inputs[k];
    nd->output = output;
    if (attr)
        nd->attr = *attr;
    ov->producer = idx;
    g->n_nodes++;
    g->validated = 0;
    return NN_OK;
}

nn_status nn_output(nn_graph *g, int v)
{
    if (!g)
        return NN_ERR_ARG;
    if (g->status != NN_OK)
        return g->status;
    if (v < 0 || v >= g->n_values)
        return nn_graph_fail(g, NN_ERR_GRAPH, "graph output: value id %d not in 0..%d", v,
                             g->n_values - 1);
    nn_value *val = &g->values[v];
    if (val->kind == NN_VALUE_CONST)
        return nn_graph_fail(g, NN_ERR_GRAPH,
                             "graph output '%s' is a constant; outputs must be activations",
                             val->name);
    if (val->output_index >= 0)
        return nn_graph_fail(g, NN_ERR_GRAPH, "value '%s' is marked as a graph output twice",
                             val->name);
    if (!grow((void **)&g->outputs, &g->cap_outputs, g->n_outputs, sizeof *g->outputs))
        return nn_graph_fail(g, NN_ERR_NOMEM, "no memory for output '%s'", val->name);
    val->output_index = g->n_outputs;
    g->outputs[g->n_outputs++] = v;
    g->validated = 0;
    return NN_OK;
}

/* ---- builders -------------------------------------------------------------- */

static int build(nn_graph *g, nn_op op, const char *name, const int *inputs, int n,
                 const nn_attr *attr)
{
    if (!g || g->status != NN_OK)
        return NN_NONE;
    int v = nn_declare(g, name);
    if (v < 0)
        return NN_NONE;
    return nn_node_add(g, op, name, inputs, n, v, attr) == NN_OK ? v : NN_NONE;
}

nn_conv2d_attr nn_conv2d_attr_default(void)
{
    nn_conv2d_attr a;
    memset(&a, 0, sizeof a);
    a.stride_h = a.stride_w = 1;
    a.dil_h = a.dil_w = 1;
    a.padding = NN_PADDING_VALID;
    a.groups = 1;
    a.act = OPS_ACT_NONE;
    return a;
}

int nn_conv2d(nn_graph *g, const char *name, int x, int w, int bias, int stride,
              nn_padding padding, ops_act act)
{
    nn_conv2d_attr a = nn_conv2d_attr_default();
    a.stride_h = a.stride_w = stride;
    a.padding = padding;
    a.act = act;
    return nn_conv2d_ex(g, name, x, w, bias, NN_NONE, &a);
}

int nn_conv2d_ex(nn_graph *g, const char *name, int x, int w, int bias, int residual,
                 const nn_conv2d_attr *a)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    if (a)
        at.conv2d = *a;
    const int in[4] = {x, w, bias, residual};
    int n = residual != NN_NONE ? 4 : bias != NN_NONE ? 3 : 2;
    return build(g, NN_OP_CONV2D, name, in, n, &at);
}

static int pool_simple(nn_graph *g, const char *name, int x, ops_pool_kind kind, int k,
                       int stride, nn_padding padding)
{
    nn_pool2d_attr a;
    memset(&a, 0, sizeof a);
    a.kind = kind;
    a.kh = a.kw = k;
    a.stride_h = a.stride_w = stride;
    a.padding = padding;
    a.count_include_pad = 0;
    return nn_pool2d_ex(g, name, x, &a);
}

int nn_maxpool(nn_graph *g, const char *name, int x, int k, int stride, nn_padding padding)
{
    return pool_simple(g, name, x, OPS_POOL_MAX, k, stride, padding);
}

int nn_avgpool(nn_graph *g, const char *name, int x, int k, int stride, nn_padding padding)
{
    return pool_simple(g, name, x, OPS_POOL_AVG, k, stride, padding);
}

int nn_pool2d_ex(nn_graph *g, const char *name, int x, const nn_pool2d_attr *a)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    if (a)
        at.pool2d = *a;
    return build(g, NN_OP_POOL2D, name, &x, 1, &at);
}

int nn_global_avgpool(nn_graph *g, const char *name, int x)
{
    return build(g, NN_OP_GLOBAL_AVGPOOL, name, &x, 1, NULL);
}

int nn_batchnorm(nn_graph *g, const char *name, int x, int mean, int var, int gamma,
                 int beta, float eps)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.eps = eps;
    const int in[5] = {x, mean, var, gamma, beta};
    return build(g, NN_OP_BATCHNORM, name, in, 5, &at);
}

int nn_affine(nn_graph *g, const char *name, int x, int scale, int shift)
{
    const int in[3] = {x, scale, shift};
    return build(g, NN_OP_AFFINE, name, in, 3, NULL);
}

int nn_dense(nn_graph *g, const char *name, int x, int w, int bias, ops_act act)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.act = act;
    const int in[3] = {x, w, bias};
    return build(g, NN_OP_DENSE, name, in, bias != NN_NONE ? 3 : 2, &at);
}

int nn_act(nn_graph *g, const char *name, int x, ops_act act)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.act = act;
    return build(g, NN_OP_ACT, name, &x, 1, &at);
}

int nn_prelu(nn_graph *g, const char *name, int x, int slope)
{
    const int in[2] = {x, slope};
    return build(g, NN_OP_PRELU, name, in, 2, NULL);
}

int nn_binary(nn_graph *g, const char *name, ops_binary_kind kind, int a, int b)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.binary = kind;
    const int in[2] = {a, b};
    return build(g, NN_OP_BINARY, name, in, 2, &at);
}

int nn_add(nn_graph *g, const char *name, int a, int b)
{
    return nn_binary(g, name, OPS_ADD, a, b);
}

int nn_concat(nn_graph *g, const char *name, const int *xs, int n)
{
    return build(g, NN_OP_CONCAT, name, xs, n, NULL);
}

int nn_pad(nn_graph *g, const char *name, int x, const ops_pad_params *p)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    if (p)
        at.pad = *p;
    return build(g, NN_OP_PAD, name, &x, 1, &at);
}

int nn_lrn(nn_graph *g, const char *name, int x, const nn_lrn_attr *a)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    if (a)
        at.lrn = *a;
    return build(g, NN_OP_LRN, name, &x, 1, &at);
}

int nn_l2norm(nn_graph *g, const char *name, int x, float eps)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.eps = eps;
    return build(g, NN_OP_L2NORM, name, &x, 1, &at);
}

int nn_resize_bilinear(nn_graph *g, const char *name, int x, int out_h, int out_w,
                       int align_corners)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.resize.out_h = out_h;
    at.resize.out_w = out_w;
    at.resize.align_corners = align_corners;
    return build(g, NN_OP_RESIZE_BILINEAR, name, &x, 1, &at);
}

int nn_reshape(nn_graph *g, const char *name, int x, int h, int w, int c)
{
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.reshape.h = h;
    at.reshape.w = w;
    at.reshape.c = c;
    return build(g, NN_OP_RESHAPE, name, &x, 1, &at);
}

int nn_flatten(nn_graph *g, const char *name, int x)
{
    return nn_reshape(g, name, x, 1, 1, -1);
}

/* ---- read access ----------------------------------------------------------- */

int nn_graph_node_count(const nn_graph *g) { return g->n_nodes; }
int nn_graph_value_count(const nn_graph *g) { return g->n_values; }
int nn_graph_input_count(const nn_graph *g) { return g->n_inputs; }
int nn_graph_output_count(const nn_graph *g) { return g->n_outputs; }

const nn_node *nn_graph_node(const nn_graph *g, int i)
{
    return i >= 0 && i < g->n_nodes ? &g->nodes[i] : NULL;
}

const nn_value *nn_graph_value(const nn_graph *g, int v)
{
    return v >= 0 && v < g->n_values ? &g->values[v] : NULL;
}

int nn_graph_input_value(const nn_graph *g, int k)
{
    return k >= 0 && k < g->n_inputs ? g->inputs[k] : NN_NONE;
}

int nn_graph_output_value(const nn_graph *g, int k)
{
    return k >= 0 && k < g->n_outputs ? g->outputs[k] : NN_NONE;
}

/* ---- validation and shape inference ---------------------------------------- */

void nn_resolve_pads(nn_padding mode, int pt, int pb, int pl, int pr, int in_h, int in_w,
                     int kh, int kw, int sh, int sw, int dh, int dw, int pads[4])
{
    if (mode == NN_PADDING_SAME) {
        ops_same_pads(in_h, kh, sh, dh, &pads[0], &pads[1]);
        ops_same_pads(in_w, kw, sw, dw, &pads[2], &pads[3]);
    } else if (mode == NN_PADDING_VALID) {
        pads[0] = pads[1] = pads[2] = pads[3] = 0;
    } else {
        pads[0] = pt;
        pads[1] = pb;
        pads[2] = pl;
        pads[3] = pr;
    }
}

/* State of one node's check: the node, its label for messages, the shape of
 * its input 0 (per sample) and the output shape being inferred. */
typedef struct check {
    nn_graph *g;
    int idx;
    const nn_node *nd;
    char label[NN_NAME_MAX + 48];
    int h, w, c;    /* input 0 */
    int oh, ow, oc; /* inferred output */
} check;

static const nn_value *in_val(const check *k, int slot)
{
    return &k->g->values[k->nd->inputs[slot]];
}

static int has_in(const check *k, int slot)
{
    return slot < k->nd->n_inputs && k->nd->inputs[slot] != NN_NONE;
}

static const char *slot_name(const check *k, int slot)
{
    const op_spec *sp = &op_specs[k->nd->op];
    if (sp->slots && slot < 5 && sp->slot_names[slot])
        return sp->slot_names[slot];
    return "x";
}

/* Constant in `slot` must hold exactly `want` elements (any ndim). */
static nn_status want_count(check *k, int slot, int want, const char *what)
{
    const nn_value *v = in_val(k, slot);
    size_t n = nn_tensor_count(&v->shape);
    if (n != (size_t)want)
        return nn_graph_fail(k->g, NN_ERR_WEIGHTS,
                             "%s: input %d (%s) '%s' has %zu elements, expected %d (%s)",
                             k->label, slot, slot_name(k, slot), v->name, n, want, what);
    return NN_OK;
}

static int act_ok(ops_act a) { return (int)a >= OPS_ACT_NONE && a <= OPS_ACT_TANH; }

static nn_status bad_attr(check *k, const char *what, long long seen, const char *rule)
{
    return nn_graph_fail(k->g, NN_ERR_ATTR, "%s: attribute %s is %lld, must be %s", k->label,
                         what, seen, rule);
}

/* Range checks shared by conv and pool windows. */
static nn_status check_window(check *k, int kh, int kw, int sh, int sw, int dh, int dw,
                              nn_padding mode, const int pad_in[4])
{
    static const char *const pad_names[4] = {"pad_top", "pad_bottom", "pad_left", "pad_right"};
    if (sh < 1 || sh > NN_MAX_EXTENT)
        return bad_attr(k, "stride_h", sh, "1..2^20");
    if (sw < 1 || sw > NN_MAX_EXTENT)
        return bad_attr(k, "stride_w", sw, "1..2^20");
    if (dh < 1 || (long long)dh * (kh - 1) + 1 > NN_MAX_EXTENT)
        return bad_attr(k, "dil_h", dh, ">= 1 with a dilated kernel up to 2^20");
    if (dw < 1 || (long long)dw * (kw - 1) + 1 > NN_MAX_EXTENT)
        return bad_attr(k, "dil_w", dw, ">= 1 with a dilated kernel up to 2^20");
    if ((int)mode < NN_PADDING_EXPLICIT || mode > NN_PADDING_SAME)
        return bad_attr(k, "padding", (long long)mode, "EXPLICIT, VALID or SAME");
    for (int i = 0; i < 4; i++) {
        if (mode == NN_PADDING_EXPLICIT && (pad_in[i] < 0 || pad_in[i] > NN_MAX_EXTENT))
            return bad_attr(k, pad_names[i], pad_in[i], "0..2^20");
        if (mode != NN_PADDING_EXPLICIT && pad_in[i] != 0)
            return bad_attr(k, pad_names[i], pad_in[i], "0 unless padding is EXPLICIT");
    }
    return NN_OK;
}

/* Output size of a window along H and W, or a shape failure if empty. */
static nn_status window_out(check *k, int kh, int kw, int sh, int sw, int dh, int dw,
                            const int pads[4])
{
    k->oh = ops_out_len(k->h, kh, sh, dh, pads[0], pads[1]);
    k->ow = ops_out_len(k->w, kw, sw, dw, pads[2], pads[3]);
    if (k->oh < 1 || k->ow < 1)
        return nn_graph_fail(k->g, NN_ERR_SHAPE,
                             "%s: empty output: input %dx%d with padding %d,%d,%d,%d is smaller "
                             "than the window %dx%d (dilation %dx%d)",
                             k->label, k->h, k->w, pads[0], pads[1], pads[2], pads[3], kh, kw, dh,
                             dw);
    return NN_OK;
}

static nn_status infer_conv2d(check *k)
{
    const nn_conv2d_attr *a = &k->nd->attr.conv2d;
    const nn_value *wv = in_val(k, 1);
    if (wv->shape.ndim != 4)
        return nn_graph_fail(k->g, NN_ERR_WEIGHTS,
                             "%s: weights '%s' have %d dims, expected 4 "
                             "[c_out][kh][kw][c_in/groups]",
                             k->label, wv->name, wv->shape.ndim);
    int co = wv->shape.dims[0], kh = wv->shape.dims[1], kw = wv->shape.dims[2];
    int cig = wv->shape.dims[3];
    const int pad_in[4] = {a->pad_top, a->pad_bottom, a->pad_left, a->pad_right};
    nn_status s = check_window(k, kh, kw, a->stride_h, a->stride_w, a->dil_h, a->dil_w,
                               a->padding, pad_in);
    if (s != NN_OK)
        return s;
    if (a->groups < 1 || a->groups > NN_MAX_EXTENT)
        return bad_attr(k, "groups", a->groups, ">= 1");
    if (!act_ok(a->act))
        return bad_attr(k, "act", (long long)a->act, "an ops_act");
    if (k->c % a->groups != 0 || co % a->groups != 0)
        return nn_graph_fail(k->g, NN_ERR_SHAPE,
                             "%s: groups %d must divide input channels %d and output channels %d",
                             k->label, a->groups, k->c, co);
    if (cig != k->c / a->groups)
        return nn_graph_fail(k->g, NN_ERR_WEIGHTS,
                             "%s: weights '%s' are [%d][%d][%d][%d]: the last dim must be input "
                             "channels / groups = %d / %d = %d",
                             k->label, wv->name, co, kh, kw, cig, k->c, a->groups,
                             k->c / a->groups);
    int pads[4];
    nn_resolve_pads(a->padding, a->pad_top, a->pad_bottom, a->pad_left, a->pad_right, k->h,
                    k->w, kh, kw, a->stride_h, a->stride_w, a->dil_h, a->dil_w, pads);
    s = window_out(k, kh, kw, a->stride_h, a->stride_w, a->dil_h, a->dil_w, pads);
    if (s != NN_OK)
        return s;
    k->oc = co;
    if (has_in(k, 2) && (s = want_count(k, 2, co, "output channels")) != NN_OK)
        return s;
    if (has_in(k, 3)) {
        const nn_value *r = in_val(k, 3);
        if (r->shape.dims[1] != k->oh || r->shape.dims[2] != k->ow || r->shape.dims[3] != co)
            return nn_graph_fail(k->g, NN_ERR_SHAPE,
                                 "%s: residual '%s' is %dx%dx%d, the output is %dx%dx%d",
                                 k->label, r->name, r->shape.dims[1], r->shape.dims[2],
                                 r->shape.dims[3], k->oh, k->ow, co);
    }
    return NN_OK;
}

static nn_status infer_pool2d(check *k)
{
    const nn_pool2d_attr *a = &k->nd->attr.pool2d;
    if ((int)a->kind < OPS_POOL_MAX || a->kind > OPS_POOL_L2)
        return bad_attr(k, "kind", (long long)a->kind, "MAX, AVG or L2");
    if (a->kh < 1 || a->kh > NN_MAX_WINDOW)
        return bad_attr(k, "kh", a->kh, "1..1024 (NN_MAX_WINDOW)");
    if (a->kw < 1 || a->kw > NN_MAX_WINDOW)
        return bad_attr(k, "kw", a->kw, "1..1024 (NN_MAX_WINDOW)");
    const int pad_in[4] = {a->pad_top, a->pad_bottom, a->pad_left, a->pad_right};
    nn_status s = check_window(k, a->kh, a->kw, a->stride_h, a->stride_w, 1, 1, a->padding,
                               pad_in);
    if (s != NN_OK)
        return s;
    if (a->count_include_pad != 0 && a->count_include_pad != 1)
        return bad_attr(k, "count_include_pad", a->count_include_pad, "0 or 1");
    int pads[4];
    nn_resolve_pads(a->padding, a->pad_top, a->pad_bottom, a->pad_left, a->pad_right, k->h,
                    k->w, a->kh, a->kw, a->stride_h, a->stride_w, 1, 1, pads);
    /* A window lying wholly in the padding would have nothing to take the
     * max of (and a zero count for AVG without the padding). */
    static const char *const pad_names[4] = {"pad_top", "pad_bottom", "pad_left", "pad_right"};
    for (int i = 0; i < 4; i++) {
        int kk = i < 2 ? a->kh : a->kw;
        if (pads[i] >= kk)
            return nn_graph_fail(k->g, NN_ERR_ATTR,
                                 "%s: %s is %d, must be smaller than the window (%d) so that "
                                 "every window sees an input",
                                 k->label, pad_names[i], pads[i], kk);
    }
    k->oc = k->c;
    return window_out(k, a->kh, a->kw, a->stride_h, a->stride_w, 1, 1, pads);
}

static nn_status infer_batchnorm(check *k)
{
    float eps = k->nd->attr.eps;
    if (!(eps >= 0.0f) || !isfinite(eps))
        return nn_graph_fail(k->g, NN_ERR_ATTR, "%s: attribute eps is %g, must be finite and >= 0",
                             k->label, (double)eps);
    static const char *const what[4] = {"mean", "var", "gamma", "beta"};
    for (int s = 1; s <= 4; s++) {
        nn_status st = want_count(k, s, k->c, what[s - 1]);
        if (st != NN_OK)
            return st;
    }
    const nn_value *var = in_val(k, 2);
    for (int i = 0; i < k->c; i++)
        if (!(var->data[i] + eps > 0.0f))
            return nn_graph_fail(k->g, NN_ERR_WEIGHTS,
                                 "%s: var '%s'[%d] is %g: var + eps must be > 0", k->label,
                                 var->name, i, (double)var->data[i]);
    k->oh = k->h, k->ow = k->w, k->oc = k->c;
    return NN_OK;
}

static nn_status infer_affine(check *k)
{
    for (int s = 1; s <= 2; s++)
        if (has_in(k, s)) {
            nn_status st = want_count(k, s, k->c, "input channels");
            if (st != NN_OK)
                return st;
        }
    k->oh = k->h, k->ow = k->w, k->oc = k->c;
    return NN_OK;
}

static nn_status infer_dense(check *k)
{
    if (!act_ok(k->nd->attr.act))
        return bad_attr(k, "act", (long long)k->nd->attr.act, "an ops_act");
    /* K = H*W*C fits an int: the input passed the element cap. */
    int kk = k->h * k->w * k->c;
    const nn_value *wv = in_val(k, 1);
    if (wv->shape.ndim != 2 || wv->shape.dims[1] != kk)
        return nn_graph_fail(k->g, NN_ERR_WEIGHTS,
                             "%s: weights '%s' must be [M][K] with K = %d input features "
                             "(%dx%dx%d; ndim %d, last dim %d)",
                             k->label, wv->name, kk, k->h, k->w, k->c, wv->shape.ndim,
                             wv->shape.dims[wv->shape.ndim > 0 ? wv->shape.ndim - 1 : 0]);
    k->oh = k->ow = 1;
    k->oc = wv->shape.dims[0];
    if (has_in(k, 2))
        return want_count(k, 2, k->oc, "output features");
    return NN_OK;
}

static nn_status infer_binary(check *k)
{
    ops_binary_kind kind = k->nd->attr.binary;
    if ((int)kind < OPS_ADD || kind > OPS_MUL)
        return bad_attr(k, "kind", (long long)kind, "ADD, SUB or MUL");
    const nn_value *b = in_val(k, 1);
    if (b->kind == NN_VALUE_CONST) {
        nn_status s = want_count(k, 1, k->c, "one per channel, broadcast over pixels");
        if (s != NN_OK)
            return s;
    } else if (b->shape.dims[1] != k->h || b->shape.dims[2] != k->w || b->shape.dims[3] != k->c) {
        return nn_graph_fail(k->g, NN_ERR_SHAPE, "%s: b '%s' is %dx%dx%d, a '%s' is %dx%dx%d",
                             k->label, b->name, b->shape.dims[1], b->shape.dims[2],
                             b->shape.dims[3], in_val(k, 0)->name, k->h, k->w, k->c);
    }
    k->oh = k->h, k->ow = k->w, k->oc = k->c;
    return NN_OK;
}

static nn_status infer_concat(check *k)
{
    long long c = 0;
    for (int s = 0; s < k->nd->n_inputs; s++) {
        const nn_value *v = in_val(k, s);
        if (v->shape.dims[1] != k->h || v->shape.dims[2] != k->w)
            return nn_graph_fail(k->g, NN_ERR_SHAPE,
                                 "%s: input %d '%s' is %dx%d, input 0 is %dx%d: concat needs "
                                 "the same H and W",
                                 k->label, s, v->name, v->shape.dims[1], v->shape.dims[2], k->h,
                                 k->w);
        c += v->shape.dims[3];
    }
    if (c > NN_MAX_EXTENT)
        return nn_graph_fail(k->g, NN_ERR_LIMIT, "%s: %lld output channels, cap %d", k->label, c,
                             NN_MAX_EXTENT);
    k->oh = k->h, k->ow = k->w, k->oc = (int)c;
    return NN_OK;
}

static nn_status infer_pad(check *k)
{
    const ops_pad_params *p = &k->nd->attr.pad;
    const int f[6] = {p->top, p->bottom, p->left, p->right, p->c_before, p->c_after};
    static const char *const names[6] = {"top", "bottom", "left", "right", "c_before", "c_after"};
    for (int i = 0; i < 6; i++)
        if (f[i] < 0 || f[i] > NN_MAX_EXTENT)
            return bad_attr(k, names[i], f[i], "0..2^20");
    k->oh = k->h + p->top + p->bottom;
    k->ow = k->w + p->left + p->right;
    k->oc = k->c + p->c_before + p->c_after;
    return NN_OK;
}

static nn_status infer_lrn(check *k)
{
    const nn_lrn_attr *a = &k->nd->attr.lrn;
    if (a->radius < 0 || a->radius > NN_MAX_EXTENT)
        return bad_attr(k, "radius", a->radius, "0..2^20");
    if (!(a->bias > 0.0f) || !isfinite(a->bias) || !(a->alpha >= 0.0f) || !isfinite(a->alpha) ||
        !(a->beta >= 0.0f) || !isfinite(a->beta))
        return nn_graph_fail(k->g, NN_ERR_ATTR,
                             "%s: bias %g, alpha %g, beta %g: need finite bias > 0, alpha >= 0, "
                             "beta >= 0",
                             k->label, (double)a->bias, (double)a->alpha, (double)a->beta);
    k->oh = k->h, k->ow = k->w, k->oc = k->c;
    return NN_OK;
}

static nn_status infer_reshape(check *k)
{
    const nn_reshape_attr *a = &k->nd->attr.reshape;
    int d[3] = {a->h, a->w, a->c};
    int unknown = -1;
    size_t known = 1;
    for (int i = 0; i < 3; i++) {
        if (d[i] == -1 && unknown < 0) {
            unknown = i;
            continue;
        }
        if (d[i] < 1 || d[i] > NN_MAX_EXTENT)
            return nn_graph_fail(k->g, NN_ERR_ATTR,
                                 "%s: target %dx%dx%d: each dim must be 1..2^20, or one of them -1",
                                 k->label, a->h, a->w, a->c);
        known *= (size_t)d[i];
    }
    size_t total = (size_t)k->h * (size_t)k->w * (size_t)k->c;
    if (unknown >= 0) {
        if (total % known != 0 || total / known > NN_MAX_EXTENT)
            return nn_graph_fail(k->g, NN_ERR_SHAPE,
                                 "%s: cannot reshape %dx%dx%d (%zu elements) to %dx%dx%d",
                                 k->label, k->h, k->w, k->c, total, a->h, a->w, a->c);
        d[unknown] = (int)(total / known);
    } else if (known != total) {
        return nn_graph_fail(k->g, NN_ERR_SHAPE,
                             "%s: cannot reshape %dx%dx%d (%zu elements) to %dx%dx%d (%zu)",
                             k->label, k->h, k->w, k->c, total, a->h, a->w, a->c, known);
    }
    k->oh = d[0], k->ow = d[1], k->oc = d[2];
    return NN_OK;
}

static nn_status infer(check *k)
{
    const nn_node *nd = k->nd;
    switch (nd->op) {
    case NN_OP_CONV2D: return infer_conv2d(k);
    case NN_OP_POOL2D: return infer_pool2d(k);
    case NN_OP_GLOBAL_AVGPOOL:
        k->oh = k->ow = 1, k->oc = k->c;
        return NN_OK;
    case NN_OP_BATCHNORM: return infer_batchnorm(k);
    case NN_OP_AFFINE: return infer_affine(k);
    case NN_OP_DENSE: return infer_dense(k);
    case NN_OP_ACT:
        if (!act_ok(nd->attr.act))
            return bad_attr(k, "act", (long long)nd->attr.act, "an ops_act");
        k->oh = k->h, k->ow = k->w, k->oc = k->c;
        return NN_OK;
    case NN_OP_PRELU:
        k->oh = k->h, k->ow = k->w, k->oc = k->c;
        return want_count(k, 1, k->c, "input channels");
    case NN_OP_BINARY: return infer_binary(k);
    case NN_OP_CONCAT: return infer_concat(k);
    case NN_OP_PAD: return infer_pad(k);
    case NN_OP_LRN: return infer_lrn(k);
    case NN_OP_L2NORM:
        if (!(nd->attr.eps > 0.0f) || !isfinite(nd->attr.eps))
            return nn_graph_fail(k->g, NN_ERR_ATTR,
                                 "%s: attribute eps is %g, must be finite and > 0", k->label,
                                 (double)nd->attr.eps);
        k->oh = k->h, k->ow = k->w, k->oc = k->c;
        return NN_OK;
    case NN_OP_RESIZE_BILINEAR:
        if (nd->attr.resize.out_h < 1 || nd->attr.resize.out_h > NN_MAX_EXTENT)
            return bad_attr(k, "out_h", nd->attr.resize.out_h, "1..2^20");
        if (nd->attr.resize.out_w < 1 || nd->attr.resize.out_w > NN_MAX_EXTENT)
            return bad_attr(k, "out_w", nd->attr.resize.out_w, "1..2^20");
        if (nd->attr.resize.align_corners != 0 && nd->attr.resize.align_corners != 1)
            return bad_attr(k, "align_corners", nd->attr.resize.align_corners, "0 or 1");
        k->oh = nd->attr.resize.out_h, k->ow = nd->attr.resize.out_w, k->oc = k->c;
        return NN_OK;
    case NN_OP_RESHAPE: return infer_reshape(k);
    case NN_OP_COUNT: break;
    }
    return nn_graph_fail(k->g, NN_ERR_GRAPH, "%s: unknown op", k->label);
}

/* Arity and the kind of value in each slot; every activation read must
 * already exist. */
static nn_status check_inputs(check *k)
{
    const nn_node *nd = k->nd;
    const op_spec *sp = &op_specs[nd->op];
    if (nd->n_inputs < sp->min_in || nd->n_inputs > sp->max_in)
        return nn_graph_fail(k->g, NN_ERR_GRAPH, "%s: takes %d to %d inputs, got %d", k->label,
                             sp->min_in, sp->max_in, nd->n_inputs);
    for (int s = 0; s < nd->n_inputs; s++) {
        char want = sp->slots ? sp->slots[s] : 'x';
        int id = nd->inputs[s];
        if (id == NN_NONE) {
            if (want == 'x' || want == 'w' || want == 'b')
                return nn_graph_fail(k->g, NN_ERR_GRAPH, "%s: input %d (%s) is missing", k->label,
                                     s, slot_name(k, s));
            continue;
        }
        const nn_value *v = &k->g->values[id];
        int is_const = v->kind == NN_VALUE_CONST;
        if ((want == 'x' || want == 'a') && is_const)
            return nn_graph_fail(k->g, NN_ERR_GRAPH,
                                 "%s: input %d (%s) '%s' is a constant, this slot takes an "
                                 "activation",
                                 k->label, s, slot_name(k, s), v->name);
        if ((want == 'w' || want == 'o') && !is_const)
            return nn_graph_fail(k->g, NN_ERR_GRAPH,
                                 "%s: input %d (%s) '%s' is an activation, this slot takes a "
                                 "constant (weights)",
                                 k->label, s, slot_name(k, s), v->name);
        if (v->kind == NN_VALUE_NODE) {
            if (v->producer < 0)
                return nn_graph_fail(k->g, NN_ERR_GRAPH,
                                     "%s: input %d (%s) '%s' is never produced by any node",
                                     k->label, s, slot_name(k, s), v->name);
            if (v->producer >= k->idx)
                return nn_graph_fail(k->g, NN_ERR_GRAPH,
                                     "%s: input %d (%s) '%s' is used before it is produced (by "
                                     "node #%d '%s'): nodes must be in topological order, "
                                     "without cycles",
                                     k->label, s, slot_name(k, s), v->name, v->producer,
                                     k->g->nodes[v->producer].name);
        }
    }
    return NN_OK;
}

nn_status nn_graph_validate(nn_graph *g)
{
    if (!g)
        return NN_ERR_ARG;
    if (g->status != NN_OK)
        return g->status;
    if (g->validated)
        return NN_OK;
    if (g->n_inputs < 1)
        return nn_graph_fail(g, NN_ERR_GRAPH, "graph has no input");
    if (g->n_outputs < 1)
        return nn_graph_fail(g, NN_ERR_GRAPH, "graph has no output");
    for (int i = 0; i < g->n_nodes; i++) {
        check k;
        memset(&k, 0, sizeof k);
        k.g = g;
        k.idx = i;
        k.nd = &g->nodes[i];
        nn_node_label(g, i, k.label, sizeof k.label);
        nn_status s = check_inputs(&k);
        if (s != NN_OK)
            return s;
        const nn_value *x = in_val(&k, 0);
        k.h = x->shape.dims[1], k.w = x->shape.dims[2], k.c = x->shape.dims[3];
        if ((s = infer(&k)) != NN_OK)
            return s;
        if (k.oh < 1 || k.ow < 1 || k.oc < 1 || k.oh > NN_MAX_EXTENT || k.ow > NN_MAX_EXTENT ||
            k.oc > NN_MAX_EXTENT ||
            (size_t)k.oh * (size_t)k.ow * (size_t)k.oc > (size_t)NN_MAX_ELEMS)
            return nn_graph_fail(g, NN_ERR_LIMIT,
                                 "%s: output %dx%dx%d is outside the caps (each dim 1..%d, "
                                 "at most %d elements)",
                                 k.label, k.oh, k.ow, k.oc, NN_MAX_EXTENT, NN_MAX_ELEMS);
        g->values[k.nd->output].shape = (nn_tensor){4, {1, k.oh, k.ow, k.oc}};
    }
    for (int k = 0; k < g->n_outputs; k++)
        if (g->values[g->outputs[k]].kind == NN_VALUE_NODE && g->values[g->outputs[k]].producer < 0)
            return nn_graph_fail(g, NN_ERR_GRAPH, "graph output %d '%s' is never produced", k,
                                 g->values[g->outputs[k]].name);
    g->validated = 1;
    return NN_OK;
}
