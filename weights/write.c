/*
 * write.c - the .fnw writer: collects metadata, tensors and nodes, then lays
 * out the file of weights/FORMAT.md and checks it by loading it back.
 *
 * Ids handed out while building are handles: tensors are their index,
 * activations their index with ACT_BIT set, so tensors and nodes may be added
 * in any order; the file's numbering (tensors first) is fixed when writing.
 */
#include "weights/weights_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define WTS_HAVE_FSYNC 1
#else
#define WTS_HAVE_FSYNC 0
#endif

#define ACT_BIT 0x40000000u

typedef struct wtensor {
    char *name;
    wts_dtype dtype;
    int rank;
    int dims[WTS_MAX_RANK];
    size_t count;
    uint8_t *bytes;  /* [size] little-endian, as in the file */
    size_t size;
    int q_axis, q_count;
    float *q_scale;  /* [q_count] */
    int32_t *q_zero; /* [q_count] */
} wtensor;

typedef struct wnode {
    wts_op op;
    char *name;
    int n_inputs;
    uint32_t inputs[WTS_MAX_NODE_INPUTS]; /* [n_inputs] handles */
    uint32_t output;                      /* handle */
    int n_attrs;
    wts_attr attrs[WTS_MAX_ATTRS];        /* [n_attrs] */
} wnode;

typedef struct wio {
    uint32_t value; /* handle */
    char *name;
    int dims[4];
} wio;

struct wts_writer {
    int has_meta;
    wts_meta meta;    /* strings below are owned copies */
    char *name, *source, *licence, *producer;
    wtensor *tensors; /* [n_tensors] */
    int n_tensors, cap_tensors;
    wnode *nodes;     /* [n_nodes] */
    int n_nodes, cap_nodes;
    wio inputs[WTS_MAX_IO], outputs[WTS_MAX_IO];
    int n_inputs, n_outputs;
    uint32_t n_acts;
};

#if defined(__GNUC__) /* calls checked against the format; clang -Wformat-nonliteral */
__attribute__((format(printf, 3, 4)))
#endif
static wts_status werr(wts_err *err, wts_status s, const char *fmt, ...)
{
    if (!err) return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return s;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *d = malloc(n + 1);
    if (d) memcpy(d, s ? s : "", n + 1);
    return d;
}

wts_status wts_writer_create(wts_writer **out)
{
    if (!out) return WTS_EINVAL;
    *out = calloc(1, sizeof **out);
    return *out ? WTS_OK : WTS_ENOMEM;
}

void wts_writer_destroy(wts_writer *w)
{
    if (!w) return;
    free(w->name);
    free(w->source);
    free(w->licence);
    free(w->producer);
    for (int i = 0; i < w->n_tensors; i++) {
        free(w->tensors[i].name);
        free(w->tensors[i].bytes);
        free(w->tensors[i].q_scale);
        free(w->tensors[i].q_zero);
    }
    free(w->tensors);
    for (int i = 0; i < w->n_nodes; i++) free(w->nodes[i].name);
    free(w->nodes);
    for (int i = 0; i < w->n_inputs; i++) free(w->inputs[i].name);
    for (int i = 0; i < w->n_outputs; i++) free(w->outputs[i].name);
    free(w);
}

wts_status wts_writer_set_meta(wts_writer *w, const wts_meta *meta, wts_err *err)
{
    if (!w || !meta) return WTS_EINVAL;
    char why[160];
    if (!wts_meta_valid(meta, why, sizeof why))
        return werr(err, WTS_EINVAL, "model metadata: %s", why);
    char *name = dup_str(meta->name), *source = dup_str(meta->source),
         *licence = dup_str(meta->licence), *producer = dup_str(meta->producer);
    if (!name || !source || !licence || !producer) {
        free(name);
        free(source);
        free(licence);
        free(producer);
        return werr(err, WTS_ENOMEM, "model metadata: out of memory");
    }
    free(w->name);
    free(w->source);
    free(w->licence);
    free(w->producer);
    w->meta = *meta;
    w->meta.name = w->name = name;
    w->meta.source = w->source = source;
    w->meta.licence = w->licence = licence;
    w->meta.producer = w->producer = producer;
    w->has_meta = 1;
    return WTS_OK;
}

static int name_ok(const char *s, size_t max)
{
    return s && *s && strlen(s) <= max;
}

wts_status wts_writer_add_tensor(wts_writer *w, const char *name, wts_dtype dtype, int rank,
                                 const int *dims, const void *data, const wts_quant *q,
                                 uint32_t *id, wts_err *err)
{
    if (!w || !dims || !data || !id) return WTS_EINVAL;
    if (!name_ok(name, WTS_MAX_TENSOR_NAME))
        return werr(err, WTS_EINVAL, "tensor name '%s': must be 1..%d bytes", name ? name : "",
                    WTS_MAX_TENSOR_NAME);
    for (int i = 0; i < w->n_tensors; i++)
        if (!strcmp(w->tensors[i].name, name))
            return werr(err, WTS_EINVAL, "tensor '%s' added twice", name);
    if (w->n_tensors >= WTS_MAX_TENSORS)
        return werr(err, WTS_ELIMIT, "tensor '%s': more than %d tensors", name, WTS_MAX_TENSORS);
    if (dtype != WTS_F32 && dtype != WTS_F16 && dtype != WTS_INT8)
        return werr(err, WTS_EINVAL, "tensor '%s': dtype %d", name, (int)dtype);
    if (rank < 1 || rank > WTS_MAX_RANK)
        return werr(err, WTS_EINVAL, "tensor '%s': rank %d, must be 1..%d", name, rank,
                    WTS_MAX_RANK);
    uint64_t count = 1;
    for (int d = 0; d < rank; d++) {
        if (dims[d] < 1 || (uint32_t)dims[d] > WTS_MAX_DIM)
            return werr(err, WTS_EINVAL, "tensor '%s': dims[%d] = %d, must be 1..2^24", name, d,
                        dims[d]);
        count *= (uint64_t)dims[d];
        if (count > WTS_MAX_COUNT)
            return werr(err, WTS_ELIMIT, "tensor '%s': more than 2^31 elements", name);
    }
    if ((dtype == WTS_INT8) != (q != NULL))
        return werr(err, WTS_EINVAL, "tensor '%s': quantisation is given for INT8 only", name);
    if (q) {
        int want = q->axis < 0 ? 1 : q->axis < rank ? dims[q->axis] : -1;
        if (q->axis >= rank || q->count != want || !q->scale || !q->zero)
            return werr(err, WTS_EINVAL, "tensor '%s': quantisation axis %d count %d", name,
                        q->axis, q->count);
        for (int k = 0; k < q->count; k++)
            if (!(q->scale[k] > 0) || q->scale[k] > 3.4e38f || q->zero[k] < -128 ||
                q->zero[k] > 127)
                return werr(err, WTS_EINVAL, "tensor '%s': scale[%d] %g zero[%d] %ld", name, k,
                            (double)q->scale[k], k, (long)q->zero[k]);
    }
    if (w->n_tensors == w->cap_tensors) {
        int cap = w->cap_tensors ? 2 * w->cap_tensors : 64;
        wtensor *t = realloc(w->tensors, sizeof *t * (size_t)cap);
        if (!t) return werr(err, WTS_ENOMEM, "tensor '%s': out of memory", name);
        w->tensors = t;
        w->cap_tensors = cap;
    }
    wtensor *t = &w->tensors[w->n_tensors];
    memset(t, 0, sizeof *t);
    size_t esize = dtype == WTS_F32 ? 4 : dtype == WTS_F16 ? 2 : 1;
    t->name = dup_str(name);
    t->size = (size_t)count * esize;
    t->bytes = malloc(t->size);
    if (q) {
        t->q_scale = malloc(sizeof *t->q_scale * (size_t)q->count);
        t->q_zero = malloc(sizeof *t->q_zero * (size_t)q->count);
    }
    if (!t->name || !t->bytes || (q && (!t->q_scale || !t->q_zero))) {
        free(t->name);
        free(t->bytes);
        free(t->q_scale);
        free(t->q_zero);
        return werr(err, WTS_ENOMEM, "tensor '%s': out of memory", name);
    }
    t->dtype = dtype;
    t->rank = rank;
    memcpy(t->dims, dims, sizeof *dims * (size_t)rank);
    t->count = (size_t)count;
    if (dtype == WTS_F32) {
        const float *f = data;
        for (size_t k = 0; k < t->count; k++) wts_put_u32(t->bytes + 4 * k, wts_f32_bits(f[k]));
    } else if (dtype == WTS_F16) {
        const uint16_t *h = data;
        for (size_t k = 0; k < t->count; k++) {
            t->bytes[2 * k] = (uint8_t)h[k];
            t->bytes[2 * k + 1] = (uint8_t)(h[k] >> 8);
        }
    } else {
        const int8_t *i8 = data;
        for (size_t k = 0; k < t->count; k++) t->bytes[k] = (uint8_t)(i8[k] < 0 ? i8[k] + 256 : i8[k]);
    }
    t->q_axis = -1;
    if (q) {
        t->q_axis = q->axis < 0 ? -1 : q->axis;
        t->q_count = q->count;
        memcpy(t->q_scale, q->scale, sizeof *t->q_scale * (size_t)q->count);
        memcpy(t->q_zero, q->zero, sizeof *t->q_zero * (size_t)q->count);
    }
    *id = (uint32_t)w->n_tensors++;
    return WTS_OK;
}

wts_status wts_writer_add_input(wts_writer *w, const char *name, const int dims[4], uint32_t *id,
                                wts_err *err)
{
    if (!w || !dims || !id) return WTS_EINVAL;
    if (!name_ok(name, WTS_MAX_NAME))
        return werr(err, WTS_EINVAL, "input name: must be 1..%d bytes", WTS_MAX_NAME);
    if (w->n_inputs >= WTS_MAX_IO)
        return werr(err, WTS_ELIMIT, "input '%s': more than %d inputs", name, WTS_MAX_IO);
    for (int d = 0; d < 4; d++)
        if (dims[d] < (d == 0 ? 0 : 1) || dims[d] > WTS_MAX_IO_DIM)
            return werr(err, WTS_EINVAL, "input '%s': dims[%d] = %d", name, d, dims[d]);
    if (w->n_acts >= WTS_MAX_ACTIVATIONS)
        return werr(err, WTS_ELIMIT, "input '%s': too many activations", name);
    wio *io = &w->inputs[w->n_inputs];
    io->name = dup_str(name);
    if (!io->name) return werr(err, WTS_ENOMEM, "input '%s': out of memory", name);
    memcpy(io->dims, dims, sizeof io->dims);
    io->value = ACT_BIT | w->n_acts++;
    w->n_inputs++;
    *id = io->value;
    return WTS_OK;
}

static int handle_is_tensor(const wts_writer *w, uint32_t h)
{
    return !(h & ACT_BIT) && h < (uint32_t)w->n_tensors;
}

static int handle_is_act(const wts_writer *w, uint32_t h)
{
    return (h & ACT_BIT) && (h & ~ACT_BIT) < w->n_acts;
}

wts_status wts_writer_add_node(wts_writer *w, wts_op op, const char *name,
                               const uint32_t *inputs, int n_inputs, const wts_attr *attrs,
                               int n_attrs, uint32_t *output, wts_err *err)
{
    if (!w || (!inputs && n_inputs) || (!attrs && n_attrs) || !output) return WTS_EINVAL;
    const wts_op_spec *spec = wts_op_spec_of((uint32_t)op);
    if (!name) name = "";
    if (!spec) return werr(err, WTS_EINVAL, "node '%s': operator code %d", name, (int)op);
    if (strlen(name) > WTS_MAX_NODE_NAME)
        return werr(err, WTS_EINVAL, "node '%s': name longer than %d", name, WTS_MAX_NODE_NAME);
    if (n_inputs < spec->min_inputs || n_inputs > spec->max_inputs)
        return werr(err, WTS_EINVAL, "node '%s': %s takes %d..%d inputs, not %d", name,
                    spec->name, spec->min_inputs, spec->max_inputs, n_inputs);
    for (int j = 0; j < n_inputs; j++) {
        uint32_t h = inputs[j], bit = 1u << j;
        int ok = h == WTS_NONE ? (spec->optional_inputs & bit) != 0
                 : (spec->const_inputs & bit) ? handle_is_tensor(w, h)
                 : (spec->act_inputs & bit)   ? handle_is_act(w, h)
                                              : handle_is_tensor(w, h) || handle_is_act(w, h);
        if (!ok)
            return werr(err, WTS_EINVAL, "node '%s': input %d (handle 0x%lx) is not valid for %s",
                        name, j, (unsigned long)h, spec->name);
    }
    if (n_attrs < 0 || n_attrs > WTS_MAX_ATTRS)
        return werr(err, WTS_EINVAL, "node '%s': %d attributes", name, n_attrs);
    uint32_t seen = 0;
    for (int k = 0; k < n_attrs; k++) {
        char why[128];
        if (!wts_attr_valid(&attrs[k], why, sizeof why))
            return werr(err, WTS_EINVAL, "node '%s': %s", name, why);
        uint32_t bit = 1u << attrs[k].key;
        if (!(spec->allowed_attrs & bit) || (seen & bit))
            return werr(err, WTS_EINVAL, "node '%s': attribute %s not allowed or repeated", name,
                        wts_attr_name(attrs[k].key));
        seen |= bit;
    }
    if (spec->required_attrs & ~seen)
        return werr(err, WTS_EINVAL, "node '%s': %s misses a required attribute", name,
                    spec->name);
    if (w->n_nodes >= WTS_MAX_NODES || w->n_acts >= WTS_MAX_ACTIVATIONS)
        return werr(err, WTS_ELIMIT, "node '%s': too many nodes", name);
    if (w->n_nodes == w->cap_nodes) {
        int cap = w->cap_nodes ? 2 * w->cap_nodes : 64;
        wnode *nn = realloc(w->nodes, sizeof *nn * (size_t)cap);
        if (!nn) return werr(err, WTS_ENOMEM, "node '%s': out of memory", name);
        w->nodes = nn;
        w->cap_nodes = cap;
    }
    wnode *nd = &w->nodes[w->n_nodes];
    memset(nd, 0, sizeof *nd);
    nd->name = dup_str(name);
    if (!nd->name) return werr(err, WTS_ENOMEM, "node '%s': out of memory", name);
    nd->op = op;
    nd->n_inputs = n_inputs;
    if (n_inputs) memcpy(nd->inputs, inputs, sizeof *inputs * (size_t)n_inputs);
    nd->n_attrs = n_attrs;
    if (n_attrs) memcpy(nd->attrs, attrs, sizeof *attrs * (size_t)n_attrs);
    nd->output = ACT_BIT | w->n_acts++;
    w->n_nodes++;
    *output = nd->output;
    return WTS_OK;
}

wts_status wts_writer_add_output(wts_writer *w, uint32_t id, const char *name, wts_err *err)
{
    if (!w) return WTS_EINVAL;
    if (!name_ok(name, WTS_MAX_NAME))
        return werr(err, WTS_EINVAL, "output name: must be 1..%d bytes", WTS_MAX_NAME);
    if (w->n_outputs >= WTS_MAX_IO)
        return werr(err, WTS_ELIMIT, "output '%s': more than %d outputs", name, WTS_MAX_IO);
    if (!handle_is_act(w, id))
        return werr(err, WTS_EINVAL, "output '%s': handle 0x%lx is not an activation", name,
                    (unsigned long)id);
    wio *io = &w->outputs[w->n_outputs];
    io->name = dup_str(name);
    if (!io->name) return werr(err, WTS_ENOMEM, "output '%s': out of memory", name);
    io->value = id;
    w->n_outputs++;
    return WTS_OK;
}

/* ---- serialisation ---- */

typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
    int failed;
} bytes;

static void b_reserve(bytes *b, size_t more)
{
    if (b->failed) return;
    if (b->cap - b->len >= more) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void b_put(bytes *b, const void *data, size_t n)
{
    b_reserve(b, n);
    if (b->failed) return;
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void b_u32(bytes *b, uint32_t v)
{
    uint8_t t[4];
    wts_put_u32(t, v);
    b_put(b, t, 4);
}

static void b_u64(bytes *b, uint64_t v)
{
    uint8_t t[8];
    wts_put_u64(t, v);
    b_put(b, t, 8);
}

static void b_f32(bytes *b, float f)
{
    b_u32(b, wts_f32_bits(f));
}

static void b_str(bytes *b, const char *s)
{
    size_t n = strlen(s);
    b_u32(b, (uint32_t)n);
    b_put(b, s, n);
}

static void b_zeros(bytes *b, size_t n)
{
    b_reserve(b, n);
    if (b->failed) return;
    memset(b->p + b->len, 0, n);
    b->len += n;
}

static uint32_t file_id(const wts_writer *w, uint32_t h)
{
    if (h == WTS_NONE) return WTS_NONE;
    if (h & ACT_BIT) return (uint32_t)w->n_tensors + (h & ~ACT_BIT);
    return h;
}

static void put_meta(bytes *b, const wts_meta *m)
{
    b_str(b, m->name);
    b_u32(b, (uint32_t)m->input_h);
    b_u32(b, (uint32_t)m->input_w);
    b_u32(b, (uint32_t)m->input_c);
    b_u32(b, (uint32_t)m->channel_order);
    b_u32(b, (uint32_t)m->preprocess);
    for (int c = 0; c < m->input_c; c++) b_f32(b, m->mean[c]);
    for (int c = 0; c < m->input_c; c++) b_f32(b, m->std[c]);
    b_u32(b, (uint32_t)m->output_dim);
    b_u32(b, (uint32_t)m->metric);
    b_u32(b, (uint32_t)m->l2_normalise);
    b_f32(b, m->threshold);
    b_str(b, m->source);
    b_str(b, m->licence);
    b_str(b, m->producer);
}

/* offsets: [n_tensors] where each tensor starts in DATA */
static void put_tensors(bytes *b, const wts_writer *w, const uint64_t *offsets)
{
    b_u32(b, (uint32_t)w->n_tensors);
    for (int i = 0; i < w->n_tensors; i++) {
        const wtensor *t = &w->tensors[i];
        b_str(b, t->name);
        b_u32(b, (uint32_t)t->dtype);
        b_u32(b, (uint32_t)t->rank);
        for (int d = 0; d < t->rank; d++) b_u32(b, (uint32_t)t->dims[d]);
        b_u64(b, offsets[i]);
        b_u64(b, t->size);
        if (t->dtype == WTS_INT8) {
            b_u32(b, t->q_axis < 0 ? 0xFFFFFFFFu : (uint32_t)t->q_axis);
            b_u32(b, (uint32_t)t->q_count);
            for (int k = 0; k < t->q_count; k++) b_f32(b, t->q_scale[k]);
            for (int k = 0; k < t->q_count; k++) b_u32(b, (uint32_t)t->q_zero[k]);
        }
    }
}

static void put_graph(bytes *b, const wts_writer *w)
{
    b_u32(b, (uint32_t)w->n_tensors + w->n_acts);
    b_u32(b, (uint32_t)w->n_inputs);
    for (int i = 0; i < w->n_inputs; i++) {
        b_u32(b, file_id(w, w->inputs[i].value));
        b_str(b, w->inputs[i].name);
        for (int d = 0; d < 4; d++) b_u32(b, (uint32_t)w->inputs[i].dims[d]);
    }
    b_u32(b, (uint32_t)w->n_outputs);
    for (int i = 0; i < w->n_outputs; i++) {
        b_u32(b, file_id(w, w->outputs[i].value));
        b_str(b, w->outputs[i].name);
    }
    b_u32(b, (uint32_t)w->n_nodes);
    for (int i = 0; i < w->n_nodes; i++) {
        const wnode *nd = &w->nodes[i];
        b_u32(b, (uint32_t)nd->op);
        b_str(b, nd->name);
        b_u32(b, (uint32_t)nd->n_inputs);
        for (int j = 0; j < nd->n_inputs; j++) b_u32(b, file_id(w, nd->inputs[j]));
        b_u32(b, 1);
        b_u32(b, file_id(w, nd->output));
        b_u32(b, (uint32_t)nd->n_attrs);
        for (int k = 0; k < nd->n_attrs; k++) {
            const wts_attr *a = &nd->attrs[k];
            uint32_t bits;
            if (a->is_float)
                bits = wts_f32_bits(a->f);
            else
                memcpy(&bits, &a->i, sizeof bits);
            b_u32(b, (uint32_t)a->key);
            b_u32(b, a->is_float ? 2u : 1u);
            b_u32(b, bits);
        }
    }
}

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) / a * a;
}

wts_status wts_writer_serialise(const wts_writer *w, uint8_t **out, size_t *out_len, wts_err *err)
{
    if (!w || !out || !out_len) return WTS_EINVAL;
    if (!w->has_meta) return werr(err, WTS_EINVAL, "model: metadata not set");
    if (!w->n_inputs || !w->n_outputs || !w->n_nodes)
        return werr(err, WTS_EINVAL, "model: needs at least one input, node and output");

    /* tensor offsets inside DATA, each 64-byte aligned; the file ends where the
     * last tensor ends */
    uint64_t *offsets = malloc(sizeof *offsets * (size_t)(w->n_tensors ? w->n_tensors : 1));
    if (!offsets) return werr(err, WTS_ENOMEM, "model: out of memory while serialising");
    uint64_t data_size = 0;
    for (int i = 0; i < w->n_tensors; i++) {
        offsets[i] = align_up((size_t)data_size, WTS_DATA_ALIGN);
        data_size = offsets[i] + w->tensors[i].size;
    }

    bytes meta = {0}, tens = {0}, graph = {0}, file = {0};
    put_meta(&meta, &w->meta);
    put_tensors(&tens, w, offsets);
    put_graph(&graph, w);
    size_t meta_off = WTS_PREAMBLE_SIZE;
    size_t tens_off = meta_off + meta.len;
    size_t graph_off = tens_off + tens.len;
    size_t data_off = align_up(graph_off + graph.len, WTS_DATA_ALIGN);
    size_t total = data_off + (size_t)data_size;

    b_zeros(&file, WTS_PREAMBLE_SIZE);
    b_put(&file, meta.p, meta.len);
    b_put(&file, tens.p, tens.len);
    b_put(&file, graph.p, graph.len);
    b_zeros(&file, data_off - file.len);
    for (int i = 0; i < w->n_tensors && !file.failed; i++) {
        b_zeros(&file, data_off + (size_t)offsets[i] - file.len);
        b_put(&file, w->tensors[i].bytes, w->tensors[i].size);
    }
    int failed = meta.failed || tens.failed || graph.failed || file.failed;
    free(offsets);
    free(meta.p);
    free(tens.p);
    free(graph.p);
    if (failed || file.len != total) {
        free(file.p);
        return werr(err, WTS_ENOMEM, "model: out of memory while serialising");
    }

    uint8_t *p = file.p;
    memcpy(p, wts_magic, sizeof wts_magic);
    wts_put_u32(p + 8, WTS_VERSION);
    wts_put_u32(p + 12, 0);
    wts_put_u64(p + 16, total);
    wts_put_u32(p + 24, WTS_SECTION_COUNT);
    size_t offs[WTS_SECTION_COUNT] = {meta_off, tens_off, graph_off, data_off};
    size_t sizes[WTS_SECTION_COUNT] = {tens_off - meta_off, graph_off - tens_off,
                                       graph.len, (size_t)data_size};
    for (int i = 0; i < WTS_SECTION_COUNT; i++) {
        uint8_t *e = p + WTS_HEADER_SIZE + i * WTS_DIR_ENTRY_SIZE;
        wts_put_u32(e, (uint32_t)i + 1);
        wts_put_u32(e + 4, 0);
        wts_put_u64(e + 8, offs[i]);
        wts_put_u64(e + 16, sizes[i]);
        wts_put_u32(e + 24, wts_crc32(0, p + offs[i], sizes[i]));
        wts_put_u32(e + 28, 0);
    }
    wts_put_u32(p + WTS_HEADER_CRC_OFFSET, 0);
    wts_put_u32(p + WTS_HEADER_CRC_OFFSET, wts_crc32(0, p, WTS_PREAMBLE_SIZE));

    /* The reader is the judge: a file it refuses is never handed out. */
    wts_model *check = NULL;
    wts_status s = wts_load_memory(p, total, "(serialised model)", &check, err);
    wts_free(check);
    if (s != WTS_OK) {
        free(p);
        return s;
    }
    *out = p;
    *out_len = total;
    return WTS_OK;
}

wts_status wts_writer_save(const wts_writer *w, const char *path, wts_err *err)
{
    if (!w || !path) return WTS_EINVAL;
    uint8_t *data;
    size_t len;
    wts_status s = wts_writer_serialise(w, &data, &len, err);
    if (s != WTS_OK) return s;
    size_t n = strlen(path);
    char *tmp = malloc(n + 5);
    if (!tmp) {
        free(data);
        return werr(err, WTS_ENOMEM, "%s: out of memory", path);
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL;
    if (ok) ok = fwrite(data, 1, len, f) == len;
    if (ok) ok = fflush(f) == 0;
#if WTS_HAVE_FSYNC
    if (ok) ok = fsync(fileno(f)) == 0;
#endif
    if (f && fclose(f) != 0) ok = 0;
    if (ok) ok = rename(tmp, path) == 0;
    int e = errno;
    free(data);
    if (!ok) {
        remove(tmp);
        free(tmp);
        return werr(err, WTS_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    free(tmp);
    return WTS_OK;
}
