/*
 * cmd_eval.c - facenet-run eval: recognition and detection quality.
 *
 *   facenet-run eval lfw --pairs FILE --root DIR [--test-pairs FILE] [--flip]
 *                        [--json] [--plot roc.svg] [--cache FILE] [pipeline options]
 *   facenet-run eval detect --truth FILE.xml --root DIR [--iou X] [--json]
 *                        [detector options]
 *
 * lfw: every image named by the pairs files (ROOT/NAME/NAME_%04d.jpg) goes
 * once through the pipeline (tools/pipeline.c: Haar boxes, landmarks, dlib
 * chip, embedding). In a photo with several faces the face whose box centre
 * is nearest the image centre is the one LFW means (LFW images are centred
 * on their person). When no face is found: the centre crop fallback, see
 * embed_fallback. Each image's embedding and its mirrored chip's embedding
 * are kept in a cache file, so a second run (or the --flip run) computes
 * nothing; see the cache section.
 *
 * Protocols (arithmetic in tools/eval.c, decision "same" iff distance < t):
 *   --pairs with S >= 2 sets ("10 300", View 2) and no --test-pairs:
 *       S-fold cross-validation: threshold chosen on S-1 sets, accuracy on
 *       the one left out; mean, std (S-1 denominator) and standard error.
 *   --pairs TRAIN --test-pairs TEST: threshold chosen on all of TRAIN,
 *       accuracy on TEST (View 1: pairsDevTrain.txt, pairsDevTest.txt).
 *   --pairs with one set alone: threshold chosen and measured on the same
 *       pairs (said to be optimistic in the output).
 * TAR at FAR, EER and the ROC picture are measured on the evaluation pairs
 * (TEST, or all pairs for cross-validation).
 *
 * detect: the Haar detector (as the pipeline runs it: the same options and
 * defaults) on every image of a dlib imglab XML, boxes matched to the
 * truth at IoU >= 0.5 (greedy, best IoU first); precision, recall, and a
 * list of the misses and false alarms. ignore='1' truth boxes count neither
 * way (tools/eval.h).
 */
#include "tools/cli.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "face/face.h"
#include "tools/cascade_xml.h"
#include "tools/embedder_internal.h"
#include "tools/eval.h"
#include "tools/pipeline.h"
#include "tools/pipeline_cli.h"
#include "weights/weights.h"

/* The fallback's centre square: its side is this fraction of the image's
 * shorter side. The Haar boxes of LFW's 250x250 deep-funneled images are
 * about 118 pixels wide and centred (measured on 20 images of
 * pairsDevTrain's people: 106..133, centres 121..131). */
#define FALLBACK_SIDE 0.47

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facenet-run eval lfw --pairs FILE --root DIR [--test-pairs FILE] [--flip]\n"
            "                            [--json] [--plot roc.svg] [--cache FILE] [options]\n"
            "       facenet-run eval detect --truth FILE.xml --root DIR [--iou X] [--json]\n"
            "                            [detector options]\n"
            "\n"
            "lfw: the LFW verification protocol on a pairs file in the official format\n"
            "(\"N\" header: one set of N same + N different pairs; \"S N\": S such sets).\n"
            "Images are ROOT/NAME/NAME_%%04d.jpg. Each is detected, aligned and embedded\n"
            "once and kept in a cache (a second run is fast).\n"
            "  S >= 2 sets, no --test-pairs: S-fold cross-validation (threshold chosen on\n"
            "                S-1 sets, accuracy on the last): mean, std, standard error\n"
            "  --test-pairs FILE  threshold chosen on --pairs, accuracy on FILE\n"
            "  --flip         average each face's embedding with its mirror image's\n"
            "  --json         one JSON object (accuracy, std, threshold, tar_at_far_1e-2,\n"
            "                 tar_at_far_1e-3, eer, no_face, ...) instead of text\n"
            "  --plot FILE    the ROC curve as SVG (log-scale FAR)\n"
            "  --cache FILE   embeddings cache (default: ~/.cache/facenet-run/lfw-KEY.cache,\n"
            "                 KEY from the model, landmark and cascade files and options)\n"
            "  --no-cache     compute everything, read and write no cache\n"
            "A face that is not found is handled by the centre crop fallback: the\n"
            "landmark net on the image's centre square (%.2f of its shorter side), or\n"
            "that square resized when the landmarks fail; counted in no_face.\n"
            "\n"
            "detect: precision and recall of the Haar detector against dlib imglab XML boxes\n"
            "(<image file=...><box top left width height [ignore='1']/>) at IoU >= 0.5\n"
            "  --iou X        the IoU a detection needs, 0 < X <= 1 (default 0.5)\n"
            "\n"
            "options (lfw; detect uses the detector's):\n%s"
            "Exit: 0 done, 1 some images unreadable (reported, their pairs left out),\n"
            "2 usage, 3 nothing could be done.\n",
            FALLBACK_SIDE, pcli_opts_help);
}

/* ==== helpers ============================================================== */

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(p, u);
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = get_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* "size:mtime" of a file, or "absent": how the cache tells an image changed. */
static void file_id(const char *path, char *out, size_t cap)
{
    struct stat st;
    if (stat(path, &st) != 0)
        snprintf(out, cap, "absent");
    else
        snprintf(out, cap, "%lld:%lld", (long long)st.st_size, (long long)st.st_mtime);
}

/* "size:crc32" of a file's content, or "absent": models and cascades are
 * known by their bytes, so a copy or a fresh `make models` keeps the cache. */
static void content_id(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(out, cap, "absent");
        return;
    }
    uint8_t buf[1 << 16];
    uint32_t crc = 0;
    unsigned long long n = 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        crc = wts_crc32(crc, buf, got);
        n += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        snprintf(out, cap, "unreadable");
    else
        snprintf(out, cap, "%llu:%08lx", n, (unsigned long)crc);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

/* A horizontally mirrored copy. */
static int mirror(const face_image *in, face_image *out)
{
    size_t row = (size_t)in->w * in->channels;
    out->w = in->w;
    out->h = in->h;
    out->channels = in->channels;
    out->px = malloc(row * in->h);
    if (!out->px) return -1;
    for (int y = 0; y < in->h; y++)
        for (int x = 0; x < in->w; x++)
            memcpy(out->px + y * row + (size_t)(in->w - 1 - x) * in->channels,
                   in->px + y * row + (size_t)x * in->channels, (size_t)in->channels);
    return 0;
}

/* A copy of the rectangle (clipped to the image). */
static int crop(const face_image *img, int x0, int y0, int w, int h, face_image *out)
{
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x0 + w > img->w) w = img->w - x0;
    if (y0 + h > img->h) h = img->h - y0;
    if (w <= 0 || h <= 0) return -1;
    int c = img->channels;
    out->w = w;
    out->h = h;
    out->channels = c;
    out->px = malloc((size_t)w * h * c);
    if (!out->px) return -1;
    for (int y = 0; y < h; y++)
        memcpy(out->px + (size_t)y * w * c, img->px + ((size_t)(y0 + y) * img->w + x0) * c,
               (size_t)w * c);
    return 0;
}

/* ==== the embeddings cache ================================================= */

/*
 * One file per configuration (model, landmark model, cascade, each known by
 * its size and CRC-32, detector and aligner options): the key string names all of
 * that and is stored in the header; the default file name carries its
 * FNV-1a hash. All little-endian:
 *   header: "FNEVALC1", u32 dim, u32 metric (0 Euclidean, 1 cosine),
 *           u32 key length, key bytes, u32 CRC-32 of everything before
 *   records, appended one per image as it is done:
 *           u32 path length (1..4096), path, u64 file size, u64 mtime (s),
 *           u32 status, u32 boxes detected, f32 emb[dim], f32 mirror[dim],
 *           u32 CRC-32 of the record before it
 * A record that is cut short or fails its CRC ends the file: what follows
 * is dropped and overwritten by the next record (an interrupted run loses
 * only the image it was on). An image whose size or mtime changed is
 * computed again. The key does not cover the code: after changing the
 * pipeline, pass --no-cache or delete the file.
 */
#define CACHE_MAGIC "FNEVALC1"
#define CACHE_MAX_PATH 4096
#define CACHE_MAX_KEY 65536

enum {
    ST_FACE = 0,          /* a face found by the detector */
    ST_FALLBACK_ALIGN = 1, /* none: landmarks on the centre square, dlib chip */
    ST_FALLBACK_CROP = 2,  /* none, and no landmarks either: the centre square resized */
    ST_BAD = 3            /* unreadable (never cached) */
};

typedef struct image_rec {
    char *path;    /* ROOT/NAME/NAME_%04d.jpg */
    int status;
    int n_detected;
    int have;      /* 1: emb and mir are filled */
    float *emb;    /* [dim] */
    float *mir;    /* [dim]: the mirrored chip's embedding */
} image_rec;

typedef struct cache {
    const char *path; /* NULL: no cache */
    FILE *f;          /* open for appending once something is computed */
    long good_len;    /* bytes of valid header + records */
    int dim;
    face_metric metric;
    int loaded;       /* records read */
} cache;

static int cmp_rec_path(const void *a, const void *b)
{
    return strcmp(((const image_rec *)a)->path, ((const image_rec *)b)->path);
}

static image_rec *find_rec(image_rec *recs, size_t n, const char *path)
{
    image_rec key = {0};
    key.path = (char *)(uintptr_t)path;
    return bsearch(&key, recs, n, sizeof *recs, cmp_rec_path);
}

/* Read a cache file made with this key into the matching records.
 * Returns 0 (also when the file does not exist or has another key: then it
 * is started afresh), -1 with a message when it cannot be used at all. */
static int cache_read(cache *c, const char *key, image_rec *recs, size_t n, int *dim_out,
                      face_metric *metric_out)
{
    c->good_len = 0;
    FILE *f = fopen(c->path, "rb");
    if (!f) return 0;
    uint8_t hdr[20];
    if (fread(hdr, 1, 20, f) != 20 || memcmp(hdr, CACHE_MAGIC, 8) != 0) {
        fclose(f);
        fprintf(stderr, "facenet-run eval: %s: not a cache file of this version: starting afresh\n",
                c->path);
        return 0;
    }
    uint32_t dim = get_u32(hdr + 8), metric = get_u32(hdr + 12), klen = get_u32(hdr + 16);
    size_t want = strlen(key);
    if (dim < 1 || dim > FACE_GALLERY_MAX_DIM || metric > 1 || klen != want) {
        fclose(f);
        fprintf(stderr, "facenet-run eval: %s: made for another model or options: starting afresh\n",
                c->path);
        return 0;
    }
    char *k = malloc(want + 1);
    uint8_t crcb[4];
    int ok = k && fread(k, 1, want, f) == want && fread(crcb, 1, 4, f) == 4;
    uint32_t crc = ok ? wts_crc32(wts_crc32(0, hdr, 20), k, want) : 0;
    if (!ok || memcmp(k, key, want) != 0 || crc != get_u32(crcb)) {
        free(k);
        fclose(f);
        fprintf(stderr, "facenet-run eval: %s: made for another model or options: starting afresh\n",
                c->path);
        return 0;
    }
    free(k);
    c->good_len = 20 + (long)want + 4;
    c->dim = (int)dim;
    c->metric = metric ? FACE_METRIC_COSINE : FACE_METRIC_EUCLIDEAN;
    *dim_out = (int)dim;
    *metric_out = c->metric;

    size_t fixed = 8 + 8 + 4 + 4 + 8 * (size_t)dim + 4; /* after the path */
    uint8_t *buf = malloc(4 + CACHE_MAX_PATH + fixed);
    if (!buf) {
        fclose(f);
        fprintf(stderr, "facenet-run eval: out of memory\n");
        return -1;
    }
    for (;;) {
        if (fread(buf, 1, 4, f) != 4) break;
        uint32_t plen = get_u32(buf);
        if (plen < 1 || plen > CACHE_MAX_PATH) break;
        if (fread(buf + 4, 1, plen + fixed, f) != plen + fixed) break;
        size_t body = 4 + plen + fixed - 4;
        if (wts_crc32(0, buf, body) != get_u32(buf + body)) break;
        c->good_len += (long)(4 + plen + fixed);
        char path[CACHE_MAX_PATH + 1];
        memcpy(path, buf + 4, plen);
        path[plen] = '\0';
        const uint8_t *p = buf + 4 + plen;
        image_rec *r = find_rec(recs, n, path);
        if (!r || r->status == ST_BAD) continue;
        char id[64], now[64];
        snprintf(id, sizeof id, "%llu:%llu", (unsigned long long)get_u64(p),
                 (unsigned long long)get_u64(p + 8));
        file_id(path, now, sizeof now);
        if (strcmp(id, now) != 0) continue;
        uint32_t status = get_u32(p + 16);
        if (status > ST_FALLBACK_CROP) continue;
        r->status = (int)status;
        r->n_detected = (int)get_u32(p + 20);
        p += 24;
        for (uint32_t i = 0; i < dim; i++) r->emb[i] = get_f32(p + 4 * i);
        p += 4 * (size_t)dim;
        for (uint32_t i = 0; i < dim; i++) r->mir[i] = get_f32(p + 4 * i);
        r->have = 1;
        c->loaded++;
    }
    free(buf);
    fclose(f);
    return 0;
}

/* Open the cache for appending: a fresh header when nothing valid is
 * there, else after the last good record. */
static int cache_open_append(cache *c, const char *key, int dim, face_metric metric)
{
    if (!c->path) return 0;
    if (c->good_len > 0 && c->dim == dim) {
        c->f = fopen(c->path, "r+b");
        if (c->f && ftruncate(fileno(c->f), c->good_len) == 0 &&
            fseek(c->f, c->good_len, SEEK_SET) == 0)
            return 0;
        if (c->f) fclose(c->f);
        c->f = NULL;
    }
    c->f = fopen(c->path, "wb");
    if (!c->f) {
        fprintf(stderr, "facenet-run eval: %s: cannot write the cache (%s): going on without\n",
                c->path, strerror(errno));
        return 0;
    }
    size_t klen = strlen(key);
    uint8_t hdr[20];
    memcpy(hdr, CACHE_MAGIC, 8);
    put_u32(hdr + 8, (uint32_t)dim);
    put_u32(hdr + 12, metric == FACE_METRIC_COSINE ? 1u : 0u);
    put_u32(hdr + 16, (uint32_t)klen);
    uint8_t crcb[4];
    put_u32(crcb, wts_crc32(wts_crc32(0, hdr, 20), key, klen));
    if (fwrite(hdr, 1, 20, c->f) != 20 || fwrite(key, 1, klen, c->f) != klen ||
        fwrite(crcb, 1, 4, c->f) != 4 || fflush(c->f) != 0) {
        fprintf(stderr, "facenet-run eval: %s: cannot write the cache: going on without\n",
                c->path);
        fclose(c->f);
        c->f = NULL;
    }
    c->dim = dim;
    return 0;
}

static void cache_append(cache *c, const image_rec *r, int dim)
{
    if (!c->f) return;
    size_t plen = strlen(r->path);
    if (plen < 1 || plen > CACHE_MAX_PATH) return;
    struct stat st;
    if (stat(r->path, &st) != 0) return;
    size_t len = 4 + plen + 8 + 8 + 4 + 4 + 8 * (size_t)dim + 4;
    uint8_t *b = malloc(len);
    if (!b) return;
    put_u32(b, (uint32_t)plen);
    memcpy(b + 4, r->path, plen);
    uint8_t *p = b + 4 + plen;
    put_u64(p, (uint64_t)st.st_size);
    put_u64(p + 8, (uint64_t)(long long)st.st_mtime);
    put_u32(p + 16, (uint32_t)r->status);
    put_u32(p + 20, (uint32_t)r->n_detected);
    p += 24;
    for (int i = 0; i < dim; i++) put_f32(p + 4 * i, r->emb[i]);
    p += 4 * (size_t)dim;
    for (int i = 0; i < dim; i++) put_f32(p + 4 * i, r->mir[i]);
    p += 4 * (size_t)dim;
    put_u32(p, wts_crc32(0, b, len - 4));
    if (fwrite(b, 1, len, c->f) != len || fflush(c->f) != 0) {
        fprintf(stderr, "facenet-run eval: %s: cannot write the cache: going on without\n",
                c->path);
        fclose(c->f);
        c->f = NULL;
    }
    free(b);
}

/* ==== one image ============================================================ */

typedef struct embed_ctx {
    pipeline *p;
    embedder *e; /* our own copy of the model: the mirrored chips and the last fallback */
    int dim;
} embed_ctx;

/* Embedding of img and of its mirror image. */
static int embed_pair(embed_ctx *x, const face_image *img, float *emb, float *mir, char *err,
                      size_t err_len)
{
    face_image m;
    if (emb && embedder_run(x->e, img, emb, err, err_len) != 0) return -1;
    if (mirror(img, &m) != 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int rc = embedder_run(x->e, &m, mir, err, err_len);
    face_image_free(&m);
    return rc;
}

/* The mirrored embedding of a face the pipeline found in img. */
static int mirror_of_face(embed_ctx *x, const face_image *img, const pipe_face *f, float *mir,
                          char *err, size_t err_len)
{
    face_image chip = {0, 0, 0, NULL};
    if (f->has_landmarks) {
        face_err fe = {{0}};
        if (face_align_chip(img, f->pts, &chip, &fe) != FACE_OK) {
            snprintf(err, err_len, "chip for the mirror: %s", fe.msg);
            return -1;
        }
    } else if (crop(img, f->box.x, f->box.y, f->box.w, f->box.h, &chip) != 0) {
        snprintf(err, err_len, "box for the mirror: out of memory or outside the image");
        return -1;
    }
    int rc = embed_pair(x, &chip, NULL, mir, err, err_len);
    face_image_free(&chip);
    return rc;
}

/* The centre crop fallback for an image without a face: the centre square
 * (FALLBACK_SIDE of the shorter side) taken as a face crop by the pipeline
 * (one landmark pass on the whole square, then dlib's chip); if even the
 * landmarks fail, the square itself resized to the model's input. */
static int embed_fallback(embed_ctx *x, const face_image *img, image_rec *r, char *err,
                          size_t err_len)
{
    int side = (int)lround(FALLBACK_SIDE * (img->w < img->h ? img->w : img->h));
    if (side < PIPE_MIN_IMAGE_SIDE) side = img->w < img->h ? img->w : img->h;
    face_image sq;
    if (crop(img, (img->w - side) / 2, (img->h - side) / 2, side, side, &sq) != 0) {
        snprintf(err, err_len, "out of memory for the centre crop");
        return -1;
    }
    pipe_result res;
    int rc = pipe_run(x->p, &sq, PIPE_WHOLE_ALWAYS, &res, NULL, err, err_len);
    if (rc == 0 && res.n > 0) {
        memcpy(r->emb, res.faces[0].emb, sizeof *r->emb * (size_t)x->dim);
        rc = mirror_of_face(x, &sq, &res.faces[0], r->mir, err, err_len);
        r->status = ST_FALLBACK_ALIGN;
    } else if (rc == 0) {
        rc = embed_pair(x, &sq, r->emb, r->mir, err, err_len);
        r->status = ST_FALLBACK_CROP;
    }
    pipe_result_free(&res);
    face_image_free(&sq);
    return rc;
}

static int embed_image(embed_ctx *x, image_rec *r, char *err, size_t err_len)
{
    face_image img;
    face_err fe = {{0}};
    if (face_image_load(r->path, &img, &fe) != FACE_OK) {
        snprintf(err, err_len, "%s", fe.msg);
        return -1;
    }
    pipe_result res;
    int nd = 0;
    int rc = pipe_run(x->p, &img, 0, &res, &nd, err, err_len);
    r->n_detected = nd;
    if (rc == 0 && res.n > 0) {
        /* LFW centres each image on its person: the face nearest the centre */
        int best = 0;
        double bd = INFINITY;
        for (int i = 0; i < res.n; i++) {
            face_rect b = res.faces[i].box;
            double dx = b.x + b.w / 2.0 - img.w / 2.0, dy = b.y + b.h / 2.0 - img.h / 2.0;
            if (dx * dx + dy * dy < bd) {
                bd = dx * dx + dy * dy;
                best = i;
            }
        }
        memcpy(r->emb, res.faces[best].emb, sizeof *r->emb * (size_t)x->dim);
        rc = mirror_of_face(x, &img, &res.faces[best], r->mir, err, err_len);
        r->status = ST_FACE;
    } else if (rc == 0) {
        rc = embed_fallback(x, &img, r, err, err_len);
    }
    pipe_result_free(&res);
    face_image_free(&img);
    for (int i = 0; rc == 0 && i < x->dim; i++)
        if (!isfinite(r->emb[i]) || !isfinite(r->mir[i])) {
            snprintf(err, err_len, "embedding component %d is not finite", i);
            rc = -1;
        }
    if (rc == 0) r->have = 1;
    return rc;
}

/* ==== eval lfw ============================================================= */

static char *image_path(const char *root, const char *name, int num)
{
    size_t n = strlen(root) + 2 * strlen(name) + 32;
    char *s = malloc(n);
    if (s) {
        size_t rl = strlen(root);
        snprintf(s, n, "%s%s%s/%s_%04d.jpg", root, rl && root[rl - 1] == '/' ? "" : "/", name,
                 name, num);
    }
    return s;
}

/* The configuration's cache key (see the cache section). */
static char *cache_key(const pipe_opts *o)
{
    const char *model = o->model ? o->model : PIPE_DEFAULT_MODEL;
    const char *lm = o->landmarks ? o->landmarks : PIPE_DEFAULT_LANDMARKS;
    const char *cas = o->cascade ? o->cascade
                                 : (file_exists(PIPE_DEFAULT_CASCADE) ? PIPE_DEFAULT_CASCADE
                                                                      : PIPE_DEFAULT_CASCADE_XML);
    char idm[64], idl[64], idc[64];
    content_id(model, idm, sizeof idm);
    content_id(lm, idl, sizeof idl);
    content_id(cas, idc, sizeof idc);
    size_t n = 512;
    char *k = malloc(n);
    if (!k) return NULL;
    snprintf(k, n,
             "eval-lfw v1; model %s; landmarks %s; cascade %s; align %d; scale %.17g; "
             "neighbors %d; min-size %d; upsample %d; max-drift %.17g; centre %.17g; face "
             "nearest the centre",
             idm, idl, idc, (int)o->align, o->scale_factor, o->min_neighbors, o->min_size,
             o->upsample, o->max_drift, FALLBACK_SIDE);
    return k;
}

static char *default_cache_path(const char *key)
{
    const char *home = getenv("HOME");
    char dir[4096];
    if (home && home[0]) {
        snprintf(dir, sizeof dir, "%s/.cache", home);
        mkdir(dir, 0755);
        snprintf(dir, sizeof dir, "%s/.cache/facenet-run", home);
    } else {
        snprintf(dir, sizeof dir, "build");
    }
    mkdir(dir, 0755);
    size_t n = strlen(dir) + 64;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/lfw-%016llx.cache", dir, (unsigned long long)fnv1a64(key));
    return p;
}

typedef struct lfw_args {
    const char *pairs, *test_pairs, *root, *plot, *cache_path;
    int flip, json, no_cache;
    pipe_opts po;
} lfw_args;

/* Distances of a pairs file's pairs; ok[i] 0 when an image was unusable. */
static int pair_distances(const eval_pairs *pp, const char *root, image_rec *recs, size_t nrec,
                          int dim, face_metric metric, int flip, double *dist, int *same,
                          int *fold, int *ok)
{
    float *a = malloc(sizeof *a * (size_t)dim * 2);
    if (!a) return -1;
    float *b = a + dim;
    for (size_t i = 0; i < pp->n; i++) {
        const eval_pair *q = &pp->pairs[i];
        char *pa = image_path(root, q->name_a, q->num_a), *pb = image_path(root, q->name_b, q->num_b);
        image_rec *ra = pa ? find_rec(recs, nrec, pa) : NULL;
        image_rec *rb = pb ? find_rec(recs, nrec, pb) : NULL;
        free(pa);
        free(pb);
        same[i] = q->same;
        fold[i] = q->fold;
        ok[i] = ra && rb && ra->have && rb->have;
        dist[i] = 0;
        if (!ok[i]) continue;
        for (int k = 0; k < dim; k++) {
            a[k] = flip ? (ra->emb[k] + ra->mir[k]) / 2 : ra->emb[k];
            b[k] = flip ? (rb->emb[k] + rb->mir[k]) / 2 : rb->emb[k];
        }
        dist[i] = face_distance(a, b, dim, metric);
    }
    free(a);
    return 0;
}

/* Compact the arrays to the pairs with ok[i]; returns the new count. */
static size_t keep_ok(double *dist, int *same, int *fold, const int *ok, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (ok[i]) {
            dist[k] = dist[i];
            same[k] = same[i];
            fold[k] = fold[i];
            k++;
        }
    return k;
}

static void json_num(const char *name, double v, int last)
{
    printf("  \"%s\": ", name);
    if (isfinite(v))
        printf("%.6g", v);
    else
        printf("null");
    printf("%s\n", last ? "" : ",");
}

static int run_lfw(lfw_args *a)
{
    char err[1024];
    eval_pairs train = {0}, test = {0};
    if (eval_pairs_load(a->pairs, &train, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run eval: %s: %s\n", a->pairs, err);
        return CLI_EXIT_USAGE;
    }
    if (a->test_pairs && eval_pairs_load(a->test_pairs, &test, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run eval: %s: %s\n", a->test_pairs, err);
        eval_pairs_free(&train);
        return CLI_EXIT_USAGE;
    }
    int rc = CLI_EXIT_FATAL;
    image_rec *recs = NULL;
    size_t nrec = 0;
    char *key = NULL, *cpath = NULL;
    float *store = NULL;
    double *dist = NULL;
    int *ibuf = NULL;
    eval_roc_point *roc = NULL;
    embed_ctx x = {NULL, NULL, 0};
    cache c = {NULL, NULL, 0, 0, FACE_METRIC_EUCLIDEAN, 0};

    /* the images, each once, sorted by path */
    size_t npairs = train.n + test.n;
    recs = calloc(npairs * 2, sizeof *recs);
    if (!recs) goto oom;
    for (size_t i = 0; i < npairs; i++) {
        const eval_pair *q = i < train.n ? &train.pairs[i] : &test.pairs[i - train.n];
        recs[nrec].path = image_path(a->root, q->name_a, q->num_a);
        if (!recs[nrec++].path) goto oom;
        recs[nrec].path = image_path(a->root, q->name_b, q->num_b);
        if (!recs[nrec++].path) goto oom;
    }
    qsort(recs, nrec, sizeof *recs, cmp_rec_path);
    size_t u = 0;
    for (size_t i = 0; i < nrec; i++) {
        if (u > 0 && strcmp(recs[u - 1].path, recs[i].path) == 0) {
            free(recs[i].path);
            continue;
        }
        recs[u++] = recs[i];
    }
    nrec = u;

    key = cache_key(&a->po);
    if (!key) goto oom;
    if (!a->no_cache) {
        cpath = a->cache_path ? strdup(a->cache_path) : default_cache_path(key);
        if (!cpath) goto oom;
        c.path = cpath;
    }
    int dim = 0;
    face_metric metric = FACE_METRIC_EUCLIDEAN;
    /* the cache's dim sizes the buffers; without one, the model says */
    int cdim = 0;
    face_metric cmetric = FACE_METRIC_EUCLIDEAN;
    if (c.path) {
        FILE *f = fopen(c.path, "rb");
        uint8_t h[20];
        if (f && fread(h, 1, 20, f) == 20 && memcmp(h, CACHE_MAGIC, 8) == 0) {
            uint32_t d = get_u32(h + 8);
            if (d >= 1 && d <= FACE_GALLERY_MAX_DIM) cdim = (int)d;
        }
        if (f) fclose(f);
    }
    if (cdim > 0) {
        store = calloc(nrec * 2 * (size_t)cdim, sizeof *store);
        if (!store) goto oom;
        for (size_t i = 0; i < nrec; i++) {
            recs[i].emb = store + i * 2 * (size_t)cdim;
            recs[i].mir = recs[i].emb + cdim;
        }
        if (cache_read(&c, key, recs, nrec, &cdim, &cmetric) != 0) goto out;
        if (c.good_len > 0) {
            dim = cdim;
            metric = cmetric;
        }
    }
    size_t todo = 0;
    for (size_t i = 0; i < nrec; i++) todo += !recs[i].have;
    size_t bad = 0;
    if (todo > 0) {
        x.p = pcli_open("eval", &a->po);
        if (!x.p) goto out;
        const char *model = a->po.model ? a->po.model : PIPE_DEFAULT_MODEL;
        if (embedder_open(model, a->po.threads, &x.e, err, sizeof err) != 0) {
            fprintf(stderr, "facenet-run eval: %s\n", err);
            goto out;
        }
        x.dim = pipe_dim(x.p);
        if (dim != x.dim) {
            /* no usable cache: size the buffers from the model */
            for (size_t i = 0; i < nrec; i++) recs[i].have = 0;
            c.good_len = 0;
            c.loaded = 0;
            free(store);
            dim = x.dim;
            store = calloc(nrec * 2 * (size_t)dim, sizeof *store);
            if (!store) goto oom;
            for (size_t i = 0; i < nrec; i++) {
                recs[i].emb = store + i * 2 * (size_t)dim;
                recs[i].mir = recs[i].emb + dim;
            }
            todo = nrec;
        }
        metric = pipe_metric(x.p);
        cache_open_append(&c, key, dim, metric);
        fprintf(stderr, "facenet-run eval: %zu images to embed (%d from the cache %s), aligner: %s\n",
                todo, c.loaded, c.path ? c.path : "(off)", pipe_aligner_name(x.p));
        pcli_progress pr;
        pcli_progress_init(&pr, todo);
        size_t k = 0;
        for (size_t i = 0; i < nrec; i++) {
            if (recs[i].have) continue;
            pcli_progress_show(&pr, k++, recs[i].path + strlen(a->root));
            if (embed_image(&x, &recs[i], err, sizeof err) != 0) {
                pcli_progress_clear(&pr);
                fprintf(stderr, "facenet-run eval: %s: %s\n", recs[i].path, err);
                recs[i].status = ST_BAD;
                bad++;
                continue;
            }
            cache_append(&c, &recs[i], dim);
        }
        pcli_progress_show(&pr, k, "");
        pcli_progress_clear(&pr);
    }
    size_t n_face = 0, n_fb_align = 0, n_fb_crop = 0;
    for (size_t i = 0; i < nrec; i++) {
        if (!recs[i].have) continue;
        n_face += recs[i].status == ST_FACE;
        n_fb_align += recs[i].status == ST_FALLBACK_ALIGN;
        n_fb_crop += recs[i].status == ST_FALLBACK_CROP;
    }

    /* distances */
    size_t ntr = train.n, nte = test.n;
    dist = malloc(sizeof *dist * (npairs ? npairs : 1));
    ibuf = malloc(sizeof *ibuf * 3 * (npairs ? npairs : 1));
    if (!dist || !ibuf) goto oom;
    int *same = ibuf, *fold = ibuf + npairs, *ok = ibuf + 2 * npairs;
    pair_distances(&train, a->root, recs, nrec, dim, metric, a->flip, dist, same, fold, ok);
    if (nte)
        pair_distances(&test, a->root, recs, nrec, dim, metric, a->flip, dist + ntr, same + ntr,
                       fold + ntr, ok + ntr);
    size_t ntr_ok = keep_ok(dist, same, fold, ok, ntr);
    size_t nte_ok = keep_ok(dist + ntr, same + ntr, fold + ntr, ok + ntr, nte);
    size_t dropped = (ntr - ntr_ok) + (nte - nte_ok);
    if (ntr_ok == 0 || (nte > 0 && nte_ok == 0)) {
        fprintf(stderr, "facenet-run eval: every pair of %s lost an image (see above): nothing to "
                        "measure\n", ntr_ok == 0 ? a->pairs : a->test_pairs);
        goto out;
    }
    /* pack the test pairs right after the kept train pairs */
    memmove(dist + ntr_ok, dist + ntr, sizeof *dist * nte_ok);
    memmove(same + ntr_ok, same + ntr, sizeof *same * nte_ok);

    const char *protocol;
    double acc = 0, std = 0, sem = 0, thr = 0, train_acc = 0;
    eval_cv cv;
    int use_cv = nte == 0 && train.n_folds >= 2;
    eval_set evs;
    if (use_cv) {
        protocol = "cross-validation";
        if (eval_cross_validate(dist, same, fold, ntr_ok, train.n_folds, &cv, err, sizeof err) != 0) {
            fprintf(stderr, "facenet-run eval: %s: %s\n", a->pairs, err);
            goto out;
        }
        acc = cv.mean;
        std = cv.std;
        sem = cv.sem;
        thr = cv.mean_threshold;
        evs = (eval_set){dist, same, NULL, ntr_ok};
    } else {
        eval_set tr = {dist, same, NULL, ntr_ok};
        if (eval_best_threshold(&tr, &thr, &train_acc, err, sizeof err) != 0) {
            fprintf(stderr, "facenet-run eval: %s: %s\n", a->pairs, err);
            goto out;
        }
        if (nte) {
            protocol = "train/test";
            evs = (eval_set){dist + ntr_ok, same + ntr_ok, NULL, nte_ok};
        } else {
            protocol = "same pairs (optimistic)";
            evs = tr;
        }
        acc = eval_accuracy(&evs, thr);
        /* one split: the binomial standard error of the accuracy */
        std = evs.n ? sqrt(acc * (1 - acc) / (double)evs.n) : 0;
        sem = std;
    }
    size_t nroc = 0;
    if (eval_roc(&evs, &roc, &nroc, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run eval: %s\n", err);
        goto out;
    }
    double t2, t3;
    double tar2 = eval_tar_at_far(roc, nroc, 1e-2, &t2), tar3 = eval_tar_at_far(roc, nroc, 1e-3, &t3);
    double eer = eval_eer(roc, nroc);
    size_t ev_same = 0;
    for (size_t i = 0; i < evs.n; i++) ev_same += evs.same[i] != 0;
    size_t ev_diff = evs.n - ev_same;
    double op_far = 0, op_tar = 0;
    for (size_t i = 0; i < evs.n; i++)
        if (evs.dist[i] < thr) {
            if (evs.same[i])
                op_tar += 1;
            else
                op_far += 1;
        }
    op_tar /= (double)(ev_same ? ev_same : 1);
    op_far /= (double)(ev_diff ? ev_diff : 1);
    size_t no_face = n_fb_align + n_fb_crop;
    static const char handling[] =
        "centre crop fallback: the landmark net on the centre square (0.47 of the shorter side), "
        "then the dlib chip; the square resized where the landmarks failed";

    if (a->plot) {
        char title[256];
        snprintf(title, sizeof title, "ROC, LFW %s%s: accuracy %.2f%%", protocol,
                 a->flip ? ", flip" : "", 100 * acc);
        eval_plot pl = {title, roc, nroc, ev_diff, 1, op_far, op_tar, thr};
        char *svg;
        if (eval_plot_svg(&pl, &svg, err, sizeof err) != 0) {
            fprintf(stderr, "facenet-run eval: --plot: %s\n", err);
            goto out;
        }
        FILE *f = fopen(a->plot, "wb");
        size_t sl = strlen(svg);
        int wok = f && fwrite(svg, 1, sl, f) == sl;
        if (f && fclose(f) != 0) wok = 0;
        free(svg);
        if (!wok) {
            fprintf(stderr, "facenet-run eval: %s: cannot write the plot\n", a->plot);
            goto out;
        }
    }

    if (a->json) {
        printf("{\n  \"protocol\": \"%s\",\n", protocol);
        printf("  \"pairs\": ");
        pcli_json_string(stdout, a->pairs);
        printf(",\n  \"test_pairs\": ");
        if (a->test_pairs)
            pcli_json_string(stdout, a->test_pairs);
        else
            printf("null");
        printf(",\n  \"flip\": %s,\n", a->flip ? "true" : "false");
        json_num("accuracy", acc, 0);
        json_num("std", std, 0);
        json_num("sem", sem, 0);
        json_num("threshold", thr, 0);
        if (!use_cv) json_num("train_accuracy", train_acc, 0);
        if (use_cv) {
            printf("  \"folds\": [");
            for (int f = 0; f < cv.k; f++)
                printf("%s{\"accuracy\": %.6g, \"threshold\": %.6g}", f ? ", " : "",
                       cv.accuracy[f], cv.threshold[f]);
            printf("],\n");
        }
        json_num("tar_at_far_1e-2", tar2, 0);
        json_num("tar_at_far_1e-3", tar3, 0);
        json_num("eer", eer, 0);
        printf("  \"eval_pairs\": %zu,\n  \"eval_same\": %zu,\n  \"eval_different\": %zu,\n",
               evs.n, ev_same, ev_diff);
        printf("  \"images\": %zu,\n  \"images_unreadable\": %zu,\n  \"pairs_left_out\": %zu,\n",
               nrec, bad, dropped);
        printf("  \"no_face\": %zu,\n  \"no_face_aligned\": %zu,\n  \"no_face_plain_crop\": %zu,\n",
               no_face, n_fb_align, n_fb_crop);
        printf("  \"no_face_handling\": \"%s\"\n}\n", handling);
    } else {
        printf("LFW %s, %s%s\n", protocol, a->flip ? "flip-averaged embeddings, " : "",
               "decision: same person iff distance < threshold");
        printf("pairs: %s (%d set%s of %d + %d)", a->pairs, train.n_folds,
               train.n_folds == 1 ? "" : "s", train.per_fold, train.per_fold);
        if (nte) printf(", test %s (%zu pairs)", a->test_pairs, test.n);
        printf("\n");
        printf("images: %zu, face found in %zu; no face in %zu (%.2f%%): %s (%zu aligned, %zu plain "
               "crops)\n",
               nrec, n_face, no_face, nrec ? 100.0 * (double)no_face / (double)nrec : 0.0, handling,
               n_fb_align, n_fb_crop);
        if (bad || dropped)
            printf("unreadable images: %zu; pairs left out because of them: %zu\n", bad, dropped);
        if (use_cv) {
            printf("%d-fold cross-validation (threshold chosen on the other %d folds):\n", cv.k,
                   cv.k - 1);
            for (int f = 0; f < cv.k; f++)
                printf("  fold %2d: accuracy %.4f at threshold %.4f\n", f + 1, cv.accuracy[f],
                       cv.threshold[f]);
            printf("accuracy: %.4f +- %.4f (std over folds; standard error %.4f); mean threshold "
                   "%.4f\n",
                   acc, std, sem, thr);
        } else {
            printf("threshold %.4f chosen on %s (accuracy there %.4f)\n", thr, a->pairs, train_acc);
            printf("accuracy: %.4f on %zu pairs (binomial standard error %.4f)\n", acc, evs.n, std);
        }
        printf("on the evaluation pairs (%zu same, %zu different):\n", ev_same, ev_diff);
        printf("  TAR at FAR <= 1e-2: %.4f (threshold %.4f)\n", tar2, t2);
        printf("  TAR at FAR <= 1e-3: %.4f (threshold %.4f)%s\n", tar3, t3,
               ev_diff < 1000 ? "  [fewer than 1000 different pairs: FAR 0]" : "");
        printf("  EER: %.4f\n", eer);
        printf("  at threshold %.4f: FAR %.4f, TAR %.4f\n", thr, op_far, op_tar);
        if (a->plot) printf("ROC written to %s\n", a->plot);
    }
    rc = (bad || dropped) ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
    goto out;
oom:
    fprintf(stderr, "facenet-run eval: out of memory\n");
    rc = CLI_EXIT_FATAL;
out:
    if (c.f) fclose(c.f);
    if (x.p) pipe_close(x.p);
    if (x.e) embedder_close(x.e);
    for (size_t i = 0; recs && i < nrec; i++) free(recs[i].path);
    free(recs);
    free(store);
    free(dist);
    free(ibuf);
    free(roc);
    free(key);
    free(cpath);
    eval_pairs_free(&train);
    eval_pairs_free(&test);
    return rc;
}

/* ==== eval detect ========================================================== */

typedef struct detect_args {
    const char *truth, *root;
    double iou;
    int json;
    pipe_opts po;
} detect_args;

static int run_detect(detect_args *a)
{
    char err[1024];
    eval_truth t;
    if (eval_truth_load(a->truth, &t, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run eval: %s: %s\n", a->truth, err);
        return CLI_EXIT_USAGE;
    }
    const char *cas = a->po.cascade ? a->po.cascade
                                    : (file_exists(PIPE_DEFAULT_CASCADE) ? PIPE_DEFAULT_CASCADE
                                                                         : PIPE_DEFAULT_CASCADE_XML);
    face_cascade *cc;
    face_err fe = {{0}};
    if (tools_cascade_load_any(cas, &cc, &fe) != FACE_OK) {
        fprintf(stderr, "facenet-run eval: %s: %s\n", cas, fe.msg);
        eval_truth_free(&t);
        return CLI_EXIT_FATAL;
    }
    face_detect_params dp;
    face_detect_params_init(&dp);
    dp.scale_factor = a->po.scale_factor;
    dp.min_neighbors = a->po.min_neighbors;
    dp.min_w = dp.min_h = a->po.min_size;
    dp.threads = a->po.threads;

    eval_det_counts tot = {0, 0, 0, 0};
    int bad = 0, images = 0;
    if (!a->json)
        printf("detector: %s, scale %.3g, min-neighbors %d, min-size %d; match at IoU >= %.2f\n",
               cas, dp.scale_factor, dp.min_neighbors, dp.min_w, a->iou);
    if (a->json) printf("{\n  \"misses\": [");
    int first_miss = 1;
    for (int i = 0; i < t.n; i++) {
        eval_truth_image *im = &t.images[i];
        char *path = pcli_join(a->root, im->file);
        face_image img = {0, 0, 0, NULL};
        face_rect *boxes = NULL;
        eval_box *det = NULL;
        int *matched = NULL;
        int found = 0;
        uint8_t *gray = NULL;
        if (!path || face_image_load(path, &img, &fe) != FACE_OK) {
            fprintf(stderr, "facenet-run eval: %s: %s\n", path ? path : im->file,
                    path ? fe.msg : "out of memory");
            bad++;
            free(path);
            continue;
        }
        images++;
        size_t npx = (size_t)img.w * img.h;
        gray = img.channels == 1 ? img.px : malloc(npx);
        if (gray && img.channels == 3) face_gray_from_rgb(img.px, npx, gray);
        face_status st = gray ? face_detect(cc, gray, img.w, img.h, (size_t)img.w, &dp, NULL, 0,
                                            &found, &fe)
                              : FACE_ENOMEM;
        if (st == FACE_OK && found > 0) {
            boxes = malloc(sizeof *boxes * (size_t)found);
            st = boxes ? face_detect(cc, gray, img.w, img.h, (size_t)img.w, &dp, boxes, found,
                                     &found, &fe)
                       : FACE_ENOMEM;
        }
        det = malloc(sizeof *det * (size_t)(found + 1));
        matched = malloc(sizeof *matched * (size_t)(im->n_boxes + 1));
        eval_det_counts c;
        if (st != FACE_OK || !det || !matched) {
            fprintf(stderr, "facenet-run eval: %s: detector: %s\n", path,
                    st != FACE_OK ? fe.msg : "out of memory");
            bad++;
        } else {
            for (int k = 0; k < found; k++)
                det[k] = (eval_box){boxes[k].x, boxes[k].y, boxes[k].w, boxes[k].h, 0};
            eval_match_boxes(im->boxes, im->n_boxes, det, found, a->iou, matched, &c, err,
                             sizeof err);
            tot.hits += c.hits;
            tot.misses += c.misses;
            tot.false_alarms += c.false_alarms;
            tot.ignored += c.ignored;
            if (!a->json)
                printf("%s: %d truth, %d detected: %d hits, %d misses, %d false alarms\n", im->file,
                       im->n_boxes, found, c.hits, c.misses, c.false_alarms);
            for (int k = 0; k < im->n_boxes; k++) {
                if (matched[k] >= 0 || im->boxes[k].ignore) continue;
                double best = 0;
                for (int d = 0; d < found; d++) best = fmax(best, eval_iou(&im->boxes[k], &det[d]));
                const eval_box *b = &im->boxes[k];
                if (a->json) {
                    printf("%s\n    {\"file\": ", first_miss ? "" : ",");
                    pcli_json_string(stdout, im->file);
                    printf(", \"box\": [%d, %d, %d, %d], \"best_iou\": %.3f}", b->x, b->y, b->w,
                           b->h, best);
                    first_miss = 0;
                } else {
                    printf("  miss: left %d top %d %dx%d (best IoU %.2f)\n", b->x, b->y, b->w, b->h,
                           best);
                }
            }
            /* false alarms: detections no truth box took */
            for (int d = 0; d < found && !a->json; d++) {
                int used = 0;
                for (int k = 0; k < im->n_boxes; k++) used |= matched[k] == d;
                if (!used)
                    printf("  false alarm: left %d top %d %dx%d\n", det[d].x, det[d].y, det[d].w,
                           det[d].h);
            }
        }
        if (gray != img.px) free(gray);
        face_image_free(&img);
        free(boxes);
        free(det);
        free(matched);
        free(path);
    }
    double prec = tot.hits + tot.false_alarms
                      ? (double)tot.hits / (double)(tot.hits + tot.false_alarms)
                      : 0;
    double rec = tot.hits + tot.misses ? (double)tot.hits / (double)(tot.hits + tot.misses) : 0;
    if (a->json) {
        printf("%s],\n", first_miss ? "" : "\n  ");
        printf("  \"images\": %d,\n  \"images_unreadable\": %d,\n  \"iou\": %.3g,\n", images, bad,
               a->iou);
        printf("  \"hits\": %d,\n  \"misses\": %d,\n  \"false_alarms\": %d,\n  \"ignored\": %d,\n",
               tot.hits, tot.misses, tot.false_alarms, tot.ignored);
        printf("  \"precision\": %.6g,\n  \"recall\": %.6g\n}\n", prec, rec);
    } else {
        printf("images %d (%d unreadable): %d hits, %d misses, %d false alarms, %d on ignore boxes\n",
               images, bad, tot.hits, tot.misses, tot.false_alarms, tot.ignored);
        printf("precision %.4f, recall %.4f at IoU >= %.2f\n", prec, rec, a->iou);
    }
    face_cascade_free(cc);
    eval_truth_free(&t);
    return bad ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}

/* ==== command line ========================================================= */

int cmd_eval(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const char *what = argv[1];
    if (strcmp(what, "lfw") != 0 && strcmp(what, "detect") != 0) {
        fprintf(stderr, "facenet-run eval: unknown evaluation '%s': want lfw or detect\n", what);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    lfw_args la = {0};
    detect_args da = {0};
    pipe_opts_init(&la.po);
    da.iou = 0.5;
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        int r = pcli_parse_opt("eval", argc, argv, &i, &la.po);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        int has_val = i + 1 < argc;
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(s, "--json")) {
            la.json = da.json = 1;
        } else if (!strcmp(s, "--flip") && what[0] == 'l') {
            la.flip = 1;
        } else if (!strcmp(s, "--no-cache") && what[0] == 'l') {
            la.no_cache = 1;
        } else if (!strcmp(s, "--root") && has_val) {
            la.root = da.root = argv[++i];
        } else if (!strcmp(s, "--pairs") && has_val && what[0] == 'l') {
            la.pairs = argv[++i];
        } else if (!strcmp(s, "--test-pairs") && has_val && what[0] == 'l') {
            la.test_pairs = argv[++i];
        } else if (!strcmp(s, "--plot") && has_val && what[0] == 'l') {
            la.plot = argv[++i];
        } else if (!strcmp(s, "--cache") && has_val && what[0] == 'l') {
            la.cache_path = argv[++i];
        } else if (!strcmp(s, "--truth") && has_val && what[0] == 'd') {
            da.truth = argv[++i];
        } else if (!strcmp(s, "--iou") && has_val && what[0] == 'd') {
            if (pcli_double(argv[++i], &da.iou) != 0 || !(da.iou > 0) || da.iou > 1) {
                fprintf(stderr, "facenet-run eval: --iou %s: want a number in (0, 1]\n", argv[i]);
                return CLI_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "facenet-run eval %s: unknown or incomplete option '%s'\n", what, s);
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (what[0] == 'l') {
        if (!la.pairs || !la.root) {
            fprintf(stderr, "facenet-run eval lfw: --pairs FILE and --root DIR are required\n");
            return CLI_EXIT_USAGE;
        }
        return run_lfw(&la);
    }
    if (!da.truth || !da.root) {
        fprintf(stderr, "facenet-run eval detect: --truth FILE and --root DIR are required\n");
        return CLI_EXIT_USAGE;
    }
    da.po = la.po;
    return run_detect(&da);
}
