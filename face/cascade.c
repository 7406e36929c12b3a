/*
 * cascade.c - the cascade file (face/CASCADE_FORMAT.md): validate, encode,
 * decode, load. Every field of a file is checked before it is trusted, so a
 * cascade that decodes can be evaluated without any bounds check in the
 * detector's inner loops: every rectangle lies inside the window, every
 * node's children are in its tree, every feature index is in range.
 */
#include "face/cascade_internal.h"
#include "face/image_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_SIZE 64
#define STAGE_SIZE 8
#define TREE_SIZE 4
#define NODE_SIZE 16
#define LEAF_SIZE 4
#define FEATURE_SIZE 64

#define MAX_WIN 1024
#define MAX_STAGES 10000
#define MAX_TREES (1 << 20)
#define MAX_NODES (1 << 22)
#define MAX_FEATURES (1 << 22)
#define MAX_TREE_NODES 1024

static const char magic[8] = {'F', 'N', 'C', 'A', 'S', 'C', 'A', 'D'};

/* Where each section starts in a file, so that messages can name the byte
 * offset of a bad record; all zero for a def that came from memory. */
typedef struct section_ofs {
    int in_file;
    uint64_t stages, trees, nodes, leaves, features;
} section_ofs;

void face_cascade_def_free(face_cascade_def *def)
{
    if (!def) return;
    free(def->stages);
    free(def->tree_nodes);
    free(def->nodes);
    free(def->leaves);
    free(def->features);
    memset(def, 0, sizeof *def);
}

/* " at offset N" for records in a file, "" otherwise. */
static const char *where(char *buf, size_t cap, const section_ofs *so, uint64_t base, uint64_t i,
                         uint64_t size)
{
    if (!so || !so->in_file) {
        buf[0] = 0;
        return buf;
    }
    snprintf(buf, cap, " at offset %llu", (unsigned long long)(base + i * size));
    return buf;
}

static int rect_inside(const face_haar_rect *r, int tilted, int ww, int wh)
{
    /* 64-bit sums: coordinates are any int from a hostile file. */
    long long x = r->x, y = r->y, w = r->w, h = r->h;
    if (w < 0 || h < 0) return 0;
    if (!tilted) return x >= 0 && y >= 0 && x + w <= ww && y + h <= wh;
    long long cx[4] = {x, x - h, x + w, x + w - h};
    long long cy[4] = {y, y + h, y + w, y + w + h};
    for (int k = 0; k < 4; k++)
        if (cx[k] < 0 || cx[k] > ww || cy[k] < 0 || cy[k] > wh) return 0;
    return 1;
}

static face_status validate(const face_cascade_def *d, const section_ofs *so, face_err *err)
{
    char at[48];
    if (d->win_w < 3 || d->win_w > MAX_WIN || d->win_h < 3 || d->win_h > MAX_WIN)
        return face_codec_fail(err, FACE_EFORMAT,
                               "cascade: window %dx%d, each side must be 3..%d", d->win_w,
                               d->win_h, MAX_WIN);
    if (d->n_stages < 1 || d->n_stages > MAX_STAGES)
        return face_codec_fail(err, FACE_EFORMAT, "cascade: n_stages = %d, must be 1..%d",
                               d->n_stages, MAX_STAGES);
    if (d->n_trees < 1 || d->n_trees > MAX_TREES)
        return face_codec_fail(err, FACE_EFORMAT, "cascade: n_trees = %d, must be 1..%d",
                               d->n_trees, MAX_TREES);
    if (d->n_nodes < 1 || d->n_nodes > MAX_NODES)
        return face_codec_fail(err, FACE_EFORMAT, "cascade: n_nodes = %d, must be 1..%d",
                               d->n_nodes, MAX_NODES);
    if (d->n_features < 1 || d->n_features > MAX_FEATURES)
        return face_codec_fail(err, FACE_EFORMAT, "cascade: n_features = %d, must be 1..%d",
                               d->n_features, MAX_FEATURES);
    if (!d->stages || !d->tree_nodes || !d->nodes || !d->leaves || !d->features)
        return face_codec_fail(err, FACE_EINVAL, "cascade: NULL array in the definition");

    long long trees = 0;
    for (int s = 0; s < d->n_stages; s++) {
        const face_cascade_stage *st = &d->stages[s];
        if (st->n_trees < 1 || st->n_trees > MAX_TREES)
            return face_codec_fail(err, FACE_EFORMAT, "cascade: stage %d%s: n_trees = %d, must be 1..%d",
                                   s, where(at, sizeof at, so, so ? so->stages : 0, (uint64_t)s, STAGE_SIZE),
                                   st->n_trees, MAX_TREES);
        if (!isfinite(st->threshold))
            return face_codec_fail(err, FACE_EFORMAT, "cascade: stage %d%s: threshold is not finite",
                                   s, where(at, sizeof at, so, so ? so->stages : 0, (uint64_t)s, STAGE_SIZE));
        trees += st->n_trees;
    }
    if (trees != d->n_trees)
        return face_codec_fail(err, FACE_EFORMAT,
                               "cascade: the stages hold %lld trees, the header says n_trees = %d",
                               trees, d->n_trees);

    long long nodes = 0;
    for (int t = 0; t < d->n_trees; t++) {
        int nn = d->tree_nodes[t];
        if (nn < 1 || nn > MAX_TREE_NODES)
            return face_codec_fail(err, FACE_EFORMAT, "cascade: tree %d%s: n_nodes = %d, must be 1..%d",
                                   t, where(at, sizeof at, so, so ? so->trees : 0, (uint64_t)t, TREE_SIZE),
                                   nn, MAX_TREE_NODES);
        nodes += nn;
    }
    if (nodes != d->n_nodes)
        return face_codec_fail(err, FACE_EFORMAT,
                               "cascade: the trees hold %lld nodes, the header says n_nodes = %d",
                               nodes, d->n_nodes);

    int node0 = 0;
    for (int t = 0; t < d->n_trees; t++) {
        int nn = d->tree_nodes[t];
        for (int j = 0; j < nn; j++) {
            const face_cascade_node *n = &d->nodes[node0 + j];
            int kids[2] = {n->left, n->right};
            const char *side[2] = {"left", "right"};
            for (int k = 0; k < 2; k++) {
                int c = kids[k];
                int ok = c > 0 ? (c > j && c < nn) : (c >= -nn);
                if (!ok)
                    return face_codec_fail(
                        err, FACE_EFORMAT,
                        "cascade: node %d (tree %d, node %d)%s: %s child %d; must be a later node "
                        "%d..%d or a leaf 0..-%d",
                        node0 + j, t, j,
                        where(at, sizeof at, so, so ? so->nodes : 0, (uint64_t)(node0 + j), NODE_SIZE),
                        side[k], c, j + 1, nn - 1, nn);
            }
            if (n->feature < 0 || n->feature >= d->n_features)
                return face_codec_fail(err, FACE_EFORMAT,
                                       "cascade: node %d%s: feature %d, must be 0..%d", node0 + j,
                                       where(at, sizeof at, so, so ? so->nodes : 0, (uint64_t)(node0 + j), NODE_SIZE),
                                       n->feature, d->n_features - 1);
            if (!isfinite(n->threshold))
                return face_codec_fail(err, FACE_EFORMAT, "cascade: node %d%s: threshold is not finite",
                                       node0 + j,
                                       where(at, sizeof at, so, so ? so->nodes : 0, (uint64_t)(node0 + j), NODE_SIZE));
        }
        node0 += nn;
    }

    int n_leaves = d->n_nodes + d->n_trees;
    for (int i = 0; i < n_leaves; i++)
        if (!isfinite(d->leaves[i]))
            return face_codec_fail(err, FACE_EFORMAT, "cascade: leaf %d%s is not finite", i,
                                   where(at, sizeof at, so, so ? so->leaves : 0, (uint64_t)i, LEAF_SIZE));

    for (int f = 0; f < d->n_features; f++) {
        const face_haar_feature *ft = &d->features[f];
        if (ft->tilted != 0 && ft->tilted != 1)
            return face_codec_fail(err, FACE_EFORMAT, "cascade: feature %d%s: tilted = %d, must be 0 or 1",
                                   f, where(at, sizeof at, so, so ? so->features : 0, (uint64_t)f, FEATURE_SIZE),
                                   ft->tilted);
        for (int r = 0; r < 3; r++) {
            const face_haar_rect *rc = &ft->rect[r];
            if (!isfinite(rc->weight))
                return face_codec_fail(err, FACE_EFORMAT, "cascade: feature %d%s: rect %d weight is not finite",
                                       f, where(at, sizeof at, so, so ? so->features : 0, (uint64_t)f, FEATURE_SIZE), r);
            if (r == 2 && rc->weight == 0.0f) continue; /* unused, never read */
            if (!rect_inside(rc, ft->tilted, d->win_w, d->win_h))
                return face_codec_fail(
                    err, FACE_EFORMAT,
                    "cascade: feature %d%s: %srect %d (x %d, y %d, w %d, h %d) is not inside the %dx%d window",
                    f, where(at, sizeof at, so, so ? so->features : 0, (uint64_t)f, FEATURE_SIZE),
                    ft->tilted ? "tilted " : "", r, rc->x, rc->y, rc->w, rc->h, d->win_w, d->win_h);
        }
    }
    return FACE_OK;
}

static int def_has_tilted(const face_cascade_def *d)
{
    for (int f = 0; f < d->n_features; f++)
        if (d->features[f].tilted) return 1;
    return 0;
}

/* ---- little-endian bytes ---------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(p, v);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Two's complement without relying on implementation-defined conversion. */
static int32_t get_i32(const uint8_t *p)
{
    uint32_t v = get_u32(p);
    return v <= 0x7fffffffu ? (int32_t)v : -(int32_t)(~v) - 1;
}

static float get_f32(const uint8_t *p)
{
    uint32_t v = get_u32(p);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

/* Byte size of a file with these counts (all already capped, so no overflow in 64 bits). */
static uint64_t file_size(uint64_t n_stages, uint64_t n_trees, uint64_t n_nodes, uint64_t n_features)
{
    return HEADER_SIZE + n_stages * STAGE_SIZE + n_trees * TREE_SIZE + n_nodes * NODE_SIZE +
           (n_nodes + n_trees) * LEAF_SIZE + n_features * FEATURE_SIZE + 4;
}

face_status face_cascade_encode(const face_cascade_def *def, uint8_t **out, size_t *out_len,
                                face_err *err)
{
    if (!def || !out || !out_len)
        return face_codec_fail(err, FACE_EINVAL, "face_cascade_encode: NULL argument");
    face_status st = validate(def, NULL, err);
    if (st != FACE_OK) return st;
    uint64_t size = file_size((uint64_t)def->n_stages, (uint64_t)def->n_trees,
                              (uint64_t)def->n_nodes, (uint64_t)def->n_features);
    if (size > SIZE_MAX)
        return face_codec_fail(err, FACE_ELIMIT, "cascade: %llu bytes do not fit in memory",
                               (unsigned long long)size);
    uint8_t *buf = calloc((size_t)size, 1);
    if (!buf)
        return face_codec_fail(err, FACE_ENOMEM, "cascade: cannot allocate %llu bytes",
                               (unsigned long long)size);
    uint8_t *p = buf;
    memcpy(p, magic, 8);
    put_u32(p + 8, 1);
    put_u32(p + 12, HEADER_SIZE);
    put_u32(p + 16, 0);
    put_u32(p + 20, (uint32_t)def->win_w);
    put_u32(p + 24, (uint32_t)def->win_h);
    put_u32(p + 28, (uint32_t)def->n_stages);
    put_u32(p + 32, (uint32_t)def->n_trees);
    put_u32(p + 36, (uint32_t)def->n_nodes);
    put_u32(p + 40, (uint32_t)def->n_features);
    put_u32(p + 44, def_has_tilted(def) ? 1u : 0u);
    p += HEADER_SIZE;
    for (int i = 0; i < def->n_stages; i++, p += STAGE_SIZE) {
        put_u32(p, (uint32_t)def->stages[i].n_trees);
        put_f32(p + 4, def->stages[i].threshold);
    }
    for (int i = 0; i < def->n_trees; i++, p += TREE_SIZE) put_u32(p, (uint32_t)def->tree_nodes[i]);
    for (int i = 0; i < def->n_nodes; i++, p += NODE_SIZE) {
        const face_cascade_node *n = &def->nodes[i];
        put_u32(p, (uint32_t)n->left);
        put_u32(p + 4, (uint32_t)n->right);
        put_u32(p + 8, (uint32_t)n->feature);
        put_f32(p + 12, n->threshold);
    }
    for (int i = 0; i < def->n_nodes + def->n_trees; i++, p += LEAF_SIZE) put_f32(p, def->leaves[i]);
    for (int i = 0; i < def->n_features; i++, p += FEATURE_SIZE) {
        const face_haar_feature *f = &def->features[i];
        put_u32(p, (uint32_t)f->tilted);
        for (int r = 0; r < 3; r++) {
            uint8_t *q = p + 4 + 20 * r;
            put_u32(q, (uint32_t)f->rect[r].x);
            put_u32(q + 4, (uint32_t)f->rect[r].y);
            put_u32(q + 8, (uint32_t)f->rect[r].w);
            put_u32(q + 12, (uint32_t)f->rect[r].h);
            put_f32(q + 16, f->rect[r].weight);
        }
    }
    put_u32(p, face_crc32(0, buf, (size_t)(p - buf)));
    *out = buf;
    *out_len = (size_t)size;
    return FACE_OK;
}

static face_status make_cascade(face_cascade_def *owned, face_cascade **out, face_err *err)
{
    face_cascade *c = calloc(1, sizeof *c);
    if (!c) {
        face_cascade_def_free(owned);
        return face_codec_fail(err, FACE_ENOMEM, "cascade: out of memory");
    }
    c->def = *owned;
    c->has_tilted = def_has_tilted(owned);
    c->max_tree_nodes = 0;
    for (int t = 0; t < owned->n_trees; t++)
        if (owned->tree_nodes[t] > c->max_tree_nodes) c->max_tree_nodes = owned->tree_nodes[t];
    *out = c;
    return FACE_OK;
}

/* calloc(n, size) for counts already capped; NULL on failure. */
static void *alloc_array(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

static face_status alloc_def(face_cascade_def *d, face_err *err)
{
    d->stages = alloc_array((size_t)d->n_stages, sizeof *d->stages);
    d->tree_nodes = alloc_array((size_t)d->n_trees, sizeof *d->tree_nodes);
    d->nodes = alloc_array((size_t)d->n_nodes, sizeof *d->nodes);
    d->leaves = alloc_array((size_t)d->n_nodes + (size_t)d->n_trees, sizeof *d->leaves);
    d->features = alloc_array((size_t)d->n_features, sizeof *d->features);
    if (!d->stages || !d->tree_nodes || !d->nodes || !d->leaves || !d->features) {
        face_cascade_def_free(d);
        return face_codec_fail(err, FACE_ENOMEM, "cascade: out of memory");
    }
    return FACE_OK;
}

face_status face_cascade_from_def(const face_cascade_def *def, face_cascade **out, face_err *err)
{
    if (!def || !out) return face_codec_fail(err, FACE_EINVAL, "face_cascade_from_def: NULL argument");
    face_status st = validate(def, NULL, err);
    if (st != FACE_OK) return st;
    face_cascade_def d = {0};
    d.win_w = def->win_w;
    d.win_h = def->win_h;
    d.n_stages = def->n_stages;
    d.n_trees = def->n_trees;
    d.n_nodes = def->n_nodes;
    d.n_features = def->n_features;
    st = alloc_def(&d, err);
    if (st != FACE_OK) return st;
    memcpy(d.stages, def->stages, (size_t)d.n_stages * sizeof *d.stages);
    memcpy(d.tree_nodes, def->tree_nodes, (size_t)d.n_trees * sizeof *d.tree_nodes);
    memcpy(d.nodes, def->nodes, (size_t)d.n_nodes * sizeof *d.nodes);
    memcpy(d.leaves, def->leaves, ((size_t)d.n_nodes + (size_t)d.n_trees) * sizeof *d.leaves);
    memcpy(d.features, def->features, (size_t)d.n_features * sizeof *d.features);
    return make_cascade(&d, out, err);
}

face_status face_cascade_decode(const uint8_t *data, size_t len, face_cascade **out, face_err *err)
{
    if (!out || (!data && len)) return face_codec_fail(err, FACE_EINVAL, "face_cascade_decode: NULL argument");
    if (len < HEADER_SIZE + 4)
        return face_codec_fail(err, FACE_EFORMAT,
                               "cascade: file is %zu bytes, shorter than the %d-byte header and checksum",
                               len, HEADER_SIZE + 4);
    if (memcmp(data, magic, 8) != 0)
        return face_codec_fail(err, FACE_EFORMAT,
                               "cascade: offset 0: magic is not \"FNCASCAD\" (an OpenCV XML file needs "
                               "converting first)");
    uint32_t version = get_u32(data + 8);
    if (version != 1)
        return face_codec_fail(err, FACE_EUNSUPPORTED, "cascade: offset 8: version %u, only 1 is known", version);
    uint32_t hsize = get_u32(data + 12);
    if (hsize != HEADER_SIZE)
        return face_codec_fail(err, FACE_EFORMAT, "cascade: offset 12: header_size %u, must be %d", hsize,
                               HEADER_SIZE);
    uint32_t ftype = get_u32(data + 16);
    if (ftype != 0)
        return face_codec_fail(err, FACE_EUNSUPPORTED, "cascade: offset 16: feature_type %u, only 0 (Haar) is known",
                               ftype);
    static const struct { int ofs; uint32_t lo, hi; const char *name; } fields[] = {
        {20, 3, MAX_WIN, "win_w"},           {24, 3, MAX_WIN, "win_h"},
        {28, 1, MAX_STAGES, "n_stages"},     {32, 1, MAX_TREES, "n_trees"},
        {36, 1, MAX_NODES, "n_nodes"},       {40, 1, MAX_FEATURES, "n_features"},
    };
    uint32_t v[6];
    for (int i = 0; i < 6; i++) {
        v[i] = get_u32(data + fields[i].ofs);
        if (v[i] < fields[i].lo || v[i] > fields[i].hi)
            return face_codec_fail(err, FACE_EFORMAT, "cascade: offset %d: %s = %u, must be %u..%u",
                                   fields[i].ofs, fields[i].name, v[i], fields[i].lo, fields[i].hi);
    }
    uint32_t flags = get_u32(data + 44);
    if (flags > 1)
        return face_codec_fail(err, FACE_EFORMAT, "cascade: offset 44: flags 0x%x, only bit 0 is defined", flags);
    for (int i = 48; i < HEADER_SIZE; i += 4)
        if (get_u32(data + i) != 0)
            return face_codec_fail(err, FACE_EFORMAT, "cascade: offset %d: reserved field is not 0", i);
    uint64_t want = file_size(v[2], v[3], v[4], v[5]);
    if ((uint64_t)len != want)
        return face_codec_fail(err, FACE_EFORMAT,
                               "cascade: file is %zu bytes, the header's counts need exactly %llu%s", len,
                               (unsigned long long)want, (uint64_t)len < want ? " (truncated?)" : "");
    uint32_t crc_file = get_u32(data + len - 4), crc = face_crc32(0, data, len - 4);
#if defined(FACENET_FUZZ)
    crc = crc_file; /* let mutations reach the field checks */
#endif
    if (crc != crc_file)
        return face_codec_fail(err, FACE_EFORMAT,
                               "cascade: offset %zu: CRC-32 is 0x%08x, the bytes give 0x%08x (corrupt file)",
                               len - 4, crc_file, crc);

    face_cascade_def d = {0};
    d.win_w = (int)v[0];
    d.win_h = (int)v[1];
    d.n_stages = (int)v[2];
    d.n_trees = (int)v[3];
    d.n_nodes = (int)v[4];
    d.n_features = (int)v[5];
    face_status st = alloc_def(&d, err);
    if (st != FACE_OK) return st;

    section_ofs so = {1, 0, 0, 0, 0, 0};
    const uint8_t *p = data + HEADER_SIZE;
    so.stages = (uint64_t)(p - data);
    for (int i = 0; i < d.n_stages; i++, p += STAGE_SIZE) {
        uint32_t nt = get_u32(p);
        d.stages[i].n_trees = nt > MAX_TREES ? -1 : (int)nt;
        d.stages[i].threshold = get_f32(p + 4);
    }
    so.trees = (uint64_t)(p - data);
    for (int i = 0; i < d.n_trees; i++, p += TREE_SIZE) {
        uint32_t nn = get_u32(p);
        d.tree_nodes[i] = nn > MAX_TREE_NODES ? -1 : (int)nn;
    }
    so.nodes = (uint64_t)(p - data);
    for (int i = 0; i < d.n_nodes; i++, p += NODE_SIZE) {
        d.nodes[i].left = get_i32(p);
        d.nodes[i].right = get_i32(p + 4);
        uint32_t fi = get_u32(p + 8);
        d.nodes[i].feature = fi > MAX_FEATURES ? -1 : (int)fi;
        d.nodes[i].threshold = get_f32(p + 12);
    }
    so.leaves = (uint64_t)(p - data);
    for (int i = 0; i < d.n_nodes + d.n_trees; i++, p += LEAF_SIZE) d.leaves[i] = get_f32(p);
    so.features = (uint64_t)(p - data);
    for (int i = 0; i < d.n_features; i++, p += FEATURE_SIZE) {
        uint32_t t = get_u32(p);
        d.features[i].tilted = t > 1 ? 2 : (int)t;
        for (int r = 0; r < 3; r++) {
            const uint8_t *q = p + 4 + 20 * r;
            d.features[i].rect[r].x = get_i32(q);
            d.features[i].rect[r].y = get_i32(q + 4);
            d.features[i].rect[r].w = get_i32(q + 8);
            d.features[i].rect[r].h = get_i32(q + 12);
            d.features[i].rect[r].weight = get_f32(q + 16);
        }
    }
    st = validate(&d, &so, err);
    if (st == FACE_OK && (flags & 1u) != (uint32_t)def_has_tilted(&d))
        st = face_codec_fail(err, FACE_EFORMAT, "cascade: offset 44: flags say %s tilted features, the features %s",
                             (flags & 1u) ? "there are" : "there are no", (flags & 1u) ? "have none" : "have some");
    if (st != FACE_OK) {
        face_cascade_def_free(&d);
        return st;
    }
    return make_cascade(&d, out, err);
}

/* Cascade files are a few MB at most; refuse anything absurd before reading it. */
#define MAX_CASCADE_FILE ((long)256 << 20)

face_status face_cascade_load(const char *path, face_cascade **out, face_err *err)
{
    if (!path || !out) return face_codec_fail(err, FACE_EINVAL, "face_cascade_load: NULL argument");
    FILE *f = fopen(path, "rb");
    if (!f) return face_codec_fail(err, FACE_EIO, "cannot open the cascade file");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    face_status st = FACE_OK;
    for (;;) {
        if (len == cap) {
            if (cap >= (size_t)MAX_CASCADE_FILE) {
                st = face_codec_fail(err, FACE_ELIMIT, "cascade: file is over %ld bytes", MAX_CASCADE_FILE);
                break;
            }
            size_t ncap = cap ? cap * 2 : 1 << 16;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                st = face_codec_fail(err, FACE_ENOMEM, "cascade: out of memory reading the file");
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) st = face_codec_fail(err, FACE_EIO, "cascade: read error");
            break;
        }
    }
    fclose(f);
    if (st == FACE_OK) st = face_cascade_decode(buf, len, out, err);
    free(buf);
    return st;
}

void face_cascade_free(face_cascade *c)
{
    if (!c) return;
    face_cascade_def_free(&c->def);
    free(c);
}

const face_cascade_def *face_cascade_get_def(const face_cascade *c)
{
    return c ? &c->def : NULL;
}
