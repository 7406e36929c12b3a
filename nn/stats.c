/*
 * stats.c - arithmetic counts of a plan, for model printers and the bench's
 * per-layer table (GFLOP/s needs the work of each node).
 */
#include "nn/nn_internal.h"

double nn_plan_node_macs(const nn_plan *p, int i)
{
    if (!p || i < 0 || i >= p->g->n_nodes)
        return 0.0;
    const nn_node *nd = &p->g->nodes[i];
    const nn_node_exec *e = &p->exec[i];
    if (nd->op == NN_OP_CONV2D) {
        double per_out = (double)e->conv.kh * e->conv.kw * (e->in.c / e->conv.groups);
        return (double)e->out.n * e->out.h * e->out.w * e->out.c * per_out;
    }
    if (nd->op == NN_OP_DENSE)
        return (double)e->in.n * e->in.h * e->in.w * e->in.c * e->c_out;
    return 0.0;
}

double nn_plan_macs(const nn_plan *p)
{
    double sum = 0.0;
    if (!p)
        return 0.0;
    for (int i = 0; i < p->g->n_nodes; i++)
        sum += nn_plan_node_macs(p, i);
    return sum;
}
