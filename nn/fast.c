/*
 * fast.c - the SIMD kernels slotted into a plan (called from nn_prepare's
 * select_kernel), and how their work is split over the plan's threads.
 *
 * conv2d: when the active ISA has SIMD kernels and the weights (and bias)
 * are constants, an ops_conv2d_plan is made once here: it repacks the
 * weights into the chosen kernel's layout and owns them (released with the
 * nn plan). Its scratch is one block per thread inside the arena. A run
 * hands the conv plan's tasks to the thread pool; the tasks write disjoint
 * parts of the output and compute each element the same way whatever thread
 * runs them, so the result does not depend on the thread count.
 * pool2d: ops_pool2d_fast_f32 (channels innermost, identical results).
 * Other ops keep their scalar kernels: in the default model they are well
 * under a percent of the time (see bench/bench_model's per-layer table).
 */
#include <string.h>

#include "nn/nn_internal.h"

typedef struct conv_run {
    const ops_conv2d_plan *plan;
    const float *x, *res;
    float *y;
    char *scratch;        /* [threads][per_thread] bytes */
    size_t per_thread;
} conv_run;

static void conv_task(void *ctx, int task, int thread)
{
    const conv_run *r = ctx;
    ops_conv2d_plan_run(r->plan, r->x, r->res, r->y,
                        r->scratch ? r->scratch + (size_t)thread * r->per_thread : NULL, task);
}

static void k_conv2d_planned(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    conv_run r;
    r.plan = e->packed;
    r.x = a->in[0];
    r.res = a->in[3];
    r.y = a->out;
    r.scratch = (char *)a->scratch;
    r.per_thread = ops_conv2d_plan_scratch(r.plan);
    nn_pool_run(p->pool, conv_task, &r, ops_conv2d_plan_tasks(r.plan));
}

static void release_conv(void *plan) { ops_conv2d_plan_destroy(plan); }

static void k_pool2d_fast(const nn_plan *p, int i, const nn_node_args *a)
{
    const nn_node_exec *e = &p->exec[i];
    ops_pool2d_fast_f32(&e->pool, a->in[0], e->in, a->out);
}

int nn_fast_kernel(nn_plan *p, int i, nn_node_exec *e)
{
    const nn_graph *g = p->g;
    const nn_node *nd = &g->nodes[i];
    if (ops_isa_active() == OPS_ISA_SCALAR) return 0;
    if (nd->op == NN_OP_POOL2D) {
        e->fn = k_pool2d_fast;
        e->variant = "pool_fast";
        return 1;
    }
    if (nd->op != NN_OP_CONV2D) return 0;
    const nn_value *w = &g->values[nd->inputs[1]];
    const int has_bias = nd->n_inputs > 2 && nd->inputs[2] != NN_NONE;
    const nn_value *b = has_bias ? &g->values[nd->inputs[2]] : NULL;
    if (w->kind != NN_VALUE_CONST || (b && b->kind != NN_VALUE_CONST)) return 0;
    ops_conv2d_plan *plan = NULL;
    if (ops_conv2d_plan_create(&e->conv, e->in, w->data, b ? b->data : NULL, e->c_out, &plan) !=
        OPS_PLAN_OK)
        return 0; /* the scalar kernel still works */
    if (strcmp(ops_conv2d_plan_variant(plan), "ref_scalar") == 0) {
        ops_conv2d_plan_destroy(plan);
        return 0;
    }
    e->fn = k_conv2d_planned;
    e->variant = ops_conv2d_plan_variant(plan);
    e->packed = plan;
    e->release = release_conv;
    e->scratch_bytes = ops_conv2d_plan_scratch(plan) * (size_t)p->threads;
    return 1;
}
