/*
 * tfjs.c - TensorFlow.js weights manifest + shards -> float tensors, for the
 * converters (see tools/tfjs_internal.h).
 *
 * The manifest is JSON: [ { "paths": ["x.bin", ...], "weights": [ { "name",
 * "shape", "dtype", "quantization"?: { "dtype", "scale", "min" } }, ... ] } ].
 * The shards of a group are concatenated and the group's tensors follow one
 * another in it with no padding. A small JSON parser lives here; it caps the
 * input size and the nesting depth, and every count from the file is checked
 * before it is used.
 */
#include "tools/tfjs_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MANIFEST_BYTES (16u << 20)
#define MAX_SHARD_BYTES (1u << 30)
#define MAX_DEPTH 32
#define MAX_TENSORS 65536
#define MAX_DIM (1 << 24)

/* ---- a small JSON tree ---- */

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jnode {
    jtype type;
    double num;           /* J_NUM, J_BOOL */
    char *str;            /* J_STR: NUL-terminated, escapes decoded; J_OBJ member key */
    char *key;            /* the key when this node is an object member */
    struct jnode *child;  /* J_ARR, J_OBJ: first element */
    struct jnode *next;   /* next sibling */
} jnode;

typedef struct jparser {
    const char *s;
    size_t pos, len;
    char err[160];
} jparser;

static void jfree(jnode *n)
{
    while (n) {
        jnode *next = n->next;
        jfree(n->child);
        free(n->str);
        free(n->key);
        free(n);
        n = next;
    }
}

static void jskip_ws(jparser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static jnode *jfail(jparser *p, const char *what)
{
    if (!p->err[0]) snprintf(p->err, sizeof p->err, "%s at byte %zu", what, p->pos);
    return NULL;
}

/* A JSON string at p->pos (the opening quote); \uXXXX outside ASCII is kept as '?':
 * names in manifests are ASCII. */
static char *jstring(jparser *p)
{
    p->pos++;
    size_t start = p->pos, n = 0;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        if (p->s[p->pos] == '\\') p->pos++;
        p->pos++;
        n++;
    }
    if (p->pos >= p->len) {
        jfail(p, "unterminated string");
        return NULL;
    }
    char *out = malloc(n + 1), *o = out;
    if (!out) {
        jfail(p, "out of memory");
        return NULL;
    }
    for (size_t i = start; i < p->pos; i++) {
        char c = p->s[i];
        if (c != '\\') {
            *o++ = c;
            continue;
        }
        c = p->s[++i];
        switch (c) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u':
            if (i + 4 >= p->pos) {
                free(out);
                jfail(p, "bad \\u escape");
                return NULL;
            }
            i += 4;
            *o++ = '?';
            break;
        default: *o++ = c; break;
        }
    }
    *o = '\0';
    p->pos++;
    return out;
}

static jnode *jvalue(jparser *p, int depth)
{
    jskip_ws(p);
    if (depth > MAX_DEPTH) return jfail(p, "nesting too deep");
    if (p->pos >= p->len) return jfail(p, "unexpected end");
    jnode *n = calloc(1, sizeof *n);
    if (!n) return jfail(p, "out of memory");
    char c = p->s[p->pos];
    if (c == '"') {
        n->type = J_STR;
        n->str = jstring(p);
        if (!n->str) {
            free(n);
            return NULL;
        }
    } else if (c == '[' || c == '{') {
        int obj = c == '{';
        n->type = obj ? J_OBJ : J_ARR;
        p->pos++;
        jnode **tail = &n->child;
        jskip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == (obj ? '}' : ']')) {
            p->pos++;
            return n;
        }
        for (;;) {
            char *key = NULL;
            if (obj) {
                jskip_ws(p);
                if (p->pos >= p->len || p->s[p->pos] != '"') {
                    jfree(n);
                    return jfail(p, "expected a key");
                }
                key = jstring(p);
                jskip_ws(p);
                if (!key || p->pos >= p->len || p->s[p->pos] != ':') {
                    free(key);
                    jfree(n);
                    return jfail(p, "expected ':'");
                }
                p->pos++;
            }
            jnode *v = jvalue(p, depth + 1);
            if (!v) {
                free(key);
                jfree(n);
                return NULL;
            }
            v->key = key;
            *tail = v;
            tail = &v->next;
            jskip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == (obj ? '}' : ']')) {
                p->pos++;
                return n;
            }
            jfree(n);
            return jfail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    } else if (p->len - p->pos >= 4 && !strncmp(p->s + p->pos, "true", 4)) {
        n->type = J_BOOL;
        n->num = 1;
        p->pos += 4;
    } else if (p->len - p->pos >= 5 && !strncmp(p->s + p->pos, "false", 5)) {
        n->type = J_BOOL;
        p->pos += 5;
    } else if (p->len - p->pos >= 4 && !strncmp(p->s + p->pos, "null", 4)) {
        n->type = J_NULL;
        p->pos += 4;
    } else {
        /* a number: copy its characters (the text is not NUL-terminated) */
        char buf[64];
        size_t k = 0;
        while (p->pos < p->len && k < sizeof buf - 1 &&
               p->s[p->pos] && strchr("+-0123456789.eE", p->s[p->pos]))
            buf[k++] = p->s[p->pos++];
        buf[k] = '\0';
        char *end;
        n->type = J_NUM;
        n->num = k ? strtod(buf, &end) : 0;
        if (!k || *end || !isfinite(n->num)) {
            free(n);
            return jfail(p, "bad value");
        }
    }
    return n;
}

static const jnode *jget(const jnode *obj, const char *key)
{
    if (!obj || obj->type != J_OBJ) return NULL;
    for (const jnode *c = obj->child; c; c = c->next)
        if (c->key && !strcmp(c->key, key)) return c;
    return NULL;
}

/* ---- files ---- */

#if defined(__GNUC__) /* calls checked against the format; clang -Wformat-nonliteral */
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Whole file into *out (NUL-terminated), at most cap bytes. */
static int read_file(const char *path, size_t cap, char **out, size_t *len, char *err,
                     size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, err_len, "%s: cannot open: %s", path, strerror(errno));
    size_t size = 0, room = 1 << 16;
    char *buf = malloc(room + 1);
    while (buf) {
        size += fread(buf + size, 1, room - size, f);
        if (size < room) break;
        if (room >= cap) {
            free(buf);
            fclose(f);
            return fail(err, err_len, "%s: larger than %zu bytes", path, cap);
        }
        room *= 2;
        char *bigger = realloc(buf, room + 1);
        if (!bigger) free(buf);
        buf = bigger;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return fail(err, err_len, "%s: out of memory", path);
    if (bad) {
        free(buf);
        return fail(err, err_len, "%s: read error", path);
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return 0;
}

static float f16_to_f32(unsigned h)
{
    int sign = h >> 15, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m | 0x400, e - 25);
    return (float)(sign ? -v : v);
}

static int cut_group(const char *manifest, const jnode *weights, const uint8_t *blob,
                     size_t blob_len, tfjs_weights *w, char *err, size_t err_len);

/* One group: concatenate its shards, then cut its tensors out of them. */
static int load_group(const char *dir, const char *manifest, const jnode *group,
                      tfjs_weights *w, char *err, size_t err_len)
{
    const jnode *paths = jget(group, "paths"), *weights = jget(group, "weights");
    if (!paths || paths->type != J_ARR || !weights || weights->type != J_ARR)
        return fail(err, err_len, "%s: a group without \"paths\" and \"weights\" arrays", manifest);
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    for (const jnode *p = paths->child; p; p = p->next) {
        if (p->type != J_STR || !p->str[0] || strchr(p->str, '/') || strchr(p->str, '\\') ||
            !strcmp(p->str, "..")) {
            free(blob);
            return fail(err, err_len, "%s: shard path '%s' must be a plain file name", manifest,
                        p->type == J_STR ? p->str : "?");
        }
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", dir, p->str);
        if (n < 0 || (size_t)n >= sizeof path) {
            free(blob);
            return fail(err, err_len, "%s: shard path '%s' is too long", manifest, p->str);
        }
        char *data;
        size_t len;
        if (read_file(path, MAX_SHARD_BYTES, &data, &len, err, err_len) != 0) {
            free(blob);
            return -1;
        }
        uint8_t *bigger = realloc(blob, blob_len + len + 1);
        if (!bigger) {
            free(data);
            free(blob);
            return fail(err, err_len, "%s: out of memory", path);
        }
        blob = bigger;
        memcpy(blob + blob_len, data, len);
        blob_len += len;
        free(data);
    }
    int rc = cut_group(manifest, weights, blob, blob_len, w, err, err_len);
    free(blob);
    return rc;
}

/* The tensors of one group out of its concatenated shards blob[0..blob_len). */
static int cut_group(const char *manifest, const jnode *weights, const uint8_t *blob,
                     size_t blob_len, tfjs_weights *w, char *err, size_t err_len)
{
    size_t pos = 0;
    for (const jnode *t = weights->child; t; t = t->next) {
        const jnode *name = jget(t, "name"), *shape = jget(t, "shape"), *dtype = jget(t, "dtype"),
                    *q = jget(t, "quantization");
        if (!name || name->type != J_STR || !shape || shape->type != J_ARR || !dtype ||
            dtype->type != J_STR) {
            return fail(err, err_len, "%s: tensor %d lacks name, shape or dtype", manifest, w->n);
        }
        if (strcmp(dtype->str, "float32") != 0) {
            return fail(err, err_len, "%s: tensor '%s' has dtype %s (only float32 is supported)",
                        manifest, name->str, dtype->str);
        }
        if (w->n >= MAX_TENSORS || strlen(name->str) >= TFJS_NAME_MAX) {
            return fail(err, err_len, "%s: too many tensors or name too long at '%s'", manifest,
                        name->str);
        }
        if (w->n == w->cap) {
            int cap = w->cap ? 2 * w->cap : 64;
            tfjs_tensor *grown = realloc(w->t, sizeof *grown * (size_t)cap);
            if (!grown) return fail(err, err_len, "%s: out of memory", manifest);
            w->t = grown;
            w->cap = cap;
        }
        tfjs_tensor *out = &w->t[w->n];
        memset(out, 0, sizeof *out);
        snprintf(out->name, sizeof out->name, "%s", name->str);
        uint64_t count = 1;
        for (const jnode *d = shape->child; d; d = d->next) {
            if (out->rank == TFJS_MAX_RANK || d->type != J_NUM || d->num < 1 || d->num > MAX_DIM ||
                d->num != floor(d->num)) {
                    return fail(err, err_len, "%s: tensor '%s': bad shape (rank <= 4, dims 1..2^24)",
                            manifest, name->str);
            }
            out->dims[out->rank++] = (int)d->num;
            count *= (uint64_t)d->num;
            if (count > (1u << 30)) {
                    return fail(err, err_len, "%s: tensor '%s' is too large", manifest, name->str);
            }
        }
        if (out->rank == 0) { /* a scalar */
            out->rank = 1;
            out->dims[0] = 1;
        }
        const char *qtype = NULL;
        double scale = 1, min = 0;
        if (q) {
            const jnode *qd = jget(q, "dtype"), *qs = jget(q, "scale"), *qm = jget(q, "min");
            if (!qd || qd->type != J_STR) {
                    return fail(err, err_len, "%s: tensor '%s': quantization without dtype", manifest,
                            name->str);
            }
            qtype = qd->str;
            if (strcmp(qtype, "float16") != 0) {
                if (strcmp(qtype, "uint8") != 0 && strcmp(qtype, "uint16") != 0) {
                            return fail(err, err_len, "%s: tensor '%s': quantization dtype %s unsupported",
                                manifest, name->str, qtype);
                }
                if (!qs || qs->type != J_NUM || !qm || qm->type != J_NUM) {
                            return fail(err, err_len, "%s: tensor '%s': quantization needs scale and min",
                                manifest, name->str);
                }
                scale = qs->num;
                min = qm->num;
            }
        }
        size_t esize = !qtype ? 4 : !strcmp(qtype, "uint8") ? 1 : 2;
        if ((blob_len - pos) / esize < count) {
            return fail(err, err_len, "%s: tensor '%s' needs %llu bytes but the shards end %zu "
                        "bytes after its start",
                        manifest, name->str, (unsigned long long)(count * esize), blob_len - pos);
        }
        out->count = (size_t)count;
        out->data = malloc(sizeof *out->data * out->count);
        if (!out->data) {
            return fail(err, err_len, "%s: out of memory", manifest);
        }
        const uint8_t *b = blob + pos;
        for (size_t k = 0; k < out->count; k++) {
            if (!qtype) {
                uint32_t bits = (uint32_t)b[4 * k] | (uint32_t)b[4 * k + 1] << 8 |
                                (uint32_t)b[4 * k + 2] << 16 | (uint32_t)b[4 * k + 3] << 24;
                memcpy(&out->data[k], &bits, sizeof bits);
            } else if (esize == 1) {
                out->data[k] = (float)(b[k] * scale + min);
            } else {
                unsigned v = (unsigned)b[2 * k] | (unsigned)b[2 * k + 1] << 8;
                out->data[k] = !strcmp(qtype, "float16") ? f16_to_f32(v) : (float)(v * scale + min);
            }
        }
        pos += out->count * esize;
        w->n++;
    }
    if (pos != blob_len)
        return fail(err, err_len, "%s: the shards hold %zu bytes but the tensors use %zu", manifest,
                    blob_len, pos);
    return 0;
}

/* The manifest's JSON tree, or NULL with a reason in err. */
static jnode *parse_manifest(const char *label, const char *text, size_t len, char *err,
                             size_t err_len)
{
    jparser p = {text, 0, len, {0}};
    jnode *root = jvalue(&p, 0);
    jskip_ws(&p);
    if (root && p.pos != len) {
        jfree(root);
        root = NULL;
        jfail(&p, "trailing characters");
    }
    if (!root) {
        fail(err, err_len, "%s: not valid JSON: %s", label, p.err);
        return NULL;
    }
    if (root->type != J_ARR) {
        jfree(root);
        fail(err, err_len, "%s: the manifest must be an array of groups", label);
        return NULL;
    }
    return root;
}

int tfjs_load(const char *manifest_path, tfjs_weights *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    if (read_file(manifest_path, MAX_MANIFEST_BYTES, &text, &len, err, err_len) != 0) return -1;
    jnode *root = parse_manifest(manifest_path, text, len, err, err_len);
    free(text);
    if (!root) return -1;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", manifest_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int rc = 0;
    for (const jnode *g = root->child; g && rc == 0; g = g->next)
        rc = load_group(dir, manifest_path, g, out, err, err_len);
    jfree(root);
    if (rc != 0) tfjs_free(out);
    return rc;
}

int tfjs_load_memory(const char *text, size_t len, const unsigned char *blob, size_t blob_len,
                     tfjs_weights *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    if (len > MAX_MANIFEST_BYTES) return fail(err, err_len, "manifest: too large");
    jnode *root = parse_manifest("manifest", text, len, err, err_len);
    if (!root) return -1;
    int rc = 0;
    for (const jnode *g = root->child; g && rc == 0; g = g->next) {
        const jnode *weights = jget(g, "weights");
        if (!weights || weights->type != J_ARR)
            rc = fail(err, err_len, "manifest: a group without a \"weights\" array");
        else
            rc = cut_group("manifest", weights, blob, blob_len, out, err, err_len);
    }
    jfree(root);
    if (rc != 0) tfjs_free(out);
    return rc;
}

const tfjs_tensor *tfjs_find(const tfjs_weights *w, const char *name)
{
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->t[i].name, name)) return &w->t[i];
    return NULL;
}

void tfjs_free(tfjs_weights *w)
{
    for (int i = 0; i < w->n; i++) free(w->t[i].data);
    free(w->t);
    w->t = NULL;
    w->n = w->cap = 0;
}
