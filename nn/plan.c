/*
 * plan.c - from a validated graph and a batch size to a runnable plan.
 *
 * 1. Batch shapes and where each value lives: graph inputs and outputs in the
 *    caller's buffers (outputs are written there directly, no copy), weights
 *    in place, everything else in the arena. A reshape whose output is not a
 *    graph output is a view: it shares its input's storage and extends that
 *    storage's lifetime.
 * 2. nn_prepare: per node, the kernel, packed weights and scratch size.
 * 3. Lifetimes: a value is live from the node that writes it to the last node
 *    that reads it (both included). An elementwise node whose kernel allows
 *    y == x may write over its input when that input's storage dies at this
 *    very node; the two then form one block. Per-node scratch is a block live
 *    at its node only.
 * 4. Placement, greedy by size: blocks in decreasing size, each at the
 *    smallest gap between the blocks already placed that are live at the same
 *    time, or above all of them. Offsets and sizes are multiples of 64 bytes.
 *    This is the "greedy by size" strategy TFLite's arena planner made
 *    popular; it is not optimal but is within a few percent on CNN chains.
 */
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* ---- prepare: the one place that chooses a node's kernel ------------------- */

static ops_nhwc nhwc_of(const nn_value_plan *vp)
{
    ops_nhwc s = {vp->shape.dims[0], vp->shape.dims[1], vp->shape.dims[2], vp->shape.dims[3]};
    return s;
}

/* Pick the kernel for node i. The scalar reference always works; a faster
 * kernel is chosen here (and may set e->packed and e->scratch_bytes). */
static nn_status select_kernel(nn_plan *p, int i, nn_node_exec *e)
{
    const nn_node *nd = &p->g->nodes[i];
    if (nd->op == NN_OP_RESHAPE && p->vals[nd->output].view_of >= 0) {
        e->fn = nn_kernel_view;
        e->variant = "view";
        return NN_OK;
    }
    if (nn_fast_kernel(p, i, e))
        return NN_OK;
    e->fn = nn_scalar_kernel(nd->op);
    e->variant = nd->op == NN_OP_RESHAPE ? "copy" : "scalar";
    return e->fn ? NN_OK : NN_ERR_GRAPH;
}

nn_status nn_prepare(nn_plan *p)
{
    const nn_graph *g = p->g;
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *nd = &g->nodes[i];
        nn_node_exec *e = &p->exec[i];
        e->in = nhwc_of(&p->vals[nd->inputs[0]]);
        e->out = nhwc_of(&p->vals[nd->output]);
        if (nd->op == NN_OP_CONV2D) {
            const nn_conv2d_attr *a = &nd->attr.conv2d;
            const nn_tensor *w = &g->values[nd->inputs[1]].shape;
            int pads[4];
            e->c_out = w->dims[0];
            e->conv.kh = w->dims[1];
            e->conv.kw = w->dims[2];
            e->conv.stride_h = a->stride_h;
            e->conv.stride_w = a->stride_w;
            e->conv.dil_h = a->dil_h;
            e->conv.dil_w = a->dil_w;
            nn_resolve_pads(a->padding, a->pad_top, a->pad_bottom, a->pad_left, a->pad_right,
                            e->in.h, e->in.w, e->conv.kh, e->conv.kw, a->stride_h, a->stride_w,
                            a->dil_h, a->dil_w, pads);
            e->conv.pad_top = pads[0];
            e->conv.pad_bottom = pads[1];
            e->conv.pad_left = pads[2];
            e->conv.pad_right = pads[3];
            e->conv.groups = a->groups;
            e->conv.act = a->act;
        } else if (nd->op == NN_OP_POOL2D) {
            const nn_pool2d_attr *a = &nd->attr.pool2d;
            int pads[4];
            nn_resolve_pads(a->padding, a->pad_top, a->pad_bottom, a->pad_left, a->pad_right,
                            e->in.h, e->in.w, a->kh, a->kw, a->stride_h, a->stride_w, 1, 1, pads);
            e->pool.kind = a->kind;
            e->pool.kh = a->kh;
            e->pool.kw = a->kw;
            e->pool.stride_h = a->stride_h;
            e->pool.stride_w = a->stride_w;
            e->pool.pad_top = pads[0];
            e->pool.pad_bottom = pads[1];
            e->pool.pad_left = pads[2];
            e->pool.pad_right = pads[3];
            e->pool.count_include_pad = a->count_include_pad;
        } else if (nd->op == NN_OP_DENSE) {
            e->c_out = g->values[nd->inputs[1]].shape.dims[0];
        } else if (nd->op == NN_OP_CONCAT) {
            for (int k = 0; k < nd->n_inputs; k++)
                e->cs[k] = g->values[nd->inputs[k]].shape.dims[3];
        } else if (nd->op == NN_OP_BINARY) {
            e->b_per_channel = g->values[nd->inputs[1]].kind == NN_VALUE_CONST;
        }
        nn_status s = select_kernel(p, i, e);
        if (s != NN_OK) {
            char label[NN_NAME_MAX + 48];
            nn_node_label(g, i, label, sizeof label);
            return nn_graph_plan_fail(p->g, s, "%s: no kernel", label);
        }
    }
    return NN_OK;
}

/* ---- memory planning ------------------------------------------------------- */

typedef struct block {
    int first, last; /* node interval, both included */
    size_t bytes;    /* rounded to NN_ALIGN */
    size_t offset;
    int placed;
} block;

static int overlaps(const block *a, const block *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* Placement order: larger first; ties by start, for a deterministic plan. */
static int by_size_desc(const void *pa, const void *pb, const block *blocks)
{
    const block *a = &blocks[*(const int *)pa], *b = &blocks[*(const int *)pb];
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return *(const int *)pa - *(const int *)pb;
}

/* qsort has no context argument in C11: an insertion sort is enough for the
 * few hundred blocks of a network, and keeps the planner free of globals. */
static void sort_order(int *order, int n, const block *blocks)
{
    for (int i = 1; i < n; i++) {
        int v = order[i], j = i;
        while (j > 0 && by_size_desc(&v, &order[j - 1], blocks) < 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

/* Place every block; returns the arena size. `tmp` has room for n ints. */
static size_t place_blocks(block *blocks, int n, int *order, int *tmp)
{
    size_t arena = 0;
    for (int i = 0; i < n; i++)
        order[i] = i;
    sort_order(order, n, blocks);
    for (int oi = 0; oi < n; oi++) {
        block *b = &blocks[order[oi]];
        /* Placed blocks live at the same time, by offset. */
        int m = 0;
        for (int j = 0; j < n; j++)
            if (blocks[j].placed && overlaps(&blocks[j], b)) {
                int k = m++;
                while (k > 0 && blocks[tmp[k - 1]].offset > blocks[j].offset) {
                    tmp[k] = tmp[k - 1];
                    k--;
                }
                tmp[k] = j;
            }
        size_t cursor = 0, best = 0, best_gap = SIZE_MAX;
        int found = 0;
        for (int k = 0; k < m; k++) {
            const block *o = &blocks[tmp[k]];
            if (o->offset > cursor) {
                size_t gap = o->offset - cursor;
                if (gap >= b->bytes && gap < best_gap) {
                    best_gap = gap;
                    best = cursor;
                    found = 1;
                }
            }
            if (o->offset + o->bytes > cursor)
                cursor = o->offset + o->bytes;
        }
        b->offset = found ? best : cursor;
        b->placed = 1;
        if (b->offset + b->bytes > arena)
            arena = b->offset + b->bytes;
    }
    return arena;
}

/* Batch shapes, storage kinds, views and last uses. */
static nn_status plan_values(nn_plan *p)
{
    nn_graph *g = p->g;
    for (int v = 0; v < g->n_values; v++) {
        const nn_value *val = &g->values[v];
        nn_value_plan *vp = &p->vals[v];
        vp->shape = val->shape;
        vp->first = vp->last = -1;
        vp->view_of = vp->inplace_of = -1;
        vp->index = -1;
        if (val->kind == NN_VALUE_CONST) {
            vp->storage = NN_STORAGE_CONST;
            vp->bytes = nn_tensor_count(&vp->shape) * sizeof(float);
            continue;
        }
        if (val->kind == NN_VALUE_NODE && val->producer < 0) {
            /* Declared but never written nor read: takes no room. */
            vp->storage = NN_STORAGE_ARENA;
            continue;
        }
        vp->shape.dims[0] = p->batch;
        size_t count = nn_tensor_count(&vp->shape);
        if (count > NN_MAX_ELEMS)
            return nn_graph_plan_fail(g, NN_ERR_LIMIT,
                                      "value '%s': batch %d x %dx%dx%d is over %d elements",
                                      val->name, p->batch, vp->shape.dims[1], vp->shape.dims[2],
                                      vp->shape.dims[3], NN_MAX_ELEMS);
        vp->bytes = count * sizeof(float);
        if (val->kind == NN_VALUE_INPUT) {
            /* Also when it is a graph output: nn_run copies it there. */
            vp->storage = NN_STORAGE_INPUT;
            vp->index = val->input_index;
        } else if (val->output_index >= 0) {
            vp->storage = NN_STORAGE_OUTPUT;
            vp->index = val->output_index;
            vp->first = vp->last = val->producer;
        } else {
            vp->storage = NN_STORAGE_ARENA;
            vp->first = vp->last = val->producer;
        }
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *nd = &g->nodes[i];
        for (int k = 0; k < nd->n_inputs; k++)
            if (nd->inputs[k] != NN_NONE && p->vals[nd->inputs[k]].last < i)
                p->vals[nd->inputs[k]].last = i;
    }
    /* Views, in node order so that a view of a view finds the root. */
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *nd = &g->nodes[i];
        nn_value_plan *o = &p->vals[nd->output];
        if (nd->op != NN_OP_RESHAPE || o->storage == NN_STORAGE_OUTPUT)
            continue;
        int x = nd->inputs[0];
        int root = p->vals[x].view_of >= 0 ? p->vals[x].view_of : x;
        nn_value_plan *r = &p->vals[root];
        o->view_of = root;
        o->storage = r->storage;
        o->index = r->index;
        if (o->last > r->last)
            r->last = o->last;
    }
    return NN_OK;
}

/* Group arena values into blocks (in-place chains share one), add scratch
 * blocks, place them and write offsets back. */
static nn_status plan_arena(nn_plan *p, int inplace)
{
    nn_graph *g = p->g;
    int n_max = g->n_values + g->n_nodes;
    block *blocks = calloc((size_t)(n_max > 0 ? n_max : 1), sizeof *blocks);
    int *blk_of = malloc((size_t)(g->n_values > 0 ? g->n_values : 1) * sizeof *blk_of);
    int *order = malloc((size_t)(n_max > 0 ? n_max : 1) * sizeof *order);
    int *tmp = malloc((size_t)(n_max > 0 ? n_max : 1) * sizeof *tmp);
    int *scratch_blk = malloc((size_t)(g->n_nodes > 0 ? g->n_nodes : 1) * sizeof *scratch_blk);
    if (!blocks || !blk_of || !order || !tmp || !scratch_blk) {
        free(blocks), free(blk_of), free(order), free(tmp), free(scratch_blk);
        return nn_graph_plan_fail(g, NN_ERR_NOMEM, "no memory to plan the arena");
    }
    int nb = 0;
    for (int v = 0; v < g->n_values; v++)
        blk_of[v] = -1;
    /* Values in node order, so that an in-place output finds its input's block. */
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *nd = &g->nodes[i];
        int o = nd->output;
        nn_value_plan *op = &p->vals[o];
        if (op->storage != NN_STORAGE_ARENA || op->view_of >= 0)
            continue;
        if (inplace && nn_op_elementwise_inplace(nd->op)) {
            int cands = nd->op == NN_OP_BINARY ? 2 : 1;
            for (int k = 0; k < cands && blk_of[o] < 0; k++) {
                int x = nd->inputs[k];
                int root = p->vals[x].view_of >= 0 ? p->vals[x].view_of : x;
                int b = blk_of[root];
                if (b >= 0 && blocks[b].last == i && p->vals[root].bytes == op->bytes) {
                    blk_of[o] = b;
                    op->inplace_of = x;
                    if (op->last > blocks[b].last)
                        blocks[b].last = op->last;
                }
            }
        }
        if (blk_of[o] < 0) {
            blk_of[o] = nb;
            blocks[nb].first = op->first;
            blocks[nb].last = op->last;
            blocks[nb].bytes = round_up(op->bytes, NN_ALIGN);
            nb++;
        }
        p->tensor_bytes += op->bytes;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        scratch_blk[i] = -1;
        size_t sb = p->exec[i].scratch_bytes;
        if (sb == 0)
            continue;
        scratch_blk[i] = nb;
        blocks[nb].first = blocks[nb].last = i;
        blocks[nb].bytes = round_up(sb, NN_ALIGN);
        nb++;
        p->tensor_bytes += sb;
    }
    p->arena_bytes = place_blocks(blocks, nb, order, tmp);
    for (int v = 0; v < g->n_values; v++) {
        nn_value_plan *vp = &p->vals[v];
        int root = vp->view_of >= 0 ? vp->view_of : v;
        if (vp->storage == NN_STORAGE_ARENA && blk_of[root] >= 0)
            vp->offset = blocks[blk_of[root]].offset;
    }
    for (int i = 0; i < g->n_nodes; i++)
        if (scratch_blk[i] >= 0)
            p->exec[i].scratch_offset = blocks[scratch_blk[i]].offset;
    free(blocks), free(blk_of), free(order), free(tmp), free(scratch_blk);
    return NN_OK;
}

nn_status nn_plan_create(nn_graph *g, int batch, const nn_plan_opts *opts, nn_plan **out)
{
    if (!g || !out)
        return NN_ERR_ARG;
    *out = NULL;
    nn_status s = nn_graph_validate(g);
    if (s != NN_OK)
        return s;
    if (batch < 1 || batch > NN_MAX_BATCH)
        return nn_graph_plan_fail(g, batch < 1 ? NN_ERR_ARG : NN_ERR_LIMIT,
                                  "batch %d: must be 1..%d", batch, NN_MAX_BATCH);
    nn_plan *p = calloc(1, sizeof *p);
    size_t nv = (size_t)(g->n_values > 0 ? g->n_values : 1);
    size_t nn = (size_t)(g->n_nodes > 0 ? g->n_nodes : 1);
    if (p) {
        p->vals = calloc(nv, sizeof *p->vals);
        p->exec = calloc(nn, sizeof *p->exec);
        p->rptr = calloc(nv, sizeof *p->rptr);
        p->wptr = calloc(nv, sizeof *p->wptr);
    }
    if (!p || !p->vals || !p->exec || !p->rptr || !p->wptr) {
        nn_plan_destroy(p);
        return nn_graph_plan_fail(g, NN_ERR_NOMEM, "no memory for a plan");
    }
    p->g = g;
    p->batch = batch;
    p->threads = opts && opts->threads > 1 ? opts->threads : 1;
    if (p->threads > NN_POOL_MAX_THREADS)
        p->threads = NN_POOL_MAX_THREADS;
    if (p->threads > 1 && nn_pool_create(p->threads, &p->pool) != 0) {
        nn_plan_destroy(p);
        return nn_graph_plan_fail(g, NN_ERR_NOMEM, "could not start %d threads", opts->threads);
    }
    int inplace = !(opts && opts->no_inplace);
    if ((s = plan_values(p)) != NN_OK || (s = nn_prepare(p)) != NN_OK ||
        (s = plan_arena(p, inplace)) != NN_OK) {
        nn_plan_destroy(p);
        return s;
    }
    if (p->arena_bytes > 0) {
        p->arena = aligned_alloc(NN_ALIGN, round_up(p->arena_bytes, NN_ALIGN));
        if (!p->arena) {
            size_t bytes = p->arena_bytes;
            nn_plan_destroy(p);
            return nn_graph_plan_fail(g, NN_ERR_NOMEM, "no memory for an arena of %zu bytes",
                                      bytes);
        }
    }
    *out = p;
    return NN_OK;
}

void nn_plan_destroy(nn_plan *p)
{
    if (!p)
        return;
    if (p->exec && p->g)
        for (int i = 0; i < p->g->n_nodes; i++) {
            nn_node_exec *e = &p->exec[i];
            if (e->packed && e->release)
                e->release(e->packed);
            else
                free(e->packed);
        }
    nn_pool_destroy(p->pool);
    free(p->vals);
    free(p->exec);
    free(p->rptr);
    free(p->wptr);
    free(p->arena);
    free(p);
}

int nn_plan_batch(const nn_plan *p) { return p->batch; }
int nn_plan_threads(const nn_plan *p) { return p->threads; }
size_t nn_plan_arena_bytes(const nn_plan *p) { return p->arena_bytes; }
size_t nn_plan_tensor_bytes(const nn_plan *p) { return p->tensor_bytes; }

nn_status nn_plan_value(const nn_plan *p, int v, nn_value_plan *out)
{
    if (!p || !out || v < 0 || v >= p->g->n_values)
        return NN_ERR_ARG;
    *out = p->vals[v];
    return NN_OK;
}

const char *nn_plan_node_variant(const nn_plan *p, int i)
{
    if (!p || i < 0 || i >= p->g->n_nodes)
        return "?";
    return p->exec[i].variant;
}

size_t nn_plan_node_scratch(const nn_plan *p, int i)
{
    if (!p || i < 0 || i >= p->g->n_nodes)
        return 0;
    return p->exec[i].scratch_bytes;
}
