/*
 * weights.h - our model file (.fnw): the one public header of weights/.
 *
 * The format is specified in weights/FORMAT.md; this header is a reader and
 * a writer of it. The reader checks every field, bound and checksum before
 * anything is used, maps the file where the platform can (plain reads
 * otherwise) and hands out tensors as 64-byte aligned views into it.
 *
 * Errors: fallible functions return wts_status (WTS_OK == 0) and fill their
 * out-params only on success; wts_strerror() names the status and the
 * caller-owned wts_err gets one line naming the file, the field, its byte
 * offset, the value seen and the rule broken. Library code never prints.
 */
#ifndef WEIGHTS_H
#define WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"

typedef enum wts_status {
    WTS_OK = 0,
    WTS_EIO,        /* cannot open, read or write a file */
    WTS_ENOMEM,     /* allocation failed */
    WTS_EMAGIC,     /* not a model file (magic bytes) */
    WTS_EVERSION,   /* a format version this reader does not know */
    WTS_ETRUNCATED, /* the file ends before its structure does */
    WTS_ECHECKSUM,  /* a CRC-32 does not match */
    WTS_EFORMAT,    /* a field breaks a rule of FORMAT.md */
    WTS_ELIMIT,     /* a count or size over a cap */
    WTS_EGRAPH,     /* graph structure: value ids, order, cycle, arity */
    WTS_EINVAL      /* bad argument from the caller */
} wts_status;

const char *wts_strerror(wts_status s);

/* One line: "FILE: FIELD at byte N: value V: RULE". */
typedef struct wts_err {
    char msg[512];
} wts_err;

/* ==== what a file describes (numbers as in FORMAT.md) ======================= */

#define WTS_VERSION 1
#define WTS_MAX_RANK 4
#define WTS_NONE 0xFFFFFFFFu /* an absent optional node input */

typedef enum wts_dtype { WTS_F32 = 1, WTS_F16 = 2, WTS_INT8 = 3 } wts_dtype;

typedef enum wts_channel_order { WTS_RGB = 0, WTS_BGR = 1, WTS_GRAY = 2 } wts_channel_order;

typedef enum wts_preprocess {
    WTS_PRE_NONE = 0,     /* x = pixel */
    WTS_PRE_MEAN_STD = 1, /* x = (pixel - mean[c]) / std[c] */
    WTS_PRE_PREWHITEN = 2 /* x = (pixel - m) / max(s, 1/sqrt(H*W*C)), per image */
} wts_preprocess;

typedef enum wts_metric { WTS_EUCLIDEAN = 0, WTS_COSINE = 1 } wts_metric;

typedef enum wts_op {
    WTS_OP_CONV2D = 1,
    WTS_OP_POOL2D = 2,
    WTS_OP_GLOBAL_AVGPOOL = 3,
    WTS_OP_BATCHNORM = 4,
    WTS_OP_AFFINE = 5,
    WTS_OP_DENSE = 6,
    WTS_OP_ACT = 7,
    WTS_OP_PRELU = 8,
    WTS_OP_BINARY = 9,
    WTS_OP_CONCAT = 10,
    WTS_OP_PAD = 11,
    WTS_OP_LRN = 12,
    WTS_OP_L2NORM = 13,
    WTS_OP_RESIZE_BILINEAR = 14
} wts_op;
#define WTS_OP_LAST WTS_OP_RESIZE_BILINEAR

typedef enum wts_attr_key {
    WTS_A_STRIDE_H = 1,
    WTS_A_STRIDE_W = 2,
    WTS_A_DIL_H = 3,
    WTS_A_DIL_W = 4,
    WTS_A_PAD_TOP = 5,
    WTS_A_PAD_BOTTOM = 6,
    WTS_A_PAD_LEFT = 7,
    WTS_A_PAD_RIGHT = 8,
    WTS_A_GROUPS = 9,
    WTS_A_ACT = 10, /* an ops_act value */
    WTS_A_POOL = 11, /* an ops_pool_kind value */
    WTS_A_KERNEL_H = 12,
    WTS_A_KERNEL_W = 13,
    WTS_A_COUNT_INCLUDE_PAD = 14,
    WTS_A_EPS = 15,
    WTS_A_BINARY = 16, /* an ops_binary_kind value */
    WTS_A_C_BEFORE = 17,
    WTS_A_C_AFTER = 18,
    WTS_A_RADIUS = 19,
    WTS_A_LRN_BIAS = 20,
    WTS_A_ALPHA = 21,
    WTS_A_BETA = 22,
    WTS_A_OUT_H = 23,
    WTS_A_OUT_W = 24,
    WTS_A_ALIGN_CORNERS = 25
} wts_attr_key;
#define WTS_A_LAST WTS_A_ALIGN_CORNERS

typedef struct wts_attr {
    wts_attr_key key;
    int is_float; /* 1: f holds the value, 0: i does */
    int32_t i;
    float f;
} wts_attr;

/* Model metadata (META section). Strings are NUL-terminated, owned by the model
 * (or, for wts_writer_set_meta, copied by the writer). */
typedef struct wts_meta {
    const char *name;
    int input_h, input_w, input_c;
    wts_channel_order channel_order;
    wts_preprocess preprocess;
    float mean[3]; /* [input_c], pixel units 0..255 */
    float std[3];  /* [input_c] */
    int output_dim;
    wts_metric metric;
    int l2_normalise;
    float threshold;
    const char *source;
    const char *licence;
    const char *producer;
} wts_meta;

/* A constant tensor (TENSORS + DATA sections). */
typedef struct wts_tensor {
    const char *name;
    wts_dtype dtype;
    int rank;
    int dims[WTS_MAX_RANK]; /* [rank], row-major, last fastest */
    size_t count;           /* elements: product of dims */
    uint64_t offset;        /* bytes from the start of the DATA section */
    uint64_t size;          /* bytes in the file: count * element size */
    const void *raw;        /* [size] bytes as stored (little-endian), 64-byte aligned */
    const float *f32;       /* [count] the values as host floats, 64-byte aligned: a view of
                               raw for F32 on little-endian hosts, else decoded at load and
                               owned by the model */
    int q_axis;             /* INT8: -1 one scale for all, else the axis of q_scale */
    int q_count;            /* INT8: entries in q_scale and q_zero, else 0 */
    const float *q_scale;   /* [q_count] */
    const int32_t *q_zero;  /* [q_count] */
} wts_tensor;

typedef struct wts_node {
    wts_op op;
    const char *name;
    int n_inputs;
    const uint32_t *inputs;  /* [n_inputs] value ids, WTS_NONE when absent */
    int n_outputs;
    const uint32_t *outputs; /* [n_outputs] value ids */
    int n_attrs;
    const wts_attr *attrs;   /* [n_attrs] */
} wts_node;

/* A graph input or output. */
typedef struct wts_io {
    uint32_t value;
    const char *name;
    int dims[4]; /* inputs: N (0 = any), H, W, C; outputs: unused (0) */
} wts_io;

typedef struct wts_model_store wts_model_store; /* the file's bytes and owned copies */

/* A loaded model: everything is read-only and lives until wts_free. */
typedef struct wts_model {
    wts_meta meta;
    int n_tensors;
    const wts_tensor *tensors; /* [n_tensors]; tensor i is value id i */
    uint32_t n_values;         /* value ids are 0 .. n_values-1 */
    int n_inputs;
    const wts_io *inputs;      /* [n_inputs] */
    int n_outputs;
    const wts_io *outputs;     /* [n_outputs] */
    int n_nodes;
    const wts_node *nodes;     /* [n_nodes], topological order */
    uint64_t file_size;
    int mapped;                /* 1: the file is mmap'd, 0: read into memory */
    wts_model_store *store;
} wts_model;

/* ==== reading ============================================================== */

/* Load and validate a whole file; *out is set only on WTS_OK. */
wts_status wts_load(const char *path, wts_model **out, wts_err *err);

/* The same from bytes in memory (copied: data may be freed after the call).
 * label stands for the file name in messages. */
wts_status wts_load_memory(const void *data, size_t len, const char *label, wts_model **out,
                           wts_err *err);

void wts_free(wts_model *m);

/* Value of attribute key on node n, or def when the node does not carry it. */
int32_t wts_attr_int(const wts_node *n, wts_attr_key key, int32_t def);
float wts_attr_float(const wts_node *n, wts_attr_key key, float def);

/* The index of the tensor called name, or -1. */
int wts_find_tensor(const wts_model *m, const char *name);

/* Names for printing ("CONV2D", "stride_h", "F32", ...); "?" when unknown. */
const char *wts_op_name(wts_op op);
const char *wts_attr_name(wts_attr_key key);
const char *wts_dtype_name(wts_dtype dtype);

/* The model's graph for the runtime: every tensor an nn constant viewing the
 * model's float data (m must outlive the graph), every node the nn node of the
 * same operator; nn validates it and infers the shapes, and its input and
 * output sizes are checked against the metadata. file names the model in
 * messages. On success *out is a validated graph (nn_graph_destroy it). */
wts_status wts_build_graph(const wts_model *m, const char *file, nn_graph **out, wts_err *err);

/* CRC-32 (zlib's) of len bytes, continuing from crc (start with 0). */
uint32_t wts_crc32(uint32_t crc, const void *data, size_t len);

/* ==== writing ============================================================== */

/* Builds a model in memory, then serialises it. Value ids handed out by a
 * writer are handles for the same writer only (the file's numbering is fixed
 * when it is written): tensors and activations may be added in any order. */
typedef struct wts_writer wts_writer;

/* INT8 quantisation of a tensor being added (see FORMAT.md). */
typedef struct wts_quant {
    int axis;             /* -1: one scale for all, else the axis */
    int count;            /* 1, or dims[axis] */
    const float *scale;   /* [count] */
    const int32_t *zero;  /* [count] */
} wts_quant;

wts_status wts_writer_create(wts_writer **out);
void wts_writer_destroy(wts_writer *w);

/* Strings in meta are copied. */
wts_status wts_writer_set_meta(wts_writer *w, const wts_meta *meta, wts_err *err);

/* data holds count elements in host form: float for F32, uint16_t bit
 * patterns for F16, int8_t for INT8 (q required, else NULL). */
wts_status wts_writer_add_tensor(wts_writer *w, const char *name, wts_dtype dtype, int rank,
                                 const int *dims, const void *data, const wts_quant *q,
                                 uint32_t *id, wts_err *err);

/* A graph input, dims N (0 = any), H, W, C. */
wts_status wts_writer_add_input(wts_writer *w, const char *name, const int dims[4],
                                uint32_t *id, wts_err *err);

/* A node with one output; inputs are writer ids or WTS_NONE. */
wts_status wts_writer_add_node(wts_writer *w, wts_op op, const char *name,
                               const uint32_t *inputs, int n_inputs, const wts_attr *attrs,
                               int n_attrs, uint32_t *output, wts_err *err);

wts_status wts_writer_add_output(wts_writer *w, uint32_t id, const char *name, wts_err *err);

/* The whole file in a malloc'd buffer (*out, caller frees). The result is
 * loaded back and validated before it is returned. */
wts_status wts_writer_serialise(const wts_writer *w, uint8_t **out, size_t *out_len,
                                wts_err *err);

/* Serialise to path atomically (temporary file, fsync, rename). */
wts_status wts_writer_save(const wts_writer *w, const char *path, wts_err *err);

#endif
