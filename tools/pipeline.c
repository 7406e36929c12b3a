/*
 * pipeline.c - photo -> boxes -> chips -> embeddings (see pipeline.h).
 */
#include "tools/pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/cascade_xml.h"
#include "tools/embedder_internal.h"

/* Boxes a photo may give; the detector's boxes past this many are dropped. */
#define PIPE_MAX_BOXES 4096

struct pipeline {
    embedder *emb;
    face_cascade *cascade;
    face_landmarker *lm; /* NULL: the box aligner */
    face_detect_params dp;
    int upsample;
    double max_drift; /* see pipe_opts; < 0: no check */
    int dim;
    char model_id[FACE_GALLERY_MAX_MODEL_ID + 1];
    char cascade_path[4096];
};

void pipe_opts_init(pipe_opts *o)
{
    memset(o, 0, sizeof *o);
    o->align = PIPE_ALIGN_AUTO;
    o->threads = 1;
    o->scale_factor = 1.1;
    /* OpenCV's default is 3. With 3, faceapi_bbt's bbt1 and bbt5 each gain
     * a false box (shelves, a shirt) that even passes the landmark check
     * (named "unknown"); 5 finds the same real faces there and on
     * five_celebrity's val photos. */
    o->min_neighbors = 5;
    o->min_size = 0;
    o->upsample = 0;
    o->max_drift = 0.2;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void pipe_close(pipeline *p)
{
    if (!p) return;
    embedder_close(p->emb);
    face_cascade_free(p->cascade);
    face_landmarker_close(p->lm);
    free(p);
}

int pipe_open(const pipe_opts *o, pipeline **out, char *err, size_t err_len)
{
    pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    const char *model = o->model ? o->model : PIPE_DEFAULT_MODEL;
    char eb[600];
    if (embedder_open(model, o->threads, &p->emb, eb, sizeof eb) != 0) {
        snprintf(err, err_len, "%s", eb);
        pipe_close(p);
        return -1;
    }
    const wts_meta *m = embedder_meta(p->emb);
    p->dim = m->output_dim;

    const char *cascade = o->cascade;
    if (!cascade)
        cascade = file_exists(PIPE_DEFAULT_CASCADE) ? PIPE_DEFAULT_CASCADE : PIPE_DEFAULT_CASCADE_XML;
    snprintf(p->cascade_path, sizeof p->cascade_path, "%s", cascade);
    face_err fe = {{0}};
    if (tools_cascade_load_any(cascade, &p->cascade, &fe) != FACE_OK) {
        snprintf(err, err_len, "%s: %s", cascade, fe.msg);
        pipe_close(p);
        return -1;
    }

    const char *lmpath = o->landmarks ? o->landmarks : PIPE_DEFAULT_LANDMARKS;
    int want_lm = o->align == PIPE_ALIGN_LANDMARKS ||
                  (o->align == PIPE_ALIGN_AUTO && file_exists(lmpath));
    if (want_lm && face_landmarker_open(lmpath, &p->lm, &fe) != FACE_OK) {
        snprintf(err, err_len, "%s: %s", lmpath, fe.msg);
        pipe_close(p);
        return -1;
    }

    face_detect_params_init(&p->dp);
    p->dp.scale_factor = o->scale_factor;
    p->dp.min_neighbors = o->min_neighbors;
    p->dp.min_w = p->dp.min_h = o->min_size;
    p->dp.threads = o->threads;
    p->upsample = o->upsample;
    p->max_drift = o->max_drift;
    snprintf(p->model_id, sizeof p->model_id, "%s+%s", m->name, p->lm ? "chip68" : "boxcrop");
    *out = p;
    return 0;
}

int pipe_dim(const pipeline *p)
{
    return p->dim;
}

float pipe_threshold(const pipeline *p)
{
    float t = embedder_meta(p->emb)->threshold;
    return t > 0 ? t : FACE_DEFAULT_THRESHOLD;
}

face_metric pipe_metric(const pipeline *p)
{
    return embedder_meta(p->emb)->metric == WTS_COSINE ? FACE_METRIC_COSINE
                                                              : FACE_METRIC_EUCLIDEAN;
}

const char *pipe_model_id(const pipeline *p)
{
    return p->model_id;
}

const char *pipe_aligner_name(const pipeline *p)
{
    return p->lm ? "68-point landmarks + dlib chip (150x150, padding 0.25)"
                 : "detection box cropped and resized (no landmark model)";
}

const char *pipe_cascade_path(const pipeline *p)
{
    return p->cascade_path;
}

void pipe_result_free(pipe_result *r)
{
    if (!r) return;
    free(r->faces);
    free(r->embs);
    r->faces = NULL;
    r->embs = NULL;
    r->n = 0;
}

/* The detector's boxes for img; *boxes malloc'd (may be NULL when *n == 0). */
static int detect(pipeline *p, const face_image *img, face_rect **boxes, int *n, char *err,
                  size_t err_len)
{
    size_t npx = (size_t)img->w * (size_t)img->h;
    uint8_t *gray = img->px, *owned = NULL;
    if (img->channels == 3) {
        owned = malloc(npx);
        if (!owned) {
            snprintf(err, err_len, "out of memory for a %dx%d gray image", img->w, img->h);
            return -1;
        }
        face_gray_from_rgb(img->px, npx, owned);
        gray = owned;
    }
    int gw = img->w, gh = img->h, factor = 1;
    if (p->upsample) {
        /* Faces smaller than the cascade's 24x24 window are found on the
         * image doubled (bilinear), their boxes halved back. */
        if ((size_t)gw * 2 > FACE_IMAGE_MAX_DIM || (size_t)gh * 2 > FACE_IMAGE_MAX_DIM ||
            npx * 4 > FACE_IMAGE_MAX_PIXELS) {
            free(owned);
            snprintf(err, err_len, "%dx%d is too big to upsample (cap %u pixels)", img->w, img->h,
                     FACE_IMAGE_MAX_PIXELS);
            return -1;
        }
        uint8_t *up = malloc(npx * 4);
        face_status st = up ? face_resize_gray_exact(gray, gw, gh, (size_t)gw, up, 2 * gw, 2 * gh)
                            : FACE_ENOMEM;
        free(owned);
        if (st != FACE_OK) {
            free(up);
            snprintf(err, err_len, "upsampling: %s", face_strerror(st));
            return -1;
        }
        owned = gray = up;
        gw *= 2;
        gh *= 2;
        factor = 2;
    }
    face_rect *b = malloc(sizeof *b * PIPE_MAX_BOXES);
    if (!b) {
        free(owned);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int found = 0;
    face_err fe = {{0}};
    face_status st =
        face_detect(p->cascade, gray, gw, gh, (size_t)gw, &p->dp, b, PIPE_MAX_BOXES, &found, &fe);
    free(owned);
    if (st != FACE_OK) {
        free(b);
        snprintf(err, err_len, "detector: %s", fe.msg);
        return -1;
    }
    if (found > PIPE_MAX_BOXES) found = PIPE_MAX_BOXES;
    for (int i = 0; i < found; i++) {
        b[i].x /= factor;
        b[i].y /= factor;
        b[i].w /= factor;
        b[i].h /= factor;
    }
    *boxes = b;
    *n = found;
    return 0;
}

/* The box's pixels, clipped to the image, as an image of their own. */
static int crop(const face_image *img, face_rect r, face_image *out, char *err, size_t err_len)
{
    int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
    int x1 = r.x + r.w > img->w ? img->w : r.x + r.w;
    int y1 = r.y + r.h > img->h ? img->h : r.y + r.h;
    if (x1 <= x0 || y1 <= y0) {
        snprintf(err, err_len, "box %d,%d %dx%d lies outside the %dx%d image", r.x, r.y, r.w, r.h,
                 img->w, img->h);
        return -1;
    }
    int c = img->channels;
    out->w = x1 - x0;
    out->h = y1 - y0;
    out->channels = c;
    out->px = malloc((size_t)out->w * out->h * c);
    if (!out->px) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (int y = 0; y < out->h; y++)
        memcpy(out->px + (size_t)y * out->w * c, img->px + ((size_t)(y0 + y) * img->w + x0) * c,
               (size_t)out->w * c);
    return 0;
}

/* The box face-api's detector would have drawn around these landmarks, as a
 * square (x, y, side). Measured on the 40 face-api crops of faceapi_bbt
 * (150x150, cut by face-api's own box): the box extends the landmarks'
 * bounding box by 0.075 (left), 0.082 (right), 0.139 (top) and 0.020
 * (bottom) of its width/height. */
static void landmark_box(const face_point *pts, double *x, double *y, double *side)
{
    double x0 = pts[0].x, x1 = pts[0].x, y0 = pts[0].y, y1 = pts[0].y;
    for (int i = 1; i < FACE_LANDMARK_COUNT; i++) {
        x0 = fmin(x0, pts[i].x);
        x1 = fmax(x1, pts[i].x);
        y0 = fmin(y0, pts[i].y);
        y1 = fmax(y1, pts[i].y);
    }
    double w = x1 - x0, h = y1 - y0;
    double bx0 = x0 - 0.075 * w, bx1 = x1 + 0.082 * w;
    double by0 = y0 - 0.139 * h, by1 = y1 + 0.020 * h;
    double s = fmax(bx1 - bx0, by1 - by0);
    *x = (bx0 + bx1) / 2 - s / 2;
    *y = (by0 + by1) / 2 - s / 2;
    *side = s;
}

/* How far the eyes and mouth moved between two landmark sets, in eye
 * distances (the mean of the outer eye corners' and mouth corners' moves). */
static double landmarks_moved(const face_point *a, const face_point *b)
{
    static const int idx[4] = {36, 45, 48, 54};
    double eyes = hypot(a[45].x - a[36].x, a[45].y - a[36].y), sum = 0;
    for (int i = 0; i < 4; i++) sum += hypot(a[idx[i]].x - b[idx[i]].x, a[idx[i]].y - b[idx[i]].y);
    return eyes > 0 ? sum / 4 / eyes : 1e9;
}

/* Landmarks (when the pipeline has the model), chip, embedding of one box:
 * 0 done, 1 rejected (not a face after all), -1 error.
 *
 * The landmark net is run on the detection box, then PIPE_LANDMARK_PASSES
 * more times on the box face-api would have drawn around the previous
 * landmarks: Haar boxes sit differently on the face than the boxes the net
 * was trained with, and a second and third look settle the points. On a
 * real face the last pass moves the eyes and mouth corners by a few
 * hundredths of the eye distance; on the cascade's false alarms (a jacket,
 * a dress) the points wander by 0.3 or more: more than max_drift rejects
 * the box. A face crop taken whole is the net's own kind of box: one pass,
 * never rejected. */
static int embed_box(pipeline *p, const face_image *img, pipe_face *f, char *err, size_t err_len)
{
    face_image chip = {0, 0, 0, NULL};
    face_err fe = {{0}};
    if (p->lm) {
        /* the net was trained on square boxes: the box's square around its
         * centre (Haar boxes are square already) */
        double side = f->box.w > f->box.h ? f->box.w : f->box.h;
        double cx = f->box.x + f->box.w / 2.0, cy = f->box.y + f->box.h / 2.0;
        face_status st = face_landmarks_detect(p->lm, img, cx - side / 2, cy - side / 2, side,
                                               side, f->pts, &fe);
        double moved = 0;
        for (int it = 0; st == FACE_OK && it < PIPE_LANDMARK_PASSES && !f->whole_image; it++) {
            face_point prev[FACE_LANDMARK_COUNT];
            memcpy(prev, f->pts, sizeof prev);
            double bx, by, bs;
            landmark_box(f->pts, &bx, &by, &bs);
            st = face_landmarks_detect(p->lm, img, bx, by, bs, bs, f->pts, &fe);
            if (st == FACE_OK) moved = landmarks_moved(prev, f->pts);
        }
        f->has_landmarks = 1;
        f->drift = moved;
        if (st == FACE_OK && !f->whole_image && p->max_drift >= 0 && !(moved <= p->max_drift))
            return 1;
        if (st == FACE_OK) st = face_align_chip(img, f->pts, &chip, &fe);
        if (st == FACE_ENOMEM) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        /* points so wild that no box or chip can be made of them: not a face */
        if (st != FACE_OK) return 1;
    } else if (crop(img, f->box, &chip, err, err_len) != 0) {
        return -1;
    }
    char eb[600];
    int rc = embedder_run(p->emb, &chip, f->emb, eb, sizeof eb);
    face_image_free(&chip);
    if (rc != 0) {
        snprintf(err, err_len, "%s", eb);
        return -1;
    }
    for (int i = 0; i < p->dim; i++)
        if (!isfinite(f->emb[i])) {
            snprintf(err, err_len, "embedding component %d is not finite", i);
            return -1;
        }
    return 0;
}

static long area(face_rect r)
{
    return (long)r.w * r.h;
}

static int by_area_desc(const void *a, const void *b)
{
    long x = area(*(const face_rect *)a), y = area(*(const face_rect *)b);
    return x < y ? 1 : x > y ? -1 : 0;
}

static face_point mean_point(const face_point *pts, int from, int to)
{
    face_point m = {0, 0};
    for (int i = from; i <= to; i++) {
        m.x += pts[i].x;
        m.y += pts[i].y;
    }
    m.x /= to - from + 1;
    m.y /= to - from + 1;
    return m;
}

/* Two boxes on one face: the cascade's grouping sometimes leaves two
 * neighbouring boxes on the same face (faceapi_bbt's bbt3: Leonard's face
 * twice, boxes shifted by 40% of their width, intersection over union
 * 0.43). Either the boxes overlap by more than 0.3 of their union (two
 * real faces' boxes hardly ever do), or both have landmarks and both eyes
 * land within a third of the eye distance. */
static int same_face(const pipe_face *a, const pipe_face *b)
{
    if (a->has_landmarks && b->has_landmarks) {
        face_point la = mean_point(a->pts, 36, 41), ra = mean_point(a->pts, 42, 47);
        face_point lb = mean_point(b->pts, 36, 41), rb = mean_point(b->pts, 42, 47);
        double eyes = hypot(ra.x - la.x, ra.y - la.y);
        if (hypot(la.x - lb.x, la.y - lb.y) < eyes / 3 && hypot(ra.x - rb.x, ra.y - rb.y) < eyes / 3)
            return 1;
    }
    int x0 = a->box.x > b->box.x ? a->box.x : b->box.x;
    int y0 = a->box.y > b->box.y ? a->box.y : b->box.y;
    int x1 = a->box.x + a->box.w < b->box.x + b->box.w ? a->box.x + a->box.w : b->box.x + b->box.w;
    int y1 = a->box.y + a->box.h < b->box.y + b->box.h ? a->box.y + a->box.h : b->box.y + b->box.h;
    if (x1 <= x0 || y1 <= y0) return 0;
    double inter = (double)(x1 - x0) * (y1 - y0);
    return inter > 0.3 * ((double)area(a->box) + (double)area(b->box) - inter);
}

/* Keep the larger box of each duplicate pair; returns the new count. The
 * embeddings move with their faces. */
static int drop_duplicates(pipe_face *f, int n, int dim)
{
    int out = 0;
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int j = 0; j < out && !dup; j++) {
            if (!same_face(&f[i], &f[j])) continue;
            dup = 1;
            if (area(f[i].box) > area(f[j].box)) {
                float *emb = f[j].emb;
                memcpy(emb, f[i].emb, sizeof *emb * (size_t)dim);
                f[j] = f[i];
                f[j].emb = emb;
            }
        }
        if (!dup) {
            float *emb = f[out].emb;
            if (out != i) {
                memcpy(emb, f[i].emb, sizeof *emb * (size_t)dim);
                f[out] = f[i];
                f[out].emb = emb;
            }
            out++;
        }
    }
    return out;
}

/* Embed up to cap of boxes[0..n), in order, skipping those embed_box
 * rejects; duplicates dropped. r is empty (n == 0) when none is kept. */
static int embed_boxes(pipeline *p, const face_image *img, const face_rect *boxes, int n, int whole,
                       int cap, pipe_result *r, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    if (n == 0) return 0;
    r->faces = calloc((size_t)cap, sizeof *r->faces);
    r->embs = malloc(sizeof *r->embs * (size_t)cap * (size_t)p->dim);
    if (!r->faces || !r->embs) {
        pipe_result_free(r);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int kept = 0;
    for (int i = 0; i < n && kept < cap; i++) {
        pipe_face *f = &r->faces[kept];
        memset(f, 0, sizeof *f);
        f->box = boxes[i];
        f->whole_image = whole;
        f->emb = r->embs + (size_t)kept * p->dim;
        int rc = embed_box(p, img, f, err, err_len);
        if (rc < 0) {
            pipe_result_free(r);
            return -1;
        }
        if (rc == 0) kept++;
    }
    r->n = drop_duplicates(r->faces, kept, p->dim);
    if (r->n == 0) pipe_result_free(r);
    return 0;
}

int pipe_image_usable(const face_image *img, char *err, size_t err_len)
{
    if (!img->px || (img->channels != 1 && img->channels != 3)) {
        snprintf(err, err_len, "image with %d channels: want gray or RGB", img->channels);
        return -1;
    }
    if (img->w < PIPE_MIN_IMAGE_SIDE || img->h < PIPE_MIN_IMAGE_SIDE) {
        snprintf(err, err_len, "image is %dx%d: too small to hold a face (at least %dx%d)", img->w,
                 img->h, PIPE_MIN_IMAGE_SIDE, PIPE_MIN_IMAGE_SIDE);
        return -1;
    }
    return 0;
}

int pipe_run(pipeline *p, const face_image *img, int flags, pipe_result *r, int *n_detected,
             char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    if (n_detected) *n_detected = 0;
    if (pipe_image_usable(img, err, err_len) != 0) return -1;
    face_rect *boxes = NULL;
    int n = 0;
    if (!(flags & PIPE_WHOLE_ALWAYS)) {
        if (detect(p, img, &boxes, &n, err, err_len) != 0) return -1;
        if (n_detected) *n_detected = n;
    }
    if (n > 1 && (flags & PIPE_LARGEST_ONLY)) {
        /* largest first: the first box that passes the check is the face */
        qsort(boxes, (size_t)n, sizeof *boxes, by_area_desc);
    }
    int rc = embed_boxes(p, img, boxes, n, 0, (flags & PIPE_LARGEST_ONLY) ? 1 : n, r, err, err_len);
    free(boxes);
    if (rc != 0) return -1;
    /* No face (none detected, or no box that held one): a small image is
     * taken as a face crop, as face-api's own crops are. */
    int small = img->w <= PIPE_CROP_MAX_SIDE && img->h <= PIPE_CROP_MAX_SIDE;
    if (r->n == 0 && ((flags & PIPE_WHOLE_ALWAYS) || ((flags & PIPE_WHOLE_IF_NONE) && small))) {
        face_rect whole = {0, 0, img->w, img->h};
        return embed_boxes(p, img, &whole, 1, 1, 1, r, err, err_len);
    }
    return 0;
}
