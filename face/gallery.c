/*
 * gallery.c - the gallery file (format: face/GALLERY_FORMAT.md): parse and
 * validate, edit (add, remove, merge), serialise, save atomically.
 *
 * The parser trusts nothing: every read is bounds-checked against the bytes
 * left, every length is capped before anything is allocated, and the entry
 * count is checked against what the remaining bytes can hold, so a hostile
 * file cannot make us allocate more than a small multiple of its size.
 */
#include "face/gallery_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint8_t gallery_magic[8] = {'F', 'N', 'G', 'A', 'L', 'L', 'R', 'Y'};

/* Fixed part of the header before model_id: magic, version, flags, dim,
 * count, model_id_len. */
#define HEADER_FIXED 28u
/* The largest gallery file we read: 16M entries of 128 floats is 8 GiB,
 * far beyond any real use; 1 GiB is ~2M photos of the default model. */
#define GALLERY_MAX_BYTES (1u << 30)

/* The fuzz build (make fuzz) lets wrong CRCs pass, so that the fuzzer
 * reaches the field checks behind them instead of stopping at the checksum. */
#if defined(FACENET_FUZZ)
#define CRC_ENFORCED 0
#else
#define CRC_ENFORCED 1
#endif

/* GCC and clang check every call's arguments against its format (and
 * clang's -Wformat-nonliteral then accepts the vsnprintf below). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void set_err(face_err *err, const char *fmt, ...);

static void set_err(face_err *err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* ---- little-endian bytes ---------------------------------------------- */

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* IEEE-754 binary32 through its bit pattern: no reliance on host byte order. */
static float get_f32(const uint8_t *p)
{
    uint32_t u = get_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    put_u32(p, u);
}

/* ---- CRC-32 (IEEE 802.3, reflected 0xEDB88320), four bits at a time ------ */

static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
    0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
    0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};

static uint32_t crc32_bytes(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        c = (c >> 4) ^ crc_nibble[c & 15u];
        c = (c >> 4) ^ crc_nibble[c & 15u];
    }
    return c ^ 0xffffffffu;
}

/* ---- string rules ------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid
 * (overlong forms, surrogates and code points over U+10FFFF are invalid). */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0u) != 0x80u) return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
    if (cp >= 0xd800 && cp <= 0xdfff) return 0;
    if (cp > 0x10ffff) return 0;
    return len;
}

/* NULL if s[0..n) is UTF-8 without control characters, else what is wrong
 * (*at = the byte index). */
static const char *text_problem(const uint8_t *s, size_t n, size_t *at)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x20 || s[i] == 0x7f) {
            *at = i;
            return "a control character";
        }
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0) {
            *at = i;
            return "invalid UTF-8";
        }
        i += k;
    }
    return NULL;
}

static const char *model_id_problem(const uint8_t *s, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e) {
            *at = i;
            return "a byte outside printable ASCII";
        }
    return NULL;
}

/* Check a caller's string against a field's rules. */
static face_status check_text(const char *what, const char *s, size_t min_len, size_t max_len,
                              face_err *err)
{
    if (!s) {
        set_err(err, "%s is NULL", what);
        return FACE_EINVAL;
    }
    size_t n = strlen(s);
    if (n < min_len || n > max_len) {
        set_err(err, "%s is %zu bytes long, must be %zu..%zu", what, n, min_len, max_len);
        return FACE_EINVAL;
    }
    size_t at = 0;
    const char *why = text_problem((const uint8_t *)s, n, &at);
    if (why) {
        set_err(err, "%s has %s at byte %zu (byte 0x%02x)", what, why, at,
                (unsigned)(unsigned char)s[at]);
        return FACE_EINVAL;
    }
    return FACE_OK;
}

/* ---- the in-memory gallery --------------------------------------------- */

static char *dup_bytes(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* FNV-1a: a plain, well-spread hash for short strings. */
static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

/* Slot of name in g->slots: either holding it or the empty one to fill. */
static size_t find_slot(const face_gallery *g, const char *name)
{
    size_t mask = g->n_slots - 1;
    size_t i = name_hash(name) & mask;
    while (g->slots[i] != 0 && strcmp(g->names[g->slots[i] - 1], name) != 0)
        i = (i + 1) & mask;
    return i;
}

static void rebuild_slots(face_gallery *g)
{
    memset(g->slots, 0, g->n_slots * sizeof *g->slots);
    for (size_t p = 0; p < g->n_persons; p++)
        g->slots[find_slot(g, g->names[p])] = (uint32_t)(p + 1);
}

/* Room for one more person name (and its hash slots). */
static face_status grow_persons(face_gallery *g)
{
    if (g->n_persons < g->persons_cap) return FACE_OK;
    size_t cap = g->persons_cap ? g->persons_cap * 2 : 16;
    if (cap > FACE_GALLERY_MAX_ENTRIES) cap = FACE_GALLERY_MAX_ENTRIES;
    if (cap <= g->n_persons) return FACE_ELIMIT;
    size_t n_slots = 32;
    while (n_slots < 2 * cap) n_slots *= 2;
    char **names = realloc(g->names, cap * sizeof *names);
    if (!names) return FACE_ENOMEM;
    g->names = names;
    uint32_t *slots = malloc(n_slots * sizeof *slots);
    if (!slots) return FACE_ENOMEM;
    free(g->slots);
    g->slots = slots;
    g->n_slots = n_slots;
    g->persons_cap = cap;
    rebuild_slots(g);
    return FACE_OK;
}

/* Index of the person called name, added if new. */
static face_status intern_person(face_gallery *g, const char *name, size_t len, uint32_t *out)
{
    char *s = dup_bytes(name, len);
    if (!s) return FACE_ENOMEM;
    if (g->n_slots) {
        size_t i = find_slot(g, s);
        if (g->slots[i]) {
            *out = g->slots[i] - 1;
            free(s);
            return FACE_OK;
        }
    }
    face_status st = grow_persons(g);
    if (st != FACE_OK) {
        free(s);
        return st;
    }
    size_t p = g->n_persons++;
    g->names[p] = s;
    g->slots[find_slot(g, s)] = (uint32_t)(p + 1);
    *out = (uint32_t)p;
    return FACE_OK;
}

/* Room for n more entries. */
static face_status reserve_entries(face_gallery *g, size_t n)
{
    if (n > FACE_GALLERY_MAX_ENTRIES - g->count) return FACE_ELIMIT;
    size_t need = g->count + n;
    if (need <= g->cap) return FACE_OK;
    size_t cap = g->cap ? g->cap : 16;
    while (cap < need) cap *= 2;
    /* cap <= 2^25 and dim <= 4096: cap * dim * 4 < 2^39, fits size_t only on
     * 64-bit hosts, so check. */
    if (cap > SIZE_MAX / sizeof(float) / (size_t)g->dim) return FACE_ENOMEM;
    float *emb = realloc(g->emb, cap * (size_t)g->dim * sizeof *emb);
    if (!emb) return FACE_ENOMEM;
    g->emb = emb;
    char **file = realloc(g->file, cap * sizeof *file);
    if (!file) return FACE_ENOMEM;
    g->file = file;
    uint32_t *person = realloc(g->person, cap * sizeof *person);
    if (!person) return FACE_ENOMEM;
    g->person = person;
    g->cap = cap;
    return FACE_OK;
}

/* Append an entry whose fields are already validated; room reserved. */
static face_status push_entry(face_gallery *g, const char *name, size_t name_len,
                              const char *file, size_t file_len, const float *emb)
{
    uint32_t p;
    face_status st = intern_person(g, name, name_len, &p);
    if (st != FACE_OK) return st;
    char *f = dup_bytes(file, file_len);
    if (!f) return FACE_ENOMEM;
    size_t i = g->count++;
    g->file[i] = f;
    g->person[i] = p;
    memcpy(g->emb + i * (size_t)g->dim, emb, (size_t)g->dim * sizeof *emb);
    return FACE_OK;
}

void face_gallery_free(face_gallery *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->count; i++) free(g->file[i]);
    for (size_t p = 0; p < g->n_persons; p++) free(g->names[p]);
    free(g->emb);
    free(g->file);
    free(g->person);
    free(g->names);
    free(g->slots);
    free(g);
}

static face_status new_gallery(const char *model_id, size_t model_id_len, int dim,
                               face_gallery **out)
{
    face_gallery *g = calloc(1, sizeof *g);
    if (!g) return FACE_ENOMEM;
    memcpy(g->model_id, model_id, model_id_len);
    g->model_id[model_id_len] = '\0';
    g->dim = dim;
    *out = g;
    return FACE_OK;
}

face_status face_gallery_create(const char *model_id, int dim, face_gallery **out, face_err *err)
{
    if (!model_id || !out) {
        set_err(err, "model id or out-parameter is NULL");
        return FACE_EINVAL;
    }
    size_t n = strlen(model_id);
    size_t at = 0;
    const char *why = model_id_problem((const uint8_t *)model_id, n, &at);
    if (n < 1 || n > FACE_GALLERY_MAX_MODEL_ID || why) {
        set_err(err, "model id '%.64s' must be 1..%d bytes of printable ASCII", model_id,
                FACE_GALLERY_MAX_MODEL_ID);
        return FACE_EINVAL;
    }
    if (dim < 1 || dim > FACE_GALLERY_MAX_DIM) {
        set_err(err, "embedding dimension %d must be 1..%d", dim, FACE_GALLERY_MAX_DIM);
        return FACE_EINVAL;
    }
    face_status st = new_gallery(model_id, n, dim, out);
    if (st != FACE_OK) set_err(err, "out of memory");
    return st;
}

/* ---- parsing ----------------------------------------------------------- */

typedef struct reader {
    const uint8_t *data;
    size_t len, pos;
    face_err *err;
} reader;

/* Make sure n bytes of `field` are left at r->pos; where names the
 * structure ("header", "entry 3"). */
static face_status need(reader *r, size_t n, const char *where, const char *field)
{
    if (r->len - r->pos >= n) return FACE_OK;
    set_err(r->err, "offset %zu: file ends inside %s's %s (needs %zu bytes, %zu left): truncated",
            r->pos, where, field, n, r->len - r->pos);
    return FACE_EFORMAT;
}

/* Read a u32 length field and check lo <= v <= hi. */
static face_status read_len(reader *r, const char *where, const char *field, uint32_t lo,
                            uint32_t hi, uint32_t *v)
{
    face_status st = need(r, 4, where, field);
    if (st != FACE_OK) return st;
    *v = get_u32(r->data + r->pos);
    if (*v < lo || *v > hi) {
        set_err(r->err, "offset %zu: %s's %s is %lu, must be %lu..%lu", r->pos, where, field,
                (unsigned long)*v, (unsigned long)lo, (unsigned long)hi);
        return FACE_EFORMAT;
    }
    r->pos += 4;
    return FACE_OK;
}

static face_status parse_header(reader *r, face_gallery **out, uint32_t *count)
{
    if (r->len < HEADER_FIXED + 1 + 4) {
        set_err(r->err, "offset 0: file is %zu bytes, shorter than the smallest gallery header "
                        "(%u bytes): truncated or not a gallery", r->len, HEADER_FIXED + 1 + 4);
        return FACE_EFORMAT;
    }
    const uint8_t *d = r->data;
    if (memcmp(d, gallery_magic, sizeof gallery_magic) != 0) {
        char seen[8 * 4 + 1];
        size_t k = 0;
        for (size_t i = 0; i < 8; i++) {
            if (d[i] >= 0x20 && d[i] < 0x7f && d[i] != '\\')
                seen[k++] = (char)d[i];
            else
                k += (size_t)snprintf(seen + k, sizeof seen - k, "\\x%02x", (unsigned)d[i]);
        }
        seen[k] = '\0';
        set_err(r->err, "offset 0: magic is \"%s\", expected \"FNGALLRY\": not a gallery file",
                seen);
        return FACE_EFORMAT;
    }
    uint32_t version = get_u32(d + 8);
    if (version > FACE_GALLERY_VERSION) {
        set_err(r->err, "offset 8: version is %lu, this build reads version %d: written by a "
                        "newer facenet-run", (unsigned long)version, FACE_GALLERY_VERSION);
        return FACE_EUNSUPPORTED;
    }
    if (version != FACE_GALLERY_VERSION) {
        set_err(r->err, "offset 8: version is %lu, must be %d", (unsigned long)version,
                FACE_GALLERY_VERSION);
        return FACE_EFORMAT;
    }
    uint32_t flags = get_u32(d + 12);
    if (flags != 0) {
        set_err(r->err, "offset 12: flags is 0x%08lx, must be 0 (reserved)", (unsigned long)flags);
        return FACE_EFORMAT;
    }
    r->pos = 16;
    uint32_t dim, model_len;
    face_status st = read_len(r, "header", "dim", 1, FACE_GALLERY_MAX_DIM, &dim);
    if (st != FACE_OK) return st;
    st = read_len(r, "header", "count", 0, FACE_GALLERY_MAX_ENTRIES, count);
    if (st != FACE_OK) return st;
    st = read_len(r, "header", "model_id_len", 1, FACE_GALLERY_MAX_MODEL_ID, &model_len);
    if (st != FACE_OK) return st;
    st = need(r, (size_t)model_len + 4, "header", "model_id and header_crc");
    if (st != FACE_OK) return st;
    size_t crc_pos = r->pos + model_len;
    uint32_t stored = get_u32(d + crc_pos);
    uint32_t computed = crc32_bytes(d, crc_pos);
    if (stored != computed && CRC_ENFORCED) {
        set_err(r->err, "offset %zu: header_crc is 0x%08lx, the header's bytes give 0x%08lx: "
                        "header damaged", crc_pos, (unsigned long)stored, (unsigned long)computed);
        return FACE_EFORMAT;
    }
    size_t at = 0;
    const char *why = model_id_problem(d + r->pos, model_len, &at);
    if (why) {
        set_err(r->err, "offset %zu: model_id has %s (0x%02x)", r->pos + at, why,
                (unsigned)d[r->pos + at]);
        return FACE_EFORMAT;
    }
    /* Each entry takes at least 4 + 1 + 4 + 0 + 4 * dim + 4 bytes: a count
     * the rest of the file cannot hold is refused before allocating. */
    size_t left = r->len - crc_pos - 4;
    size_t min_entry = 13 + 4 * (size_t)dim;
    if (*count > left / min_entry) {
        set_err(r->err, "offset 20: count is %lu entries, but the %zu bytes after the header "
                        "hold at most %zu: truncated or damaged",
                (unsigned long)*count, left, left / min_entry);
        return FACE_EFORMAT;
    }
    st = new_gallery((const char *)d + r->pos, model_len, (int)dim, out);
    if (st != FACE_OK) {
        set_err(r->err, "out of memory");
        return st;
    }
    r->pos = crc_pos + 4;
    return FACE_OK;
}

static face_status parse_entry(reader *r, face_gallery *g, size_t idx, float *emb_buf)
{
    char where[32];
    snprintf(where, sizeof where, "entry %zu", idx);
    size_t start = r->pos;
    uint32_t name_len, file_len;
    face_status st = read_len(r, where, "name_len", 1, FACE_GALLERY_MAX_NAME, &name_len);
    if (st != FACE_OK) return st;
    size_t name_pos = r->pos;
    st = need(r, name_len, where, "name");
    if (st != FACE_OK) return st;
    r->pos += name_len;
    st = read_len(r, where, "file_len", 0, FACE_GALLERY_MAX_FILE, &file_len);
    if (st != FACE_OK) return st;
    size_t file_pos = r->pos;
    st = need(r, file_len, where, "file");
    if (st != FACE_OK) return st;
    r->pos += file_len;
    size_t emb_bytes = 4 * (size_t)g->dim;
    size_t emb_pos = r->pos;
    st = need(r, emb_bytes, where, "embedding");
    if (st != FACE_OK) return st;
    r->pos += emb_bytes;
    st = need(r, 4, where, "entry_crc");
    if (st != FACE_OK) return st;
    uint32_t stored = get_u32(r->data + r->pos);
    uint32_t computed = crc32_bytes(r->data + start, r->pos - start);
    if (stored != computed && CRC_ENFORCED) {
        set_err(r->err, "offset %zu: %s's entry_crc is 0x%08lx, its bytes (from offset %zu) give "
                        "0x%08lx: entry damaged",
                r->pos, where, (unsigned long)stored, start, (unsigned long)computed);
        return FACE_EFORMAT;
    }
    r->pos += 4;

    /* The bytes are as written; now the rules a writer must have kept. */
    size_t at = 0;
    const char *why = text_problem(r->data + name_pos, name_len, &at);
    if (why) {
        set_err(r->err, "offset %zu: %s's name has %s (byte 0x%02x)", name_pos + at, where, why,
                (unsigned)r->data[name_pos + at]);
        return FACE_EFORMAT;
    }
    why = text_problem(r->data + file_pos, file_len, &at);
    if (why) {
        set_err(r->err, "offset %zu: %s's file has %s (byte 0x%02x)", file_pos + at, where, why,
                (unsigned)r->data[file_pos + at]);
        return FACE_EFORMAT;
    }
    for (size_t j = 0; j < (size_t)g->dim; j++) {
        emb_buf[j] = get_f32(r->data + emb_pos + 4 * j);
        if (!isfinite(emb_buf[j])) {
            set_err(r->err, "offset %zu: %s's embedding[%zu] is not finite (bits 0x%08lx)",
                    emb_pos + 4 * j, where, j, (unsigned long)get_u32(r->data + emb_pos + 4 * j));
            return FACE_EFORMAT;
        }
    }
    st = push_entry(g, (const char *)r->data + name_pos, name_len,
                    (const char *)r->data + file_pos, file_len, emb_buf);
    if (st != FACE_OK) set_err(r->err, "out of memory at %s", where);
    return st;
}

face_status face_gallery_parse(const uint8_t *data, size_t len, face_gallery **out, face_err *err)
{
    if (!out || (!data && len)) {
        set_err(err, "data or out-parameter is NULL");
        return FACE_EINVAL;
    }
    reader r = {data, len, 0, err};
    face_gallery *g = NULL;
    uint32_t count = 0;
    face_status st = parse_header(&r, &g, &count);
    if (st != FACE_OK) return st;
    float *emb_buf = malloc((size_t)g->dim * sizeof *emb_buf);
    st = emb_buf ? reserve_entries(g, count) : FACE_ENOMEM;
    if (st != FACE_OK) set_err(err, "out of memory for %lu entries", (unsigned long)count);
    for (size_t i = 0; st == FACE_OK && i < count; i++) st = parse_entry(&r, g, i, emb_buf);
    free(emb_buf);
    if (st == FACE_OK && r.pos != len) {
        set_err(err, "offset %zu: %zu bytes after the last of %lu entries: the file must end "
                     "there (damaged, or count is wrong)",
                r.pos, len - r.pos, (unsigned long)count);
        st = FACE_EFORMAT;
    }
    if (st != FACE_OK) {
        face_gallery_free(g);
        return st;
    }
    *out = g;
    return FACE_OK;
}

face_status face_gallery_load(const char *path, face_gallery **out, face_err *err)
{
    if (!path || !out) {
        set_err(err, "path or out-parameter is NULL");
        return FACE_EINVAL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        set_err(err, "cannot open: %s", strerror(errno));
        return FACE_EIO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        set_err(err, "cannot stat: %s", strerror(errno));
        close(fd);
        return FACE_EIO;
    }
    if (!S_ISREG(sb.st_mode)) {
        set_err(err, "not a regular file");
        close(fd);
        return FACE_EIO;
    }
    if (sb.st_size < 0 || (uintmax_t)sb.st_size > GALLERY_MAX_BYTES) {
        set_err(err, "file is %jd bytes, over the %u-byte cap for a gallery", (intmax_t)sb.st_size,
                GALLERY_MAX_BYTES);
        close(fd);
        return FACE_ELIMIT;
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        set_err(err, "out of memory for %zu bytes", size);
        close(fd);
        return FACE_ENOMEM;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            set_err(err, "read error at offset %zu: %s", got, strerror(errno));
            free(buf);
            close(fd);
            return FACE_EIO;
        }
        if (n == 0) break; /* shrunk since fstat: parse what is there */
        got += (size_t)n;
    }
    close(fd);
    face_status st = face_gallery_parse(buf, got, out, err);
    free(buf);
    return st;
}

/* ---- queries ----------------------------------------------------------- */

face_status face_gallery_check_model(const face_gallery *g, const char *model_id, int dim,
                                     face_err *err)
{
    if (!g || !model_id) {
        set_err(err, "gallery or model id is NULL");
        return FACE_EINVAL;
    }
    if (strcmp(g->model_id, model_id) == 0 && g->dim == dim) return FACE_OK;
    set_err(err, "gallery was made with model '%.80s' (%d-D), this model is '%.80s' (%d-D): "
                 "enroll again with this model or pass the gallery's",
            g->model_id, g->dim, model_id, dim);
    return FACE_EUNSUPPORTED;
}

const char *face_gallery_model_id(const face_gallery *g) { return g->model_id; }
int face_gallery_dim(const face_gallery *g) { return g->dim; }
size_t face_gallery_count(const face_gallery *g) { return g->count; }
size_t face_gallery_person_count(const face_gallery *g) { return g->n_persons; }

face_gallery_entry face_gallery_get(const face_gallery *g, size_t i)
{
    face_gallery_entry e = {NULL, NULL, NULL, 0};
    if (i >= g->count) return e;
    e.name = g->names[g->person[i]];
    e.file = g->file[i];
    e.emb = g->emb + i * (size_t)g->dim;
    e.person = g->person[i];
    return e;
}

const char *face_gallery_person_name(const face_gallery *g, size_t p)
{
    return p < g->n_persons ? g->names[p] : NULL;
}

long face_gallery_find(const face_gallery *g, const char *name, const char *file)
{
    if (!g || !name || !file || !g->n_slots) return -1;
    size_t s = find_slot(g, name);
    if (!g->slots[s]) return -1;
    uint32_t p = g->slots[s] - 1;
    for (size_t i = 0; i < g->count; i++)
        if (g->person[i] == p && strcmp(g->file[i], file) == 0) return (long)i;
    return -1;
}

/* ---- edits ------------------------------------------------------------- */

face_status face_gallery_add(face_gallery *g, const char *name, const char *file,
                             const float *emb, face_err *err)
{
    if (!g || !emb) {
        set_err(err, "gallery or embedding is NULL");
        return FACE_EINVAL;
    }
    face_status st = check_text("name", name, 1, FACE_GALLERY_MAX_NAME, err);
    if (st != FACE_OK) return st;
    st = check_text("file", file, 0, FACE_GALLERY_MAX_FILE, err);
    if (st != FACE_OK) return st;
    for (int j = 0; j < g->dim; j++)
        if (!isfinite(emb[j])) {
            set_err(err, "embedding[%d] is not finite", j);
            return FACE_EINVAL;
        }
    st = reserve_entries(g, 1);
    if (st == FACE_OK) st = push_entry(g, name, strlen(name), file, strlen(file), emb);
    if (st == FACE_ELIMIT)
        set_err(err, "the gallery holds %zu entries, the most a gallery may", g->count);
    else if (st != FACE_OK)
        set_err(err, "out of memory");
    return st;
}

void face_gallery_remove(face_gallery *g, const char *name, size_t *removed)
{
    if (removed) *removed = 0;
    if (!g || !name || !g->n_slots) return;
    size_t s = find_slot(g, name);
    if (!g->slots[s]) return;
    uint32_t p = g->slots[s] - 1;
    size_t dim = (size_t)g->dim, kept = 0;
    for (size_t i = 0; i < g->count; i++) {
        if (g->person[i] == p) {
            free(g->file[i]);
            continue;
        }
        if (kept != i) {
            g->file[kept] = g->file[i];
            memmove(g->emb + kept * dim, g->emb + i * dim, dim * sizeof *g->emb);
        }
        /* Person indices above p move down by one with the names below. */
        g->person[kept] = g->person[i] > p ? g->person[i] - 1 : g->person[i];
        kept++;
    }
    if (removed) *removed = g->count - kept;
    g->count = kept;
    free(g->names[p]);
    memmove(g->names + p, g->names + p + 1, (g->n_persons - p - 1) * sizeof *g->names);
    g->n_persons--;
    rebuild_slots(g);
}

face_status face_gallery_merge(face_gallery *dst, const face_gallery *src, size_t *added,
                               face_err *err)
{
    if (added) *added = 0;
    if (!dst || !src) {
        set_err(err, "gallery is NULL");
        return FACE_EINVAL;
    }
    if (strcmp(dst->model_id, src->model_id) != 0 || dst->dim != src->dim) {
        set_err(err, "cannot merge galleries of different models: '%.80s' (%d-D) and '%.80s' "
                     "(%d-D)", dst->model_id, dst->dim, src->model_id, src->dim);
        return FACE_EUNSUPPORTED;
    }
    if (dst == src) return FACE_OK;
    size_t n = 0;
    for (size_t i = 0; i < src->count; i++) {
        face_gallery_entry e = face_gallery_get(src, i);
        if (face_gallery_find(dst, e.name, e.file) >= 0) continue;
        face_status st = reserve_entries(dst, 1);
        if (st == FACE_OK) st = push_entry(dst, e.name, strlen(e.name), e.file, strlen(e.file), e.emb);
        if (st != FACE_OK) {
            set_err(err, st == FACE_ELIMIT ? "merged gallery would exceed %u entries"
                                           : "out of memory after merging %u entries",
                    st == FACE_ELIMIT ? FACE_GALLERY_MAX_ENTRIES : (unsigned)n);
            if (added) *added = n;
            return st;
        }
        n++;
    }
    if (added) *added = n;
    return FACE_OK;
}

/* ---- writing ----------------------------------------------------------- */

face_status face_gallery_serialize(const face_gallery *g, uint8_t **out, size_t *out_len,
                                   face_err *err)
{
    if (!g || !out || !out_len) {
        set_err(err, "gallery or out-parameter is NULL");
        return FACE_EINVAL;
    }
    size_t model_len = strlen(g->model_id);
    size_t emb_bytes = 4 * (size_t)g->dim;
    size_t total = HEADER_FIXED + model_len + 4;
    for (size_t i = 0; i < g->count; i++) {
        size_t e = 12 + strlen(g->names[g->person[i]]) + strlen(g->file[i]) + emb_bytes + 4;
        if (total > SIZE_MAX - e) {
            set_err(err, "gallery too large to serialise");
            return FACE_ELIMIT;
        }
        total += e;
    }
    uint8_t *buf = malloc(total);
    if (!buf) {
        set_err(err, "out of memory for %zu bytes", total);
        return FACE_ENOMEM;
    }
    memcpy(buf, gallery_magic, sizeof gallery_magic);
    put_u32(buf + 8, FACE_GALLERY_VERSION);
    put_u32(buf + 12, 0);
    put_u32(buf + 16, (uint32_t)g->dim);
    put_u32(buf + 20, (uint32_t)g->count);
    put_u32(buf + 24, (uint32_t)model_len);
    memcpy(buf + HEADER_FIXED, g->model_id, model_len);
    size_t pos = HEADER_FIXED + model_len;
    put_u32(buf + pos, crc32_bytes(buf, pos));
    pos += 4;
    for (size_t i = 0; i < g->count; i++) {
        size_t start = pos;
        const char *name = g->names[g->person[i]];
        size_t n = strlen(name), f = strlen(g->file[i]);
        put_u32(buf + pos, (uint32_t)n);
        memcpy(buf + pos + 4, name, n);
        pos += 4 + n;
        put_u32(buf + pos, (uint32_t)f);
        memcpy(buf + pos + 4, g->file[i], f);
        pos += 4 + f;
        const float *emb = g->emb + i * (size_t)g->dim;
        for (size_t j = 0; j < (size_t)g->dim; j++) put_f32(buf + pos + 4 * j, emb[j]);
        pos += emb_bytes;
        put_u32(buf + pos, crc32_bytes(buf + start, pos - start));
        pos += 4;
    }
    *out = buf;
    *out_len = pos;
    return FACE_OK;
}

static face_status write_all(int fd, const uint8_t *p, size_t n, face_err *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = write(fd, p + done, n - done);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            set_err(err, "cannot write the temp file at offset %zu: %s", done, strerror(errno));
            return FACE_EIO;
        }
        done += (size_t)k;
    }
    return FACE_OK;
}

face_status face_gallery_save(const face_gallery *g, const char *path, face_err *err)
{
    if (!g || !path) {
        set_err(err, "gallery or path is NULL");
        return FACE_EINVAL;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (*base == '\0') {
        set_err(err, "path names a directory, not a file");
        return FACE_EINVAL;
    }
    /* dir: everything before the last slash, "/" for "/x", "." for "x". */
    const char *dir = slash ? path : ".";
    size_t dir_len = slash ? (size_t)(slash - path) : 1;
    if (dir_len == 0) dir_len = 1;
    size_t tmp_size = dir_len + 1 + 1 + strlen(base) + sizeof ".tmp-XXXXXX";
    char *dir_copy = dup_bytes(dir, dir_len);
    char *tmp = malloc(tmp_size);
    uint8_t *buf = NULL;
    size_t len = 0;
    face_status st = FACE_OK;
    if (!dir_copy || !tmp) {
        set_err(err, "out of memory");
        st = FACE_ENOMEM;
        goto out;
    }
    snprintf(tmp, tmp_size, "%s/.%s.tmp-XXXXXX", dir_copy, base);
    st = face_gallery_serialize(g, &buf, &len, err);
    if (st != FACE_OK) goto out;

    int fd = mkstemp(tmp);
    if (fd < 0) {
        set_err(err, "cannot create a temp file in %s: %s", dir_copy, strerror(errno));
        st = FACE_EIO;
        goto out;
    }
    /* An existing gallery keeps its permission bits; a new one stays 0600
     * as mkstemp made it (embeddings are biometric data). */
    struct stat old;
    if (stat(path, &old) == 0 && fchmod(fd, old.st_mode & 07777) != 0) {
        set_err(err, "cannot copy the old file's permissions to the temp file: %s",
                strerror(errno));
        st = FACE_EIO;
    }
    if (st == FACE_OK) st = write_all(fd, buf, len, err);
    /* The data must be on disk before the rename makes it the gallery,
     * or a crash could leave a renamed but empty file. */
    if (st == FACE_OK && fsync(fd) != 0) {
        set_err(err, "cannot fsync the temp file: %s", strerror(errno));
        st = FACE_EIO;
    }
    if (close(fd) != 0 && st == FACE_OK) {
        set_err(err, "cannot close the temp file: %s", strerror(errno));
        st = FACE_EIO;
    }
    if (st == FACE_OK && rename(tmp, path) != 0) {
        set_err(err, "cannot rename the temp file over it: %s", strerror(errno));
        st = FACE_EIO;
    }
    if (st != FACE_OK) {
        unlink(tmp);
        goto out;
    }
    /* Make the rename itself durable. Some file systems cannot fsync a
     * directory (EINVAL): the rename is then as durable as they make it. */
    int dfd = open(dir_copy, O_RDONLY | O_DIRECTORY);
    if (dfd < 0) {
        set_err(err, "saved, but cannot open directory %s to fsync it: %s", dir_copy,
                strerror(errno));
        st = FACE_EIO;
        goto out;
    }
    if (fsync(dfd) != 0 && errno != EINVAL) {
        set_err(err, "saved, but cannot fsync directory %s: %s", dir_copy, strerror(errno));
        st = FACE_EIO;
    }
    close(dfd);
out:
    free(buf);
    free(tmp);
    free(dir_copy);
    return st;
}
