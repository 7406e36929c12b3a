/*
 * read.c - the .fnw reader: checks every field, bound and checksum of
 * weights/FORMAT.md before anything is handed out.
 *
 * The file is mapped read-only where the platform has mmap, else read into a
 * 64-byte aligned buffer. Nothing is read through a pointer cast: every field
 * is decoded byte by byte as little-endian. Every count from the file is
 * checked against a cap and against the bytes that could hold it before
 * anything is allocated for it, so a file can never make the reader allocate
 * more than a small multiple of its own size.
 */
#include "weights/weights_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif
#if defined(_POSIX_MAPPED_FILES) && _POSIX_MAPPED_FILES > 0
#define WTS_HAVE_MMAP 1
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#else
#define WTS_HAVE_MMAP 0
#endif

/* Fuzz builds (make fuzz) accept any CRC so that the fuzzer reaches the
 * parsers behind the checksums instead of stopping at them. */
#ifdef FACENET_FUZZ
#define CHECK_CRC 0
#else
#define CHECK_CRC 1
#endif

/* Everything a loaded model owns. Pools are sized from the section sizes
 * (every string, id or attribute costs at least as many bytes in the file as
 * it does here), so they never grow. */
struct wts_model_store {
    void *map;              /* mmap'd file or NULL */
    size_t map_len;
    uint8_t *buf;           /* [len] the file read into memory, or NULL */
    char *strings;          /* NUL-terminated copies of every string */
    size_t strings_used, strings_cap;
    uint32_t *ids;          /* node input and output ids */
    size_t ids_used, ids_cap;
    wts_attr *attrs;
    size_t attrs_used, attrs_cap;
    float *q_scale;         /* INT8 scales of every tensor, back to back */
    int32_t *q_zero;        /* INT8 zero points, likewise */
    size_t q_used, q_cap;
    wts_tensor *tensors;    /* [n_tensors] */
    float **decoded;        /* [n_tensors] owned float copies or NULL */
    wts_node *nodes;        /* [n_nodes] */
    uint64_t *node_in_at;   /* [n_nodes] file offset of each node's input ids, for messages */
    wts_io *ios;            /* [n_inputs + n_outputs] */
};

typedef struct ctx {
    const char *file;
    const uint8_t *b;       /* [len] the whole file */
    uint64_t len;
    uint64_t pos, end;      /* the section being parsed: [pos, end) */
    const char *section;
    uint64_t sec_off[WTS_SECTION_COUNT + 1]; /* by kind */
    uint64_t sec_size[WTS_SECTION_COUNT + 1];
    wts_err *err;
    wts_model *m;
    wts_model_store *st;
} ctx;

#define TRY(expr)                          \
    do {                                   \
        wts_status try_s_ = (expr);        \
        if (try_s_ != WTS_OK) return try_s_; \
    } while (0)

/* "FILE: FIELD at byte OFF: what is wrong". */
#if defined(__GNUC__) /* calls checked against the format; clang -Wformat-nonliteral */
__attribute__((format(printf, 5, 6)))
#endif
static wts_status fail(ctx *c, wts_status s, uint64_t off, const char *field, const char *fmt, ...)
{
    if (!c->err) return s;
    int n = snprintf(c->err->msg, sizeof c->err->msg, "%s: %s at byte %llu: ", c->file, field,
                     (unsigned long long)off);
    if (n < 0 || (size_t)n >= sizeof c->err->msg) return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err->msg + n, sizeof c->err->msg - (size_t)n, fmt, ap);
    va_end(ap);
    return s;
}

static wts_status nomem(ctx *c)
{
    return fail(c, WTS_ENOMEM, c->pos, c->section, "out of memory");
}

/* ---- primitives: each reads one field of the current section ---- */

static wts_status need(ctx *c, uint64_t n, const char *field)
{
    if (c->end - c->pos < n)
        return fail(c, WTS_EFORMAT, c->pos, field,
                    "needs %llu bytes but the %s section has only %llu left", (unsigned long long)n,
                    c->section, (unsigned long long)(c->end - c->pos));
    return WTS_OK;
}

static wts_status rd_u32(ctx *c, const char *field, uint32_t *v, uint64_t *at)
{
    TRY(need(c, 4, field));
    *at = c->pos;
    *v = wts_get_u32(c->b + c->pos);
    c->pos += 4;
    return WTS_OK;
}

static wts_status rd_u64(ctx *c, const char *field, uint64_t *v, uint64_t *at)
{
    TRY(need(c, 8, field));
    *at = c->pos;
    *v = wts_get_u64(c->b + c->pos);
    c->pos += 8;
    return WTS_OK;
}

/* A u32 that must lie in [lo, hi]. */
static wts_status rd_range(ctx *c, const char *field, uint32_t lo, uint32_t hi, uint32_t *v)
{
    uint64_t at;
    TRY(rd_u32(c, field, v, &at));
    if (*v < lo || *v > hi)
        return fail(c, WTS_EFORMAT, at, field, "value %lu: must be in %lu..%lu",
                    (unsigned long)*v, (unsigned long)lo, (unsigned long)hi);
    return WTS_OK;
}

static wts_status rd_f32(ctx *c, const char *field, float *v, uint64_t *at)
{
    uint32_t bits;
    TRY(rd_u32(c, field, &bits, at));
    *v = wts_f32_from_bits(bits);
    if (!isfinite(*v))
        return fail(c, WTS_EFORMAT, *at, field, "bits 0x%08lx: must be a finite float",
                    (unsigned long)bits);
    return WTS_OK;
}

/* Length of the valid UTF-8 prefix of s[0..n) (n when all of it is valid). */
static size_t utf8_valid_len(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        size_t more;
        uint32_t cp;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            more = 1;
            cp = b & 0x1Fu;
        } else if ((b & 0xF0) == 0xE0) {
            more = 2;
            cp = b & 0x0Fu;
        } else if ((b & 0xF8) == 0xF0) {
            more = 3;
            cp = b & 0x07u;
        } else {
            return i;
        }
        if (n - i <= more) return i;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        /* overlong forms, surrogates and values past U+10FFFF are invalid */
        if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return i;
        i += more + 1;
    }
    return n;
}

/* A str of lo..hi bytes, copied NUL-terminated into the string pool. */
static wts_status rd_str(ctx *c, const char *field, uint32_t lo, uint32_t hi, const char **out)
{
    uint32_t n;
    uint64_t at;
    TRY(rd_u32(c, field, &n, &at));
    if (n < lo || n > hi)
        return fail(c, n > hi ? WTS_ELIMIT : WTS_EFORMAT, at, field,
                    "string length %lu: must be %lu..%lu bytes", (unsigned long)n,
                    (unsigned long)lo, (unsigned long)hi);
    TRY(need(c, n, field));
    const uint8_t *s = c->b + c->pos;
    for (uint32_t i = 0; i < n; i++)
        if (s[i] == 0)
            return fail(c, WTS_EFORMAT, c->pos + i, field, "NUL byte inside a string");
    size_t ok = utf8_valid_len(s, n);
    if (ok != n)
        return fail(c, WTS_EFORMAT, c->pos + ok, field, "byte 0x%02x: string is not valid UTF-8",
                    s[ok]);
    wts_model_store *st = c->st;
    if (st->strings_cap - st->strings_used < (size_t)n + 1)
        return fail(c, WTS_EFORMAT, at, field, "more string bytes than the file holds");
    char *dst = st->strings + st->strings_used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    st->strings_used += (size_t)n + 1;
    c->pos += n;
    *out = dst;
    return WTS_OK;
}

static void enter(ctx *c, int kind, const char *name)
{
    c->section = name;
    c->pos = c->sec_off[kind];
    c->end = c->sec_off[kind] + c->sec_size[kind];
}

static wts_status leave(ctx *c)
{
    if (c->pos != c->end)
        return fail(c, WTS_EFORMAT, c->pos, c->section,
                    "%llu bytes left after the last field: the section must end there",
                    (unsigned long long)(c->end - c->pos));
    return WTS_OK;
}

/* ---- header and directory ---- */

static const char *const section_names[WTS_SECTION_COUNT + 1] = {"?", "META", "TENSORS", "GRAPH",
                                                                 "DATA"};

static wts_status check_header(ctx *c)
{
    const uint8_t *b = c->b;
    if (c->len < sizeof wts_magic || memcmp(b, wts_magic, sizeof wts_magic) != 0) {
        if (c->len < sizeof wts_magic)
            return fail(c, WTS_EMAGIC, 0, "header.magic",
                        "file is only %llu bytes: not a model file",
                        (unsigned long long)c->len);
        return fail(c, WTS_EMAGIC, 0, "header.magic",
                    "bytes %02x %02x %02x %02x %02x %02x %02x %02x: must be 46 4e 57 54 0d 0a "
                    "1a 0a (\"FNWT\\r\\n\\x1a\\n\"): not a model file",
                    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
    }
    if (c->len < 12)
        return fail(c, WTS_ETRUNCATED, c->len, "header.version",
                    "file ends after %llu bytes, inside the %d-byte header",
                    (unsigned long long)c->len, WTS_PREAMBLE_SIZE);
    uint32_t version = wts_get_u32(b + 8);
    if (version != WTS_VERSION)
        return fail(c, WTS_EVERSION, 8, "header.version",
                    "value %lu: this reader reads version %d only", (unsigned long)version,
                    WTS_VERSION);
    if (c->len < WTS_PREAMBLE_SIZE)
        return fail(c, WTS_ETRUNCATED, c->len, "header",
                    "file ends after %llu bytes, inside the %d-byte header and directory",
                    (unsigned long long)c->len, WTS_PREAMBLE_SIZE);
    uint64_t file_size = wts_get_u64(b + 16);
    if (file_size > c->len)
        return fail(c, WTS_ETRUNCATED, 16, "header.file_size",
                    "value %llu but the file has %llu bytes: it is truncated",
                    (unsigned long long)file_size, (unsigned long long)c->len);
    if (file_size < c->len)
        return fail(c, WTS_EFORMAT, 16, "header.file_size",
                    "value %llu but the file has %llu bytes: trailing bytes",
                    (unsigned long long)file_size, (unsigned long long)c->len);
    uint8_t pre[WTS_PREAMBLE_SIZE];
    memcpy(pre, b, sizeof pre);
    memset(pre + WTS_HEADER_CRC_OFFSET, 0, 4);
    uint32_t want = wts_get_u32(b + WTS_HEADER_CRC_OFFSET);
    uint32_t got = wts_crc32(0, pre, sizeof pre);
    if (CHECK_CRC && want != got)
        return fail(c, WTS_ECHECKSUM, WTS_HEADER_CRC_OFFSET, "header.header_crc",
                    "stored 0x%08lx, computed 0x%08lx over bytes 0..%d: header or directory "
                    "corrupt",
                    (unsigned long)want, (unsigned long)got, WTS_PREAMBLE_SIZE - 1);
    uint32_t flags = wts_get_u32(b + 12);
    if (flags != 0)
        return fail(c, WTS_EFORMAT, 12, "header.flags", "value 0x%08lx: reserved, must be 0",
                    (unsigned long)flags);
    uint32_t count = wts_get_u32(b + 24);
    if (count != WTS_SECTION_COUNT)
        return fail(c, WTS_EFORMAT, 24, "header.section_count", "value %lu: must be %d",
                    (unsigned long)count, WTS_SECTION_COUNT);
    return WTS_OK;
}

static wts_status check_directory(ctx *c)
{
    uint64_t prev_end = WTS_PREAMBLE_SIZE;
    char field[64];
    for (int i = 0; i < WTS_SECTION_COUNT; i++) {
        uint64_t e = WTS_HEADER_SIZE + (uint64_t)i * WTS_DIR_ENTRY_SIZE;
        const uint8_t *p = c->b + e;
        uint32_t kind = wts_get_u32(p), r0 = wts_get_u32(p + 4), r1 = wts_get_u32(p + 28);
        uint64_t off = wts_get_u64(p + 8), size = wts_get_u64(p + 16);
        snprintf(field, sizeof field, "sections[%d].kind", i);
        if (kind != (uint32_t)i + 1)
            return fail(c, WTS_EFORMAT, e, field, "value %lu: entry %d must have kind %d (%s)",
                        (unsigned long)kind, i, i + 1, section_names[i + 1]);
        if (r0 || r1) {
            snprintf(field, sizeof field, "sections[%d].reserved", i);
            return fail(c, WTS_EFORMAT, e + (r0 ? 4 : 28), field, "value %lu: must be 0",
                        (unsigned long)(r0 ? r0 : r1));
        }
        snprintf(field, sizeof field, "sections[%d].offset", i);
        if (off < prev_end || off > c->len)
            return fail(c, WTS_EFORMAT, e + 8, field,
                        "value %llu: %s must start in %llu..%llu (after the previous section, "
                        "inside the file)",
                        (unsigned long long)off, section_names[i + 1],
                        (unsigned long long)prev_end, (unsigned long long)c->len);
        if (kind == WTS_SEC_DATA && off % WTS_DATA_ALIGN != 0)
            return fail(c, WTS_EFORMAT, e + 8, field, "value %llu: DATA must start at a multiple of %d",
                        (unsigned long long)off, WTS_DATA_ALIGN);
        snprintf(field, sizeof field, "sections[%d].size", i);
        if (size > c->len - off)
            return fail(c, WTS_ETRUNCATED, e + 16, field,
                        "%s section of %llu bytes at %llu runs past the end of the file (%llu "
                        "bytes)",
                        section_names[i + 1], (unsigned long long)size, (unsigned long long)off,
                        (unsigned long long)c->len);
        if (kind == WTS_SEC_DATA && off + size != c->len)
            return fail(c, WTS_EFORMAT, e + 16, field,
                        "DATA ends at %llu but the file at %llu: DATA must end the file",
                        (unsigned long long)(off + size), (unsigned long long)c->len);
        for (uint64_t k = prev_end; k < off; k++)
            if (c->b[k] != 0)
                return fail(c, WTS_EFORMAT, k, "padding",
                            "byte 0x%02x before the %s section: padding must be zero", c->b[k],
                            section_names[i + 1]);
        c->sec_off[kind] = off;
        c->sec_size[kind] = size;
        prev_end = off + size;
    }
    for (int i = 0; i < WTS_SECTION_COUNT; i++) {
        int kind = i + 1;
        uint32_t want = wts_get_u32(c->b + WTS_HEADER_SIZE + (uint64_t)i * WTS_DIR_ENTRY_SIZE + 24);
        uint32_t got = wts_crc32(0, c->b + c->sec_off[kind], (size_t)c->sec_size[kind]);
        if (CHECK_CRC && want != got) {
            snprintf(field, sizeof field, "sections[%d].crc", i);
            return fail(c, WTS_ECHECKSUM, WTS_HEADER_SIZE + (uint64_t)i * WTS_DIR_ENTRY_SIZE + 24,
                        field,
                        "stored 0x%08lx, computed 0x%08lx: the %s section (bytes %llu..%llu) is "
                        "corrupt",
                        (unsigned long)want, (unsigned long)got, section_names[kind],
                        (unsigned long long)c->sec_off[kind],
                        (unsigned long long)(c->sec_off[kind] + c->sec_size[kind]));
        }
    }
    return WTS_OK;
}

/* ---- META ---- */

static wts_status parse_meta(ctx *c)
{
    wts_meta *m = &c->m->meta;
    uint32_t v;
    uint64_t at;
    char field[48];
    enter(c, WTS_SEC_META, "META");
    TRY(rd_str(c, "meta.name", 1, WTS_MAX_NAME, &m->name));
    TRY(rd_range(c, "meta.input_h", 1, WTS_MAX_INPUT_DIM, &v));
    m->input_h = (int)v;
    TRY(rd_range(c, "meta.input_w", 1, WTS_MAX_INPUT_DIM, &v));
    m->input_w = (int)v;
    TRY(rd_u32(c, "meta.input_c", &v, &at));
    if (v != 1 && v != 3)
        return fail(c, WTS_EFORMAT, at, "meta.input_c", "value %lu: must be 1 or 3",
                    (unsigned long)v);
    m->input_c = (int)v;
    TRY(rd_u32(c, "meta.channel_order", &v, &at));
    if (v > WTS_GRAY || (v == WTS_GRAY) != (m->input_c == 1))
        return fail(c, WTS_EFORMAT, at, "meta.channel_order",
                    "value %lu with input_c %d: must be 0 (RGB) or 1 (BGR) for 3 channels, 2 "
                    "(GRAY) for 1",
                    (unsigned long)v, m->input_c);
    m->channel_order = (wts_channel_order)v;
    TRY(rd_range(c, "meta.preprocess", 0, WTS_PRE_PREWHITEN, &v));
    m->preprocess = (wts_preprocess)v;
    for (int i = 0; i < m->input_c; i++) {
        snprintf(field, sizeof field, "meta.mean[%d]", i);
        TRY(rd_f32(c, field, &m->mean[i], &at));
    }
    for (int i = 0; i < m->input_c; i++) {
        snprintf(field, sizeof field, "meta.std[%d]", i);
        TRY(rd_f32(c, field, &m->std[i], &at));
        if (!(m->std[i] > 0))
            return fail(c, WTS_EFORMAT, at, field, "value %g: must be > 0", (double)m->std[i]);
    }
    TRY(rd_range(c, "meta.output_dim", 1, WTS_MAX_OUTPUT_DIM, &v));
    m->output_dim = (int)v;
    TRY(rd_range(c, "meta.metric", 0, WTS_COSINE, &v));
    m->metric = (wts_metric)v;
    TRY(rd_range(c, "meta.l2_normalise", 0, 1, &v));
    m->l2_normalise = (int)v;
    TRY(rd_f32(c, "meta.threshold", &m->threshold, &at));
    if (m->threshold < 0)
        return fail(c, WTS_EFORMAT, at, "meta.threshold", "value %g: must be >= 0",
                    (double)m->threshold);
    TRY(rd_str(c, "meta.source", 0, WTS_MAX_TEXT, &m->source));
    TRY(rd_str(c, "meta.licence", 0, WTS_MAX_TEXT, &m->licence));
    TRY(rd_str(c, "meta.producer", 0, WTS_MAX_PRODUCER, &m->producer));
    return leave(c);
}

/* ---- TENSORS ---- */

/* The smallest tensor entry: name of 1 byte, rank 1. */
#define MIN_TENSOR_ENTRY (4 + 1 + 4 + 4 + 4 + 8 + 8)

static size_t dtype_bytes(uint32_t dtype)
{
    return dtype == WTS_F32 ? 4 : dtype == WTS_F16 ? 2 : 1;
}

static wts_status parse_tensor(ctx *c, int idx, wts_tensor *t)
{
    char field[64];
    uint32_t v;
    uint64_t at;
    snprintf(field, sizeof field, "tensors[%d].name", idx);
    TRY(rd_str(c, field, 1, WTS_MAX_TENSOR_NAME, &t->name));
    snprintf(field, sizeof field, "tensors[%d].dtype", idx);
    TRY(rd_range(c, field, WTS_F32, WTS_INT8, &v));
    t->dtype = (wts_dtype)v;
    snprintf(field, sizeof field, "tensors[%d].rank", idx);
    TRY(rd_range(c, field, 1, WTS_MAX_RANK, &v));
    t->rank = (int)v;
    uint64_t count = 1;
    for (int d = 0; d < t->rank; d++) {
        snprintf(field, sizeof field, "tensors[%d].dims[%d]", idx, d);
        TRY(rd_range(c, field, 1, WTS_MAX_DIM, &v));
        t->dims[d] = (int)v;
        count *= v; /* <= 2^31 * 2^24 before the check below: no overflow */
        if (count > WTS_MAX_COUNT)
            return fail(c, WTS_ELIMIT, c->pos - 4, field,
                        "element count reaches %llu: must be <= 2^31", (unsigned long long)count);
    }
    t->count = (size_t)count;
    snprintf(field, sizeof field, "tensors[%d].offset", idx);
    TRY(rd_u64(c, field, &t->offset, &at));
    if (t->offset % WTS_DATA_ALIGN != 0)
        return fail(c, WTS_EFORMAT, at, field, "value %llu: must be a multiple of %d",
                    (unsigned long long)t->offset, WTS_DATA_ALIGN);
    uint64_t data_size = c->sec_size[WTS_SEC_DATA];
    if (t->offset > data_size)
        return fail(c, WTS_EFORMAT, at, field,
                    "value %llu: tensor '%s' starts outside the DATA section (%llu bytes)",
                    (unsigned long long)t->offset, t->name, (unsigned long long)data_size);
    uint64_t off_at = at;
    snprintf(field, sizeof field, "tensors[%d].size", idx);
    TRY(rd_u64(c, field, &t->size, &at));
    if (t->size != count * dtype_bytes(t->dtype))
        return fail(c, WTS_EFORMAT, at, field,
                    "value %llu: tensor '%s' has %llu elements of %s, so %llu bytes",
                    (unsigned long long)t->size, t->name, (unsigned long long)count,
                    wts_dtype_name(t->dtype), (unsigned long long)(count * dtype_bytes(t->dtype)));
    if (t->size > data_size - t->offset) {
        snprintf(field, sizeof field, "tensors[%d].offset", idx);
        return fail(c, WTS_EFORMAT, off_at, field,
                    "tensor '%s' (offset %llu + size %llu) ends outside the DATA section (%llu "
                    "bytes)",
                    t->name, (unsigned long long)t->offset, (unsigned long long)t->size,
                    (unsigned long long)data_size);
    }
    t->q_axis = -1;
    if (t->dtype != WTS_INT8) return WTS_OK;

    snprintf(field, sizeof field, "tensors[%d].quant.axis", idx);
    TRY(rd_u32(c, field, &v, &at));
    if (v != 0xFFFFFFFFu && v >= (uint32_t)t->rank)
        return fail(c, WTS_EFORMAT, at, field, "value %lu: must be 0xffffffff or < rank %d",
                    (unsigned long)v, t->rank);
    t->q_axis = v == 0xFFFFFFFFu ? -1 : (int)v;
    uint32_t want = t->q_axis < 0 ? 1 : (uint32_t)t->dims[t->q_axis];
    snprintf(field, sizeof field, "tensors[%d].quant.n", idx);
    TRY(rd_range(c, field, want, want, &v));
    t->q_count = (int)v;
    TRY(need(c, (uint64_t)v * 8, field));
    wts_model_store *st = c->st;
    if (st->q_cap - st->q_used < v) return fail(c, WTS_EFORMAT, at, field, "too many scales");
    float *scale = st->q_scale + st->q_used;
    int32_t *zero = st->q_zero + st->q_used;
    st->q_used += v;
    for (uint32_t k = 0; k < v; k++) {
        snprintf(field, sizeof field, "tensors[%d].quant.scale[%lu]", idx, (unsigned long)k);
        TRY(rd_f32(c, field, &scale[k], &at));
        if (!(scale[k] > 0))
            return fail(c, WTS_EFORMAT, at, field, "value %g: must be > 0", (double)scale[k]);
    }
    for (uint32_t k = 0; k < v; k++) {
        uint32_t z;
        snprintf(field, sizeof field, "tensors[%d].quant.zero_point[%lu]", idx, (unsigned long)k);
        TRY(rd_u32(c, field, &z, &at));
        int32_t zs;
        memcpy(&zs, &z, sizeof zs); /* int32_t is two's complement */
        if (zs < -128 || zs > 127)
            return fail(c, WTS_EFORMAT, at, field, "value %ld: must be in -128..127", (long)zs);
        zero[k] = zs;
    }
    t->q_scale = scale;
    t->q_zero = zero;
    return WTS_OK;
}

typedef struct span {
    uint64_t offset, size;
    int index;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset ? 1 : 0;
}

/* Tensors must not overlap and the bytes between them must be zero. */
static wts_status check_layout(ctx *c)
{
    int n = c->m->n_tensors;
    const uint8_t *data = c->b + c->sec_off[WTS_SEC_DATA];
    uint64_t data_size = c->sec_size[WTS_SEC_DATA];
    span *s = malloc(sizeof *s * (size_t)(n > 0 ? n : 1));
    if (!s) return nomem(c);
    for (int i = 0; i < n; i++)
        s[i] = (span){c->st->tensors[i].offset, c->st->tensors[i].size, i};
    qsort(s, (size_t)n, sizeof *s, span_cmp);
    uint64_t prev_end = 0;
    int prev = -1;
    wts_status st = WTS_OK;
    char field[48];
    for (int i = 0; i <= n && st == WTS_OK; i++) {
        uint64_t start = i < n ? s[i].offset : data_size;
        if (i < n && start < prev_end) {
            snprintf(field, sizeof field, "tensors[%d].offset", s[i].index);
            st = fail(c, WTS_EFORMAT, c->sec_off[WTS_SEC_DATA] + start, field,
                      "tensor '%s' at %llu overlaps tensor '%s' (ends at %llu)",
                      c->st->tensors[s[i].index].name, (unsigned long long)start,
                      c->st->tensors[prev].name, (unsigned long long)prev_end);
            break;
        }
        for (uint64_t k = prev_end; k < start; k++)
            if (data[k] != 0) {
                st = fail(c, WTS_EFORMAT, c->sec_off[WTS_SEC_DATA] + k, "DATA padding",
                          "byte 0x%02x between tensors: padding must be zero", data[k]);
                break;
            }
        if (i < n) {
            prev_end = start + s[i].size;
            prev = s[i].index;
        }
    }
    free(s);
    return st;
}

static int host_is_little_endian(void)
{
    uint32_t one = 1;
    uint8_t b[4];
    memcpy(b, &one, sizeof b);
    return b[0] == 1;
}

static float *alloc_floats(size_t count)
{
    size_t bytes = count * sizeof(float);
    bytes = (bytes + WTS_DATA_ALIGN - 1) / WTS_DATA_ALIGN * WTS_DATA_ALIGN;
    return aligned_alloc(WTS_DATA_ALIGN, bytes ? bytes : WTS_DATA_ALIGN);
}

/* Point f32 at the data, or decode a float copy when the stored form is not
 * host floats (F16, INT8, big-endian host, or an unaligned buffer). */
static wts_status decode_tensor(ctx *c, int i)
{
    wts_tensor *t = &c->st->tensors[i];
    const uint8_t *p = c->b + c->sec_off[WTS_SEC_DATA] + t->offset;
    t->raw = p;
    if (t->dtype == WTS_F32 && host_is_little_endian() && (uintptr_t)p % WTS_DATA_ALIGN == 0) {
        t->f32 = (const float *)(const void *)p;
        return WTS_OK;
    }
    float *f = alloc_floats(t->count);
    if (!f) return nomem(c);
    c->st->decoded[i] = f;
    if (t->dtype == WTS_F32) {
        for (size_t k = 0; k < t->count; k++) f[k] = wts_f32_from_bits(wts_get_u32(p + 4 * k));
    } else if (t->dtype == WTS_F16) {
        for (size_t k = 0; k < t->count; k++) f[k] = wts_f16_to_f32(wts_get_u16(p + 2 * k));
    } else {
        /* inner = product of dims after the axis: index k's channel is (k / inner) % n */
        size_t inner = 1;
        if (t->q_axis >= 0)
            for (int d = t->q_axis + 1; d < t->rank; d++) inner *= (size_t)t->dims[d];
        for (size_t k = 0; k < t->count; k++) {
            size_t ch = t->q_axis < 0 ? 0 : (k / inner) % (size_t)t->q_count;
            int q = p[k] >= 128 ? (int)p[k] - 256 : (int)p[k];
            f[k] = (float)(q - t->q_zero[ch]) * t->q_scale[ch];
        }
    }
    t->f32 = f;
    return WTS_OK;
}

static wts_status parse_tensors(ctx *c)
{
    uint32_t n;
    uint64_t at;
    enter(c, WTS_SEC_TENSORS, "TENSORS");
    TRY(rd_u32(c, "tensors.count", &n, &at));
    if (n > WTS_MAX_TENSORS)
        return fail(c, WTS_ELIMIT, at, "tensors.count", "value %lu: must be <= %d",
                    (unsigned long)n, WTS_MAX_TENSORS);
    if ((uint64_t)n * MIN_TENSOR_ENTRY > c->end - c->pos)
        return fail(c, WTS_EFORMAT, at, "tensors.count",
                    "value %lu: %lu entries cannot fit in the %llu bytes left in TENSORS",
                    (unsigned long)n, (unsigned long)n, (unsigned long long)(c->end - c->pos));
    wts_model_store *st = c->st;
    st->tensors = calloc(n ? n : 1, sizeof *st->tensors);
    st->decoded = calloc(n ? n : 1, sizeof *st->decoded);
    if (!st->tensors || !st->decoded) return nomem(c);
    c->m->n_tensors = (int)n;
    c->m->tensors = st->tensors;
    for (uint32_t i = 0; i < n; i++) TRY(parse_tensor(c, (int)i, &st->tensors[i]));
    TRY(leave(c));
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(st->tensors[i].name, st->tensors[j].name)) {
                char field[48];
                snprintf(field, sizeof field, "tensors[%lu].name", (unsigned long)i);
                return fail(c, WTS_EFORMAT, c->sec_off[WTS_SEC_TENSORS], field,
                            "'%s' is also the name of tensors[%lu]: names must be unique",
                            st->tensors[i].name, (unsigned long)j);
            }
    TRY(check_layout(c));
    for (uint32_t i = 0; i < n; i++) TRY(decode_tensor(c, (int)i));
    return WTS_OK;
}

/* ---- GRAPH ---- */

#define UNWRITTEN (-1)
#define BY_INPUT (-2)
#define MIN_NODE_BYTES (4 + 4 + 4 + 4 + 4 + 4 + 4) /* op, name, n_in, one id, n_out, one id, n_attr */

typedef struct graph_ctx {
    uint32_t n_tensors, n_values;
    int32_t *writer; /* [n_values - n_tensors] BY_INPUT, a node index, or UNWRITTEN */
} graph_ctx;

static int is_act(const graph_ctx *g, uint32_t id)
{
    return id >= g->n_tensors && id < g->n_values;
}

static wts_status rd_ids(ctx *c, const char *field, uint32_t n, const uint32_t **out)
{
    wts_model_store *st = c->st;
    TRY(need(c, (uint64_t)n * 4, field));
    if (st->ids_cap - st->ids_used < n) return fail(c, WTS_EFORMAT, c->pos, field, "too many ids");
    uint32_t *ids = st->ids + st->ids_used;
    for (uint32_t i = 0; i < n; i++) ids[i] = wts_get_u32(c->b + c->pos + 4 * (uint64_t)i);
    st->ids_used += n;
    c->pos += (uint64_t)n * 4;
    *out = ids;
    return WTS_OK;
}

static wts_status parse_node(ctx *c, graph_ctx *g, int idx, wts_node *nd)
{
    char field[64];
    uint32_t v, op;
    uint64_t at;
    snprintf(field, sizeof field, "nodes[%d].op", idx);
    TRY(rd_u32(c, field, &op, &at));
    const wts_op_spec *spec = wts_op_spec_of(op);
    if (!spec)
        return fail(c, WTS_EFORMAT, at, field, "value %lu: not an operator code (1..%d)",
                    (unsigned long)op, WTS_OP_LAST);
    nd->op = (wts_op)op;
    snprintf(field, sizeof field, "nodes[%d].name", idx);
    TRY(rd_str(c, field, 0, WTS_MAX_NODE_NAME, &nd->name));

    snprintf(field, sizeof field, "nodes[%d].input_count", idx);
    TRY(rd_range(c, field, (uint32_t)spec->min_inputs, (uint32_t)spec->max_inputs, &v));
    nd->n_inputs = (int)v;
    snprintf(field, sizeof field, "nodes[%d].inputs", idx);
    c->st->node_in_at[idx] = c->pos;
    uint64_t in_at = c->pos;
    TRY(rd_ids(c, field, v, &nd->inputs));
    for (int j = 0; j < nd->n_inputs; j++) {
        uint32_t id = nd->inputs[j];
        uint64_t id_at = in_at + 4 * (uint64_t)j;
        unsigned bit = 1u << j;
        snprintf(field, sizeof field, "nodes[%d].inputs[%d]", idx, j);
        if (id == WTS_NONE) {
            if (!(spec->optional_inputs & bit))
                return fail(c, WTS_EGRAPH, id_at, field,
                            "absent (0xffffffff) but input %d of %s is required", j, spec->name);
            continue;
        }
        if (id >= g->n_values)
            return fail(c, WTS_EGRAPH, id_at, field,
                        "value id %lu: must be < value_count %lu", (unsigned long)id,
                        (unsigned long)g->n_values);
        if ((spec->const_inputs & bit) && is_act(g, id))
            return fail(c, WTS_EGRAPH, id_at, field,
                        "value id %lu is an activation but input %d of %s must be a tensor "
                        "(id < %lu)",
                        (unsigned long)id, j, spec->name, (unsigned long)g->n_tensors);
        if ((spec->act_inputs & bit) && !is_act(g, id))
            return fail(c, WTS_EGRAPH, id_at, field,
                        "value id %lu is tensor '%s' but input %d of %s must be an activation",
                        (unsigned long)id, c->st->tensors[id].name, j, spec->name);
    }

    snprintf(field, sizeof field, "nodes[%d].output_count", idx);
    TRY(rd_range(c, field, 1, 1, &v));
    nd->n_outputs = (int)v;
    uint64_t out_at = c->pos;
    snprintf(field, sizeof field, "nodes[%d].outputs", idx);
    TRY(rd_ids(c, field, v, &nd->outputs));
    for (int j = 0; j < nd->n_outputs; j++) {
        uint32_t id = nd->outputs[j];
        snprintf(field, sizeof field, "nodes[%d].outputs[%d]", idx, j);
        if (!is_act(g, id))
            return fail(c, WTS_EGRAPH, out_at + 4 * (uint64_t)j, field,
                        "value id %lu: outputs must be activations (%lu..%lu)",
                        (unsigned long)id, (unsigned long)g->n_tensors,
                        (unsigned long)g->n_values - 1);
        int32_t *w = &g->writer[id - g->n_tensors];
        if (*w != UNWRITTEN)
            return fail(c, WTS_EGRAPH, out_at + 4 * (uint64_t)j, field,
                        "value id %lu is already written by %s%ld: each value is written once",
                        (unsigned long)id, *w == BY_INPUT ? "a graph input" : "node ",
                        *w == BY_INPUT ? 0L : (long)*w);
        *w = idx;
    }

    snprintf(field, sizeof field, "nodes[%d].attr_count", idx);
    TRY(rd_range(c, field, 0, WTS_MAX_ATTRS, &v));
    nd->n_attrs = (int)v;
    TRY(need(c, (uint64_t)v * WTS_ATTR_BYTES, field));
    wts_model_store *st = c->st;
    if (st->attrs_cap - st->attrs_used < v) return fail(c, WTS_EFORMAT, c->pos, field, "too many attributes");
    wts_attr *attrs = st->attrs + st->attrs_used;
    st->attrs_used += v;
    nd->attrs = attrs;
    uint32_t seen = 0;
    for (uint32_t k = 0; k < v; k++) {
        uint64_t a_at = c->pos;
        const uint8_t *p = c->b + c->pos;
        uint32_t key = wts_get_u32(p), type = wts_get_u32(p + 4), bits = wts_get_u32(p + 8);
        c->pos += WTS_ATTR_BYTES;
        snprintf(field, sizeof field, "nodes[%d].attrs[%lu]", idx, (unsigned long)k);
        const wts_attr_spec *as = wts_attr_spec_of(key);
        if (!as)
            return fail(c, WTS_EFORMAT, a_at, field, "key %lu: not an attribute key (1..%d)",
                        (unsigned long)key, WTS_A_LAST);
        if (!(spec->allowed_attrs & (1u << key)))
            return fail(c, WTS_EFORMAT, a_at, field, "attribute %s is not one of %s's",
                        as->name, spec->name);
        if (seen & (1u << key))
            return fail(c, WTS_EFORMAT, a_at, field, "attribute %s appears twice", as->name);
        seen |= 1u << key;
        if (type != 1 && type != 2)
            return fail(c, WTS_EFORMAT, a_at + 4, field, "type %lu: must be 1 (INT) or 2 (FLOAT)",
                        (unsigned long)type);
        attrs[k].key = (wts_attr_key)key;
        attrs[k].is_float = type == 2;
        attrs[k].i = 0;
        attrs[k].f = 0;
        if (attrs[k].is_float)
            attrs[k].f = wts_f32_from_bits(bits);
        else
            memcpy(&attrs[k].i, &bits, sizeof bits); /* int32_t is two's complement */
        char why[128];
        if (!wts_attr_valid(&attrs[k], why, sizeof why))
            return fail(c, WTS_EFORMAT, a_at, field, "%s", why);
    }
    uint32_t missing = spec->required_attrs & ~seen;
    if (missing) {
        int key = 0;
        while (!(missing & (1u << key))) key++;
        snprintf(field, sizeof field, "nodes[%d].attrs", idx);
        return fail(c, WTS_EFORMAT, c->pos, field, "%s node '%s' needs attribute %s", spec->name,
                    nd->name, wts_attr_name((wts_attr_key)key));
    }
    return WTS_OK;
}

/* Does node `from` depend (through the values it reads) on node `target`? */
static int depends_on(const wts_model *m, const graph_ctx *g, int from, int target, uint8_t *seen)
{
    int *stack = malloc(sizeof *stack * (size_t)m->n_nodes);
    if (!stack) return 0;
    int top = 0, found = 0;
    stack[top++] = from;
    seen[from] = 1;
    while (top > 0 && !found) {
        const wts_node *nd = &m->nodes[stack[--top]];
        for (int j = 0; j < nd->n_inputs; j++) {
            uint32_t id = nd->inputs[j];
            if (!is_act(g, id)) continue;
            int32_t w = g->writer[id - g->n_tensors];
            if (w < 0) continue;
            if (w == target) {
                found = 1;
                break;
            }
            if (!seen[w]) {
                seen[w] = 1;
                stack[top++] = w;
            }
        }
    }
    free(stack);
    return found;
}

static wts_status check_order(ctx *c, graph_ctx *g)
{
    const wts_model *m = c->m;
    char field[64];
    for (int i = 0; i < m->n_nodes; i++) {
        const wts_node *nd = &m->nodes[i];
        for (int j = 0; j < nd->n_inputs; j++) {
            uint32_t id = nd->inputs[j];
            if (!is_act(g, id)) continue;
            int32_t w = g->writer[id - g->n_tensors];
            uint64_t at = c->st->node_in_at[i] + 4 * (uint64_t)j;
            snprintf(field, sizeof field, "nodes[%d].inputs[%d]", i, j);
            if (w == UNWRITTEN)
                return fail(c, WTS_EGRAPH, at, field,
                            "node '%s' reads value %lu, which no node or input writes", nd->name,
                            (unsigned long)id);
            if (w == BY_INPUT || w < i) continue;
            if (w == i)
                return fail(c, WTS_EGRAPH, at, field,
                            "cycle: node %d '%s' reads value %lu, its own output", i, nd->name,
                            (unsigned long)id);
            uint8_t *seen = calloc((size_t)m->n_nodes, 1);
            if (!seen) return nomem(c);
            int cycle = depends_on(m, g, w, i, seen);
            free(seen);
            if (cycle)
                return fail(c, WTS_EGRAPH, at, field,
                            "cycle: node %d '%s' reads value %lu written by node %ld '%s', which "
                            "depends on node %d",
                            i, nd->name, (unsigned long)id, (long)w, m->nodes[w].name, i);
            return fail(c, WTS_EGRAPH, at, field,
                        "node %d '%s' reads value %lu before node %ld '%s' writes it: nodes must "
                        "be in topological order",
                        i, nd->name, (unsigned long)id, (long)w, m->nodes[w].name);
        }
    }
    for (uint32_t v = g->n_tensors; v < g->n_values; v++)
        if (g->writer[v - g->n_tensors] == UNWRITTEN)
            return fail(c, WTS_EGRAPH, c->sec_off[WTS_SEC_GRAPH], "graph.value_count",
                        "value %lu is never written: every activation id must be", (unsigned long)v);
    return WTS_OK;
}

static wts_status parse_graph_body(ctx *c, graph_ctx *g)
{
    wts_model *m = c->m;
    wts_model_store *st = c->st;
    char field[64];
    uint32_t v, n_in, n_out, n_nodes;
    uint64_t at;

    TRY(rd_range(c, "graph.input_count", 1, WTS_MAX_IO, &n_in));
    st->ios = calloc(2 * WTS_MAX_IO, sizeof *st->ios);
    if (!st->ios) return nomem(c);
    m->inputs = st->ios;
    m->n_inputs = (int)n_in;
    for (uint32_t i = 0; i < n_in; i++) {
        wts_io *io = &st->ios[i];
        snprintf(field, sizeof field, "graph.inputs[%lu].value", (unsigned long)i);
        TRY(rd_u32(c, field, &io->value, &at));
        if (!is_act(g, io->value))
            return fail(c, WTS_EGRAPH, at, field,
                        "value id %lu: an input must be an activation (%lu..%lu)",
                        (unsigned long)io->value, (unsigned long)g->n_tensors,
                        (unsigned long)g->n_values - 1);
        if (g->writer[io->value - g->n_tensors] != UNWRITTEN)
            return fail(c, WTS_EGRAPH, at, field, "value id %lu is already an input",
                        (unsigned long)io->value);
        g->writer[io->value - g->n_tensors] = BY_INPUT;
        snprintf(field, sizeof field, "graph.inputs[%lu].name", (unsigned long)i);
        TRY(rd_str(c, field, 1, WTS_MAX_NAME, &io->name));
        for (int d = 0; d < 4; d++) {
            snprintf(field, sizeof field, "graph.inputs[%lu].dims[%d]", (unsigned long)i, d);
            TRY(rd_range(c, field, d == 0 ? 0 : 1, WTS_MAX_IO_DIM, &v));
            io->dims[d] = (int)v;
        }
    }
    TRY(rd_range(c, "graph.output_count", 1, WTS_MAX_IO, &n_out));
    m->outputs = st->ios + WTS_MAX_IO;
    m->n_outputs = (int)n_out;
    uint64_t out_at[WTS_MAX_IO];
    for (uint32_t i = 0; i < n_out; i++) {
        wts_io *io = &st->ios[WTS_MAX_IO + i];
        snprintf(field, sizeof field, "graph.outputs[%lu].value", (unsigned long)i);
        TRY(rd_u32(c, field, &io->value, &out_at[i]));
        if (!is_act(g, io->value))
            return fail(c, WTS_EGRAPH, out_at[i], field,
                        "value id %lu: an output must be an activation (%lu..%lu)",
                        (unsigned long)io->value, (unsigned long)g->n_tensors,
                        (unsigned long)g->n_values - 1);
        snprintf(field, sizeof field, "graph.outputs[%lu].name", (unsigned long)i);
        TRY(rd_str(c, field, 1, WTS_MAX_NAME, &io->name));
    }
    TRY(rd_range(c, "graph.node_count", 1, WTS_MAX_NODES, &n_nodes));
    if ((uint64_t)n_nodes * MIN_NODE_BYTES > c->end - c->pos)
        return fail(c, WTS_EFORMAT, c->pos - 4, "graph.node_count",
                    "value %lu: that many nodes cannot fit in the %llu bytes left in GRAPH",
                    (unsigned long)n_nodes, (unsigned long long)(c->end - c->pos));
    st->nodes = calloc(n_nodes, sizeof *st->nodes);
    st->node_in_at = calloc(n_nodes, sizeof *st->node_in_at);
    if (!st->nodes || !st->node_in_at) return nomem(c);
    m->nodes = st->nodes;
    m->n_nodes = (int)n_nodes;
    for (uint32_t i = 0; i < n_nodes; i++) TRY(parse_node(c, g, (int)i, &st->nodes[i]));
    TRY(leave(c));
    for (uint32_t i = 0; i < n_out; i++) {
        uint32_t id = m->outputs[i].value;
        if (g->writer[id - g->n_tensors] == UNWRITTEN) {
            snprintf(field, sizeof field, "graph.outputs[%lu].value", (unsigned long)i);
            return fail(c, WTS_EGRAPH, out_at[i], field,
                        "value id %lu: no node or input writes it", (unsigned long)id);
        }
    }
    return check_order(c, g);
}

static wts_status parse_graph(ctx *c)
{
    wts_model *m = c->m;
    uint32_t n_values;
    uint64_t at;
    enter(c, WTS_SEC_GRAPH, "GRAPH");
    TRY(rd_u32(c, "graph.value_count", &n_values, &at));
    uint32_t n_tensors = (uint32_t)m->n_tensors;
    if (n_values < n_tensors || n_values - n_tensors > WTS_MAX_ACTIVATIONS)
        return fail(c, n_values < n_tensors ? WTS_EFORMAT : WTS_ELIMIT, at, "graph.value_count",
                    "value %lu: must be in %lu..%lu (tensor_count plus at most 2^20 "
                    "activations)",
                    (unsigned long)n_values, (unsigned long)n_tensors,
                    (unsigned long)n_tensors + WTS_MAX_ACTIVATIONS);
    /* every activation is written by an input or a node output: 4 bytes each at least */
    if ((uint64_t)(n_values - n_tensors) * 4 > c->end - c->pos)
        return fail(c, WTS_EFORMAT, at, "graph.value_count",
                    "value %lu: %lu activations cannot all be written in the %llu bytes left",
                    (unsigned long)n_values, (unsigned long)(n_values - n_tensors),
                    (unsigned long long)(c->end - c->pos));
    m->n_values = n_values;
    graph_ctx g = {n_tensors, n_values, NULL};
    size_t n_act = n_values - n_tensors;
    g.writer = malloc(sizeof *g.writer * (n_act ? n_act : 1));
    if (!g.writer) return nomem(c);
    for (size_t i = 0; i < n_act; i++) g.writer[i] = UNWRITTEN;
    wts_status s = parse_graph_body(c, &g);
    free(g.writer);
    return s;
}

/* ---- the whole file ---- */

static void store_free(wts_model_store *st)
{
    if (!st) return;
#if WTS_HAVE_MMAP
    if (st->map) munmap(st->map, st->map_len);
#endif
    free(st->buf);
    free(st->strings);
    free(st->ids);
    free(st->attrs);
    free(st->q_scale);
    free(st->q_zero);
    free(st->tensors);
    free(st->nodes);
    free(st->node_in_at);
    free(st->ios);
    free(st);
}

void wts_free(wts_model *m)
{
    if (!m) return;
    wts_model_store *st = m->store;
    if (st && st->decoded) {
        for (int i = 0; i < m->n_tensors; i++) free(st->decoded[i]);
        free(st->decoded);
    }
    store_free(st);
    free(m);
}

/* Validate bytes b[0..len) (owned by st) into a new model. */
static wts_status parse_file(const char *label, const uint8_t *b, size_t len,
                             wts_model_store *st, wts_model **out, wts_err *err)
{
    wts_model *m = calloc(1, sizeof *m);
    if (!m) {
        store_free(st);
        if (err) snprintf(err->msg, sizeof err->msg, "%s: out of memory", label);
        return WTS_ENOMEM;
    }
    m->store = st;
    m->file_size = len;
    m->mapped = st->map != NULL;
    ctx c = {0};
    c.file = label;
    c.b = b;
    c.len = len;
    c.err = err;
    c.m = m;
    c.st = st;
    c.section = "header";
    wts_status s = check_header(&c);
    if (s == WTS_OK) s = check_directory(&c);
    if (s == WTS_OK) {
        uint64_t meta = c.sec_size[WTS_SEC_META], tens = c.sec_size[WTS_SEC_TENSORS],
                 graph = c.sec_size[WTS_SEC_GRAPH];
        st->strings_cap = (size_t)(meta + tens + graph) + 1;
        st->ids_cap = (size_t)graph / 4 + 1;
        st->attrs_cap = (size_t)graph / WTS_ATTR_BYTES + 1;
        st->q_cap = (size_t)tens / 8 + 1;
        st->strings = malloc(st->strings_cap);
        st->ids = malloc(st->ids_cap * sizeof *st->ids);
        st->attrs = malloc(st->attrs_cap * sizeof *st->attrs);
        st->q_scale = malloc(st->q_cap * sizeof *st->q_scale);
        st->q_zero = malloc(st->q_cap * sizeof *st->q_zero);
        if (!st->strings || !st->ids || !st->attrs || !st->q_scale || !st->q_zero) s = nomem(&c);
    }
    if (s == WTS_OK) s = parse_meta(&c);
    if (s == WTS_OK) s = parse_tensors(&c);
    if (s == WTS_OK) s = parse_graph(&c);
    if (s != WTS_OK) {
        wts_free(m);
        return s;
    }
    free(st->node_in_at);
    st->node_in_at = NULL;
    *out = m;
    return WTS_OK;
}

wts_status wts_load_memory(const void *data, size_t len, const char *label, wts_model **out,
                           wts_err *err)
{
    if (!out || (!data && len)) return WTS_EINVAL;
    if (!label) label = "(memory)";
    wts_model_store *st = calloc(1, sizeof *st);
    size_t cap = (len + WTS_DATA_ALIGN - 1) / WTS_DATA_ALIGN * WTS_DATA_ALIGN;
    uint8_t *buf = st ? aligned_alloc(WTS_DATA_ALIGN, cap ? cap : WTS_DATA_ALIGN) : NULL;
    if (!buf) {
        free(st);
        if (err) snprintf(err->msg, sizeof err->msg, "%s: out of memory", label);
        return WTS_ENOMEM;
    }
    if (len) memcpy(buf, data, len);
    st->buf = buf;
    return parse_file(label, buf, len, st, out, err);
}

static wts_status io_fail(wts_err *err, const char *path, const char *what)
{
    if (err) snprintf(err->msg, sizeof err->msg, "%s: %s: %s", path, what, strerror(errno));
    return WTS_EIO;
}

/* Read the whole file into an aligned buffer (the fallback without mmap). */
static wts_status read_whole(const char *path, uint8_t **out, size_t *out_len, wts_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return io_fail(err, path, "cannot open");
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = aligned_alloc(WTS_DATA_ALIGN, cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap) break;
        if (cap > SIZE_MAX / 2) {
            free(buf);
            buf = NULL;
            break;
        }
        uint8_t *bigger = aligned_alloc(WTS_DATA_ALIGN, cap * 2);
        if (bigger) memcpy(bigger, buf, len);
        free(buf);
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) {
        if (err) snprintf(err->msg, sizeof err->msg, "%s: out of memory reading it", path);
        return WTS_ENOMEM;
    }
    if (bad) {
        free(buf);
        return io_fail(err, path, "read error");
    }
    *out = buf;
    *out_len = len;
    return WTS_OK;
}

wts_status wts_load(const char *path, wts_model **out, wts_err *err)
{
    if (!path || !out) return WTS_EINVAL;
    wts_model_store *st = calloc(1, sizeof *st);
    if (!st) {
        if (err) snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
        return WTS_ENOMEM;
    }
#if WTS_HAVE_MMAP
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        free(st);
        return io_fail(err, path, "cannot open");
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        free(st);
        return io_fail(err, path, "cannot stat");
    }
    if (S_ISREG(sb.st_mode) && sb.st_size > 0 && (uint64_t)sb.st_size <= SIZE_MAX) {
        void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (map != MAP_FAILED) {
            st->map = map;
            st->map_len = (size_t)sb.st_size;
            return parse_file(path, map, st->map_len, st, out, err);
        }
    } else {
        close(fd);
    }
#endif
    uint8_t *buf;
    size_t len;
    wts_status s = read_whole(path, &buf, &len, err);
    if (s != WTS_OK) {
        free(st);
        return s;
    }
    st->buf = buf;
    return parse_file(path, buf, len, st, out, err);
}
