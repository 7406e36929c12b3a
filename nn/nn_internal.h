/*
 * nn_internal.h - what the files of nn/ share; nothing outside nn/ includes it.
 *
 * The seam for faster kernels: nn_prepare (nn/plan.c) runs once per plan,
 * after batch shapes are known and before the arena is laid out. For every
 * node it fills an nn_node_exec: the kernel function, its variant name, any
 * weights repacked for that kernel (owned by the plan) and the scratch bytes
 * it needs inside the arena. nn/exec.c then calls exec[i].fn for node i and
 * nothing else, so a SIMD kernel is slotted in by choosing it in
 * nn_select_kernel without touching the planner or the executor.
 */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include "nn/nn.h"
#include "nn/threadpool_internal.h"

#define NN_ERR_MAX 256
#define NN_ALIGN 64 /* arena offsets and the arena itself */

struct nn_graph {
    nn_value *values; /* [n_values] */
    int n_values, cap_values;
    nn_node *nodes;   /* [n_nodes] in execution order */
    int n_nodes, cap_nodes;
    int *inputs;      /* [n_inputs] value ids */
    int n_inputs, cap_inputs;
    int *outputs;     /* [n_outputs] value ids */
    int n_outputs, cap_outputs;
    int validated;    /* 1 after nn_graph_validate succeeded and nothing changed */
    nn_status status; /* first failure, sticky */
    char err[NN_ERR_MAX];
};

/* Pointers a kernel gets for one node. */
typedef struct nn_node_args {
    const float *in[NN_MAX_INPUTS]; /* [n_inputs]: data of each input, NULL if absent */
    float *out;                     /* the node's output */
    float *scratch;                 /* exec.scratch_bytes inside the arena, or NULL */
} nn_node_args;

struct nn_plan;
typedef void (*nn_kernel_fn)(const struct nn_plan *p, int node, const nn_node_args *a);

/* Everything the executor needs for one node, resolved at plan time. */
typedef struct nn_node_exec {
    nn_kernel_fn fn;         /* the kernel; never NULL after nn_prepare */
    const char *variant;     /* static string naming the kernel */
    void *packed;            /* kernel-private state (e.g. repacked weights), or NULL */
    void (*release)(void *); /* frees packed in nn_plan_destroy; NULL means free() */
    size_t scratch_bytes;    /* asked for by nn_prepare */
    size_t scratch_offset;   /* given by the planner */
    ops_nhwc in;             /* shape of input 0 with the batch */
    ops_nhwc out;            /* shape of the output with the batch */
    ops_conv2d_params conv;  /* CONV2D: resolved padding, kernel size from w */
    ops_pool2d_params pool;  /* POOL2D: resolved padding */
    int c_out;               /* CONV2D, DENSE: output channels */
    int cs[NN_MAX_INPUTS];   /* CONCAT: [n_inputs] channels of each input */
    int b_per_channel;       /* BINARY: b is a constant [C] */
} nn_node_exec;

struct nn_plan {
    nn_graph *g;
    int batch;
    int threads;             /* >= 1, the caller included */
    nn_pool *pool;           /* threads-1 workers, or NULL for 1 thread */
    nn_value_plan *vals;     /* [g->n_values] */
    nn_node_exec *exec;      /* [g->n_nodes] */
    float *arena;            /* [arena_bytes / 4], NN_ALIGN-aligned; offsets are in bytes */
    size_t arena_bytes;
    size_t tensor_bytes;
    const float **rptr;      /* [g->n_values] read pointers, filled at the start of a run */
    float **wptr;            /* [g->n_values] write pointers (arena and outputs), same */
    char err[NN_ERR_MAX];
};

/* graph.c: record the first failure on g (printf-style reason). */
nn_status nn_graph_fail(nn_graph *g, nn_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* graph.c: a plan-time failure: reason into g->err unless a build or
 * validation failure is already recorded there; does not make g unusable. */
nn_status nn_graph_plan_fail(nn_graph *g, nn_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* graph.c: the explicit zero padding of a window along H and W:
 * pads = {top, bottom, left, right}. */
void nn_resolve_pads(nn_padding mode, int pt, int pb, int pl, int pr, int in_h, int in_w,
                     int kh, int kw, int sh, int sw, int dh, int dw, int pads[4]);

/* graph.c: "node #3 'conv1' (conv2d)" into buf. */
void nn_node_label(const nn_graph *g, int i, char *buf, size_t cap);

/* plan.c: choose each node's kernel, pack weights, size scratch. */
nn_status nn_prepare(nn_plan *p);

/* fast.c: choose a SIMD kernel for node i if one fits (sets e->fn, variant,
 * packed, release, scratch_bytes and returns 1), else 0. */
int nn_fast_kernel(nn_plan *p, int i, nn_node_exec *e);

/* exec.c: the scalar reference kernel of an op (never NULL for a valid op). */
nn_kernel_fn nn_scalar_kernel(nn_op op);
/* exec.c: the kernel of a reshape that shares its input's storage. */
void nn_kernel_view(const struct nn_plan *p, int node, const nn_node_args *a);

/* Ops whose kernel allows the output to be the same buffer as input 0 (and
 * input 1 for BINARY), as ops.h states for each. */
int nn_op_elementwise_inplace(nn_op op);

#endif
