/*
 * nn.h - tensors, graphs, memory plans and the executor: the one public
 * header of nn/.
 *
 * The life of a network:
 *
 *   nn_graph_create        an empty graph
 *   nn_input, nn_const     graph inputs (per-sample shape) and weights (views
 *                          into a caller-owned block: nothing is copied)
 *   nn_conv2d, nn_add, ... one node each, appended in topological order;
 *                          each returns the id of the value it produces
 *   nn_output              mark the values the caller wants back
 *   nn_graph_validate      arity, attributes, weight sizes, topological
 *                          order, shape inference; a failure names the node
 *                          and the rule broken (nn_graph_error)
 *   nn_plan_create         fix the batch size N, pick a kernel per node,
 *                          lay every intermediate out in one arena
 *   nn_run                 run the plan: inputs in, outputs out, no allocation
 *   nn_plan_destroy, nn_graph_destroy
 *
 * Files live in:
 *   nn/graph.c  builder, validation, shape inference
 *   nn/plan.c   batch shapes, kernel choice (nn_prepare), memory planner
 *   nn/exec.c   executor and the scalar kernel glue (one dispatch point)
 *
 * Errors: fallible functions return nn_status (NN_OK == 0); the graph keeps
 * a one-line reason for the first failure of any call on it, and the plan one
 * for the last failed run. Builder calls are "sticky": once one fails, the
 * following ones do nothing and return NN_NONE, so a hand-written graph can
 * be built straight through and checked once (nn_graph_validate reports the
 * first failure). Library code never prints or exits.
 *
 * Layout: every activation is a dense float32 NHWC tensor {N, H, W, C}; a
 * flat vector of K features is {N, 1, 1, K}. Tensors carry no strides
 * because every kernel takes densely packed data; a view that needs strides
 * (an in-place concat, say) would add them here.
 */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#include "ops/ops.h"

typedef enum nn_status {
    NN_OK = 0,
    NN_ERR_ARG,     /* bad argument to an API call (NULL, id out of range) */
    NN_ERR_NOMEM,   /* allocation failed */
    NN_ERR_GRAPH,   /* structure: value used before it is produced, wrong arity,
                       a value produced twice, wrong kind of value in a slot */
    NN_ERR_SHAPE,   /* shapes that do not fit together */
    NN_ERR_ATTR,    /* an attribute out of its range */
    NN_ERR_WEIGHTS, /* a weight tensor with the wrong dims or element count, or bad values */
    NN_ERR_LIMIT    /* a size over a cap (NN_MAX_EXTENT, NN_MAX_ELEMS, NN_MAX_BATCH) */
} nn_status;

const char *nn_strerror(nn_status s);

/* Value id meaning "no value" (an absent optional input), and what builder
 * functions return when they fail. */
#define NN_NONE (-1)

#define NN_MAX_DIMS 4
#define NN_MAX_INPUTS 16  /* inputs of one node (concat is the widest) */
#define NN_NAME_MAX 64    /* names longer than this are truncated */

/* Caps checked before anything is allocated. NN_MAX_ELEMS keeps every
 * element index of every tensor (batch included) inside an int, which is
 * what the kernels index with. */
#define NN_MAX_EXTENT (1 << 20) /* any single dimension */
#define NN_MAX_ELEMS 0x7fffffff /* elements of one tensor */
#define NN_MAX_BATCH 4096
/* Pooling windows: a window that mostly covers padding is still walked
 * cell by cell, so a file must not be able to ask for a huge one. */
#define NN_MAX_WINDOW 1024

/* ---- tensors ---------------------------------------------------------------- */

/* Shape of a dense tensor. Activations are always ndim 4, {N, H, W, C}; in a
 * graph (before a plan fixes the batch) their N is 1. Weights have the ndim
 * and layout their node kind asks for (stated at each builder). */
typedef struct nn_tensor {
    int ndim;
    int dims[NN_MAX_DIMS]; /* [ndim], outermost first; each >= 1 */
} nn_tensor;

/* Element count (product of dims); 0 if ndim is out of range. */
size_t nn_tensor_count(const nn_tensor *t);

/* ---- graph ----------------------------------------------------------------- */

typedef enum nn_op {
    NN_OP_CONV2D = 0,      /* x, w, [bias], [residual] */
    NN_OP_POOL2D,          /* x */
    NN_OP_GLOBAL_AVGPOOL,  /* x */
    NN_OP_BATCHNORM,       /* x, mean, var, gamma, beta */
    NN_OP_AFFINE,          /* x, [scale], [shift] */
    NN_OP_DENSE,           /* x, w, [bias] */
    NN_OP_ACT,             /* x */
    NN_OP_PRELU,           /* x, slope */
    NN_OP_BINARY,          /* a, b */
    NN_OP_CONCAT,          /* x0, x1, ... (1 to NN_MAX_INPUTS) */
    NN_OP_PAD,             /* x */
    NN_OP_LRN,             /* x */
    NN_OP_L2NORM,          /* x */
    NN_OP_RESIZE_BILINEAR, /* x */
    NN_OP_RESHAPE,         /* x */
    NN_OP_COUNT
} nn_op;

/* Lower-case name of an op ("conv2d", "pool2d", ...), "?" if out of range. */
const char *nn_op_name(nn_op op);

/* How a sliding window's zero padding is given. */
typedef enum nn_padding {
    NN_PADDING_EXPLICIT = 0, /* the pad_* fields */
    NN_PADDING_VALID,        /* none (pad_* must be 0) */
    NN_PADDING_SAME          /* TensorFlow SAME, ops_same_pads (pad_* must be 0) */
} nn_padding;

/* conv2d. Weights w: [c_out][kh][kw][c_in/groups] (OHWI, as ops_conv2d_f32);
 * the kernel size and c_out are read from w. bias: [c_out]. residual: an
 * activation of the output's shape, added before the activation function. */
typedef struct nn_conv2d_attr {
    int stride_h, stride_w; /* >= 1 */
    int dil_h, dil_w;       /* >= 1 */
    nn_padding padding;
    int pad_top, pad_bottom, pad_left, pad_right; /* >= 0, EXPLICIT only */
    int groups;                                   /* >= 1, divides c_in and c_out */
    ops_act act;
} nn_conv2d_attr;

/* Stride 1, dilation 1, VALID, 1 group, no activation: start from this and
 * change what differs. */
nn_conv2d_attr nn_conv2d_attr_default(void);

/* Pooling windows (dilation 1). Every padding must be smaller than the
 * window along its axis, so that every window sees at least one input. */
typedef struct nn_pool2d_attr {
    ops_pool_kind kind;
    int kh, kw;             /* 1..NN_MAX_WINDOW */
    int stride_h, stride_w; /* >= 1 */
    nn_padding padding;
    int pad_top, pad_bottom, pad_left, pad_right; /* >= 0, EXPLICIT only */
    int count_include_pad;                        /* 0 or 1, see ops_pool2d_params */
} nn_pool2d_attr;

typedef struct nn_lrn_attr {
    int radius;  /* >= 0; window 2*radius+1 channels */
    float bias;  /* > 0 */
    float alpha; /* >= 0 */
    float beta;  /* >= 0 */
} nn_lrn_attr;

typedef struct nn_resize_attr {
    int out_h, out_w;  /* >= 1 */
    int align_corners; /* 0 or 1, see ops_resize_bilinear_f32 */
} nn_resize_attr;

/* Reshape of the per-sample shape, in NHWC element order (so a flatten of an
 * NHWC tensor is NOT PyTorch's NCHW flatten: converters permute the next
 * dense layer's weights instead). One of h, w, c may be -1: inferred. */
typedef struct nn_reshape_attr {
    int h, w, c;
} nn_reshape_attr;

/* Attributes of a node, by its op (ops without attributes use none). */
typedef union nn_attr {
    nn_conv2d_attr conv2d;    /* NN_OP_CONV2D */
    nn_pool2d_attr pool2d;    /* NN_OP_POOL2D */
    float eps;                /* NN_OP_BATCHNORM (>= 0), NN_OP_L2NORM (> 0) */
    ops_act act;              /* NN_OP_DENSE, NN_OP_ACT */
    ops_binary_kind binary;   /* NN_OP_BINARY */
    ops_pad_params pad;       /* NN_OP_PAD: every field >= 0 */
    nn_lrn_attr lrn;          /* NN_OP_LRN */
    nn_resize_attr resize;    /* NN_OP_RESIZE_BILINEAR */
    nn_reshape_attr reshape;  /* NN_OP_RESHAPE */
} nn_attr;

typedef enum nn_value_kind {
    NN_VALUE_INPUT = 0, /* a graph input: the caller's buffer at run time */
    NN_VALUE_CONST,     /* a weight tensor: a view into caller-owned memory */
    NN_VALUE_NODE       /* produced by exactly one node */
} nn_value_kind;

/* A value: the data flowing along one edge of the graph. */
typedef struct nn_value {
    nn_value_kind kind;
    char name[NN_NAME_MAX];
    nn_tensor shape;   /* INPUT/CONST: as given; NODE: filled by nn_graph_validate
                          (ndim 0 until then). Activations have N = 1 here. */
    const float *data; /* CONST only: [count] in the layout of shape; caller-owned,
                          must outlive the graph and its plans */
    int producer;      /* NODE: index of the node writing it, -1 until one does */
    int input_index;   /* INPUT: position among the graph inputs; else -1 */
    int output_index;  /* position among the graph outputs, or -1 */
} nn_value;

/* A node. inputs[i] is a value id or NN_NONE for an absent optional input. */
typedef struct nn_node {
    nn_op op;
    char name[NN_NAME_MAX];
    int n_inputs;
    int inputs[NN_MAX_INPUTS]; /* [n_inputs] value ids */
    int output;                /* value id */
    nn_attr attr;
} nn_node;

typedef struct nn_graph nn_graph;

nn_status nn_graph_create(nn_graph **out);
void nn_graph_destroy(nn_graph *g); /* NULL is fine; plans of g must be destroyed first */

/* The first failure's status and reason ("" and NN_OK if none). */
nn_status nn_graph_status(const nn_graph *g);
const char *nn_graph_error(const nn_graph *g);

/* A graph input with per-sample shape h x w x c; inputs are numbered in the
 * order they are declared (the order of nn_run's inputs array). */
int nn_input(nn_graph *g, const char *name, int h, int w, int c);

/* A constant (weights): data is [dims[0]]...[dims[ndim-1]], 1 <= ndim <= 4,
 * not copied. */
int nn_const(nn_graph *g, const char *name, const float *data, int ndim, const int *dims);
/* Shorthand for a 1-D constant of len elements. */
int nn_const_vec(nn_graph *g, const char *name, const float *data, int len);

/* Declare a value that a node added later produces (for loaders that create
 * values before the nodes that write them; hand-built graphs do not need it). */
int nn_declare(nn_graph *g, const char *name);

/* Append a node that writes the declared value `output`. The generic form
 * every builder below goes through; attr may be NULL for ops without
 * attributes. Checks only what it must to store the node (ids in range,
 * n_inputs, output not produced twice); the rest is nn_graph_validate's. */
nn_status nn_node_add(nn_graph *g, nn_op op, const char *name, const int *inputs,
                      int n_inputs, int output, const nn_attr *attr);

/* Mark v as a graph output; outputs are numbered in the order marked (the
 * order of nn_run's outputs array). A node's value or a graph input (copied
 * to the output buffer), at most once; not a constant. */
nn_status nn_output(nn_graph *g, int v);

/* ---- builders: each appends one node and returns its output value (named
 * after the node), or NN_NONE on failure (see nn_graph_error). ---------------- */

/* conv2d with a square stride, SAME or VALID padding, no residual. */
int nn_conv2d(nn_graph *g, const char *name, int x, int w, int bias, int stride,
              nn_padding padding, ops_act act);
int nn_conv2d_ex(nn_graph *g, const char *name, int x, int w, int bias, int residual,
                 const nn_conv2d_attr *a);

/* Square window and stride, SAME or VALID; avg pool excludes padding from
 * the count (TensorFlow's behaviour). */
int nn_maxpool(nn_graph *g, const char *name, int x, int k, int stride, nn_padding padding);
int nn_avgpool(nn_graph *g, const char *name, int x, int k, int stride, nn_padding padding);
int nn_pool2d_ex(nn_graph *g, const char *name, int x, const nn_pool2d_attr *a);

/* Mean over H and W: {N, 1, 1, C}. */
int nn_global_avgpool(nn_graph *g, const char *name, int x);

/* mean, var, gamma, beta: [C] each. */
int nn_batchnorm(nn_graph *g, const char *name, int x, int mean, int var, int gamma,
                 int beta, float eps);
/* scale, shift: [C] or NN_NONE. */
int nn_affine(nn_graph *g, const char *name, int x, int scale, int shift);

/* x: {N, H, W, C} read as [N][K] with K = H*W*C in NHWC order (a PyTorch
 * flatten is NCHW: converters permute w's columns); w: [M][K]; bias: [M] or
 * NN_NONE; y: {N, 1, 1, M}. */
int nn_dense(nn_graph *g, const char *name, int x, int w, int bias, ops_act act);

int nn_act(nn_graph *g, const char *name, int x, ops_act act);
/* slope: [C]. */
int nn_prelu(nn_graph *g, const char *name, int x, int slope);

/* b: an activation of a's shape, or a constant [C] broadcast over pixels. */
int nn_binary(nn_graph *g, const char *name, ops_binary_kind kind, int a, int b);
int nn_add(nn_graph *g, const char *name, int a, int b);

/* Along channels; all inputs share N, H, W. */
int nn_concat(nn_graph *g, const char *name, const int *xs, int n);

int nn_pad(nn_graph *g, const char *name, int x, const ops_pad_params *p);
int nn_lrn(nn_graph *g, const char *name, int x, const nn_lrn_attr *a);
int nn_l2norm(nn_graph *g, const char *name, int x, float eps);
int nn_resize_bilinear(nn_graph *g, const char *name, int x, int out_h, int out_w,
                       int align_corners);
int nn_reshape(nn_graph *g, const char *name, int x, int h, int w, int c);
/* {N, H, W, C} -> {N, 1, 1, H*W*C} in NHWC order (see nn_reshape_attr). */
int nn_flatten(nn_graph *g, const char *name, int x);

/* Check the whole graph and infer every value's shape. Rules, each failure
 * naming the node (index, name, op) and the rule:
 * - every input slot holds the right kind of value (activation or constant),
 *   in the op's arity; every activation input is a graph input or produced
 *   by an EARLIER node (this is what rejects a cycle);
 * - attributes in range; weights of the dims and element count the op needs;
 * - input shapes that fit; every inferred dimension within the caps;
 * - at least one input and one output, every output produced.
 * Idempotent; adding anything later invalidates it. */
nn_status nn_graph_validate(nn_graph *g);

/* Read access for loaders, printers and benches. */
int nn_graph_node_count(const nn_graph *g);
const nn_node *nn_graph_node(const nn_graph *g, int i);   /* NULL if out of range */
int nn_graph_value_count(const nn_graph *g);
const nn_value *nn_graph_value(const nn_graph *g, int v); /* NULL if out of range */
int nn_graph_input_count(const nn_graph *g);
int nn_graph_input_value(const nn_graph *g, int k);       /* value id of input k */
int nn_graph_output_count(const nn_graph *g);
int nn_graph_output_value(const nn_graph *g, int k);      /* value id of output k */

/* ---- plan ------------------------------------------------------------------ */

typedef struct nn_plan nn_plan;

/* Options of nn_plan_create; all-zero (or NULL) means the defaults. */
typedef struct nn_plan_opts {
    int no_inplace; /* 1: never let an elementwise node overwrite its input */
    int threads;    /* threads that split each convolution (the caller is one of
                       them): 0 or 1 = the caller alone, at most 64. Outputs are
                       the same bit for bit whatever the count. */
} nn_plan_opts;

/* Validate g, fix the batch size (1..NN_MAX_BATCH), prepare each node (kernel
 * choice, packed weights), plan and allocate the arena. g must outlive the
 * plan and not change while it exists. On failure nn_graph_error(g) says why. */
nn_status nn_plan_create(nn_graph *g, int batch, const nn_plan_opts *opts, nn_plan **out);
void nn_plan_destroy(nn_plan *p); /* NULL is fine */

int nn_plan_batch(const nn_plan *p);
/* Threads the plan runs on (the caller included). */
int nn_plan_threads(const nn_plan *p);
/* Bytes of the one arena holding every intermediate tensor and per-node scratch. */
size_t nn_plan_arena_bytes(const nn_plan *p);
/* Sum of the bytes of every tensor the arena holds (what it would need with
 * no reuse at all); views sharing another value's storage are not counted. */
size_t nn_plan_tensor_bytes(const nn_plan *p);

/* Where a value lives during a run. */
typedef enum nn_storage {
    NN_STORAGE_INPUT = 0, /* the caller's inputs[index] */
    NN_STORAGE_OUTPUT,    /* the caller's outputs[index] */
    NN_STORAGE_CONST,     /* the graph's constant data */
    NN_STORAGE_ARENA      /* the plan's arena at offset */
} nn_storage;

typedef struct nn_value_plan {
    nn_tensor shape;    /* with the plan's batch */
    size_t bytes;       /* 4 * element count */
    nn_storage storage;
    int index;          /* INPUT/OUTPUT: which caller buffer */
    size_t offset;      /* ARENA: byte offset, a multiple of 64 */
    int first, last;    /* nodes that write it and read it last: [first, last];
                           first = -1 for inputs and constants; last = first
                           for a value nobody reads */
    int view_of;        /* a reshape that shares (never writes) the storage of
                           this value id, or -1 */
    int inplace_of;     /* an elementwise node's output written over the
                           storage of this input value id, or -1 */
} nn_value_plan;

nn_status nn_plan_value(const nn_plan *p, int v, nn_value_plan *out);

/* Name of the kernel variant chosen for node i ("scalar", ...), for tables. */
const char *nn_plan_node_variant(const nn_plan *p, int i);
/* Per-node scratch bytes inside the arena (0 for the scalar kernels). */
size_t nn_plan_node_scratch(const nn_plan *p, int i);
/* Multiply-adds of node i for the plan's batch (nn/stats.c): conv2d is
 * N*OH*OW*C_out*KH*KW*C_in/groups, dense N*K*M, every other op 0 (they are
 * memory-bound; count them in bytes if needed). FLOPs = 2 * MACs. */
double nn_plan_node_macs(const nn_plan *p, int i);
double nn_plan_macs(const nn_plan *p); /* the sum over all nodes */

/* ---- run ------------------------------------------------------------------- */

typedef struct nn_run_opts {
    uint64_t *node_ns; /* [node count] or NULL: filled with each node's wall time in ns */
} nn_run_opts;

/* Run the plan. inputs[k]: [N][H][W][C] of graph input k; outputs[k]: room
 * for graph output k ([N][H][W][C], see nn_plan_value). Buffers must not
 * overlap each other. No allocation; one run at a time per plan. On failure
 * nn_plan_error(p) says why. */
nn_status nn_run(nn_plan *p, const float *const *inputs, float *const *outputs);
nn_status nn_run_ex(nn_plan *p, const float *const *inputs, float *const *outputs,
                    const nn_run_opts *opts);
const char *nn_plan_error(const nn_plan *p);

#endif
