/*
 * exec.c - running a plan, and the glue from each node kind to its scalar
 * reference kernel in ops/.
 *
 * A run resolves every value to a pointer once (caller buffers, weights,
 * arena offsets), then calls each node's kernel in order through
 * plan->exec[i].fn - the only dispatch point. Nothing is allocated.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nn/nn_internal.h"

/* ---- scalar glue: one function per op -------------------------------------- */

static const nn_node *node_of(const nn_plan *p, int i) { return &p->g->nodes[i]; }

/* Pixels of a tensor: N*H*W, the `count` of the per-channel kernels. */
static size_t pixels(ops_nhwc s) { return (size_t)s.n * (size_t)s.h * (size_t)s.w; }

static void k_conv2d(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_conv2d_f32(&e->conv, a->in[0], e->in, a->in[1], a->in[2], e->c_out, a->in[3], a->out);
}

static void k_pool2d(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_pool2d_f32(&e->pool, a->in[0], e->in, a->out);
}

static void k_global_avgpool(const nn_plan *p, int i, const nn_node_args *a)
{
    ops_global_avgpool_f32(a->in[0], p->exec[i].in, a->out);
}

static void k_batchnorm(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_batchnorm_f32(a->in[0], pixels(e->in), e->in.c, a->in[1], a->in[2], a->in[3], a->in[4],
                      node_of(p, i)->attr.eps, a->out);
}

static void k_affine(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_affine_f32(a->in[0], pixels(e->in), e->in.c, a->in[1], a->in[2], a->out);
}

static void k_dense(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_dense_f32(a->in[0], e->in.n, e->in.h * e->in.w * e->in.c, a->in[1], a->in[2], e->c_out,
                  node_of(p, i)->attr.act, a->out);
}

static void k_act(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_act_f32(node_of(p, i)->attr.act, a->in[0], pixels(e->in) * (size_t)e->in.c, a->out);
}

static void k_prelu(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_prelu_f32(a->in[0], pixels(e->in), e->in.c, a->in[1], a->out);
}

static void k_binary(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_binary_f32(node_of(p, i)->attr.binary, a->in[0], a->in[1], e->b_per_channel,
                   pixels(e->in), e->in.c, a->out);
}

static void k_concat(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_concat_channels_f32(a->in, e->cs, node_of(p, i)->n_inputs, pixels(e->in), a->out);
}

static void k_pad(const nn_plan *p, int i, const nn_node_args *a)
{
    ops_pad_f32(&node_of(p, i)->attr.pad, a->in[0], p->exec[i].in, a->out);
}

static void k_lrn(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    const nn_lrn_attr *l = &node_of(p, i)->attr.lrn;
    ops_lrn_f32(a->in[0], pixels(e->in), e->in.c, l->radius, l->bias, l->alpha, l->beta, a->out);
}

static void k_l2norm(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_l2norm_f32(a->in[0], pixels(e->in), e->in.c, node_of(p, i)->attr.eps, a->out);
}

static void k_resize(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_resize_attr *r = &node_of(p, i)->attr.resize;
    ops_resize_bilinear_f32(a->in[0], p->exec[i].in, r->out_h, r->out_w, r->align_corners,
                            a->out);
}

/* A reshape into a graph output: a plain copy (same element order). */
static void k_reshape_copy(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    memcpy(a->out, a->in[0], pixels(e->in) * (size_t)e->in.c * sizeof(float));
}

void nn_kernel_view(const nn_plan *p, int node, const nn_node_args *a)
{
    (void)p;
    (void)node;
    (void)a;
}

nn_kernel_fn nn_scalar_kernel(nn_op op)
{
    switch (op) {
    case NN_OP_CONV2D: return k_conv2d;
    case NN_OP_POOL2D: return k_pool2d;
    case NN_OP_GLOBAL_AVGPOOL: return k_global_avgpool;
    case NN_OP_BATCHNORM: return k_batchnorm;
    case NN_OP_AFFINE: return k_affine;
    case NN_OP_DENSE: return k_dense;
    case NN_OP_ACT: return k_act;
    case NN_OP_PRELU: return k_prelu;
    case NN_OP_BINARY: return k_binary;
    case NN_OP_CONCAT: return k_concat;
    case NN_OP_PAD: return k_pad;
    case NN_OP_LRN: return k_lrn;
    case NN_OP_L2NORM: return k_l2norm;
    case NN_OP_RESIZE_BILINEAR: return k_resize;
    case NN_OP_RESHAPE: return k_reshape_copy;
    case NN_OP_COUNT: break;
    }
    return NULL;
}

/* ---- the executor ---------------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static nn_status run_fail(nn_plan *p, nn_status s, const char *what, int k)
{
    /* A short fixed message: snprintf is enough and never allocates. */
    snprintf(p->err, sizeof p->err, "%s %d is NULL", what, k);
    return s;
}

/* Resolve every value to the memory it lives in for this run. */
static nn_status bind(nn_plan *p, const float *const *inputs, float *const *outputs)
{
    const nn_graph *g = p->g;
    if (g->n_inputs > 0 && !inputs)
        return run_fail(p, NN_ERR_ARG, "inputs array, input", 0);
    if (g->n_outputs > 0 && !outputs)
        return run_fail(p, NN_ERR_ARG, "outputs array, output", 0);
    for (int k = 0; k < g->n_inputs; k++)
        if (!inputs[k])
            return run_fail(p, NN_ERR_ARG, "input", k);
    for (int k = 0; k < g->n_outputs; k++)
        if (!outputs[k])
            return run_fail(p, NN_ERR_ARG, "output", k);
    for (int v = 0; v < g->n_values; v++) {
        const nn_value_plan *vp = &p->vals[v];
        p->rptr[v] = NULL;
        p->wptr[v] = NULL;
        switch (vp->storage) {
        case NN_STORAGE_INPUT:
            p->rptr[v] = inputs[vp->index];
            break;
        case NN_STORAGE_OUTPUT:
            p->wptr[v] = outputs[vp->index];
            p->rptr[v] = p->wptr[v];
            break;
        case NN_STORAGE_CONST:
            p->rptr[v] = g->values[v].data;
            break;
        case NN_STORAGE_ARENA:
            if (p->arena && vp->bytes > 0) {
                p->wptr[v] = p->arena + vp->offset / sizeof(float);
                p->rptr[v] = p->wptr[v];
            }
            break;
        }
    }
    return NN_OK;
}

nn_status nn_run_ex(nn_plan *p, const float *const *inputs, float *const *outputs,
                    const nn_run_opts *opts)
{
    if (!p)
        return NN_ERR_ARG;
    p->err[0] = '\0';
    nn_status s = bind(p, inputs, outputs);
    if (s != NN_OK)
        return s;
    const nn_graph *g = p->g;
    uint64_t *node_ns = opts ? opts->node_ns : NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *nd = &g->nodes[i];
        const nn_node_exec *e = &p->exec[i];
        nn_node_args a;
        for (int k = 0; k < NN_MAX_INPUTS; k++)
            a.in[k] = k < nd->n_inputs && nd->inputs[k] != NN_NONE ? p->rptr[nd->inputs[k]] : NULL;
        a.out = p->wptr[nd->output];
        a.scratch = e->scratch_bytes > 0 ? p->arena + e->scratch_offset / sizeof(float) : NULL;
        if (node_ns) {
            uint64_t t0 = now_ns();
            e->fn(p, i, &a);
            node_ns[i] = now_ns() - t0;
        } else {
            e->fn(p, i, &a);
        }
    }
    /* Graph inputs that are also graph outputs. */
    for (int k = 0; k < g->n_outputs; k++) {
        int v = g->outputs[k];
        if (g->values[v].kind == NN_VALUE_INPUT)
            memcpy(outputs[k], inputs[g->values[v].input_index], p->vals[v].bytes);
    }
    return NN_OK;
}

nn_status nn_run(nn_plan *p, const float *const *inputs, float *const *outputs)
{
    return nn_run_ex(p, inputs, outputs, NULL);
}

const char *nn_plan_error(const nn_plan *p) { return p ? p->err : "no plan"; }
