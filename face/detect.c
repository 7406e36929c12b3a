/*
 * detect.c - Viola-Jones detection that gives OpenCV 4.x's boxes.
 *
 * What CascadeClassifier::detectMultiScale does for a new-format Haar
 * cascade (modules/objdetect/src/cascadedetect.cpp), and so what this does:
 *  1. Scales: factor = 1, 1*sf, 1*sf^2, ... in double; the window is
 *     cvRound(win*factor); stop when it is bigger than max size or the image,
 *     skip it when smaller than min size; keep (float)factor.
 *  2. Per scale s (float): the image is resized to cvRound(W/s) x cvRound(H/s)
 *     (float division) with bit-exact bilinear (INTER_LINEAR_EXACT), and its
 *     integral, squared integral (32-bit) and, if needed, tilted integral made.
 *  3. Windows of the cascade's size at x, y multiples of ystep (2 below scale
 *     2, 1 from there), x < work_w, y < y_end, where work = size + 1 - win and
 *     y_end is OpenCV's stripe bound (it can drop the last row).
 *  4. A window whose variance is too small (area * vnf >= 0.1) is rejected; a
 *     window failing stage 0 also skips the next window of its row.
 *  5. Hits become (cvRound(x*s), cvRound(y*s), cvRound(win*s)) boxes, grouped
 *     by groupRectangles(minNeighbors, 0.2), then clipped to the image.
 * cvRound is round-half-even (lrint/lrintf under the default rounding mode).
 *
 * Speed comes from evaluating windows in bulk with the ops_haar_* kernels
 * (SIMD where the CPU has it): each row's variance and stage 0 are computed
 * for every window of the row at once (consecutive windows; for ystep 2 the
 * integral is stored with even and odd columns in two planes so that the
 * windows of a row are still consecutive elements), then the survivors of
 * each stage go on as a list. Scales are shared among threads; each scale's
 * hits are kept apart and concatenated in scale order, so the result does
 * not depend on the number of threads.
 */
#include "face/cascade_internal.h"
#include "face/image_internal.h"
#include "ops/ops.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCALES 1000
#define MAX_THREADS 64

void face_detect_params_init(face_detect_params *p)
{
    p->scale_factor = 1.1;
    p->min_neighbors = 3;
    p->min_w = p->min_h = 0;
    p->max_w = p->max_h = 0;
    p->threads = 1;
}

void face_gray_from_rgb(const uint8_t *rgb, size_t n, uint8_t *gray)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        gray[i] = (uint8_t)((r * 4899u + g * 9617u + b * 1868u + 8192u) >> 14);
    }
}

/* ---- integral images ------------------------------------------------------------ */

/* Where element (X, Y) of a (w+1) x (h+1) integral image lives. With split,
 * even columns fill plane 0 and odd columns plane 1, so that windows at
 * x = 0, 2, 4, ... have consecutive origins in plane 0 and any corner at
 * window offset (cx, cy) is at a fixed distance from the origin. */
typedef struct ii_layout {
    int split;
    int cols, rows; /* w + 1, h + 1 */
    int pstride;    /* elements per row of a plane */
    size_t plane;   /* elements per plane */
    size_t block;   /* elements of a whole integral image */
} ii_layout;

static void layout_init(ii_layout *L, int w, int h, int split)
{
    L->split = split;
    L->cols = w + 1;
    L->rows = h + 1;
    L->pstride = split ? (L->cols + 1) / 2 : L->cols;
    L->plane = (size_t)L->rows * (size_t)L->pstride;
    L->block = split ? 2 * L->plane : L->plane;
}

static size_t ii_at(const ii_layout *L, int X, int Y)
{
    if (L->split) return (size_t)(X & 1) * L->plane + (size_t)Y * (size_t)L->pstride + (size_t)(X >> 1);
    return (size_t)Y * (size_t)L->pstride + (size_t)X;
}

/* Offset of window-relative corner (cx, cy) >= 0 from the window's origin. */
static int32_t ii_rel(const ii_layout *L, int cx, int cy)
{
    if (L->split) return (int32_t)((size_t)(cx & 1) * L->plane + (size_t)cy * (size_t)L->pstride + (size_t)(cx >> 1));
    return (int32_t)((size_t)cy * (size_t)L->pstride + (size_t)cx);
}

static int32_t wrap_i32(uint32_t v)
{
    return v <= 0x7fffffffu ? (int32_t)v : -(int32_t)(~v) - 1;
}

/* Elements of work memory integral_fill needs for the tilted image. */
static size_t tilted_work_len(int w, int h)
{
    return 3 * ((size_t)w + 2 * (size_t)h + 6);
}

/* Sums in uint32 (OpenCV's CV_32S images wrap the same way on big images).
 * Tilted: T(X,Y) = T(X-1,Y-1) + T(X+1,Y-1) - T(X,Y-2) + I(X-1,Y-1) + I(X-1,Y-2)
 * (the two triangles one row up overlap in the triangle two rows up, and
 * miss the two pixels above the apex), run on rows widened by h+3 on each
 * side: the triangles reach outside the image, and a wrong value at the
 * widened edge moves inwards one column per row, never reaching [0, w]. */
static void integral_fill(const uint8_t *img, int w, int h, size_t stride, const ii_layout *L,
                          int32_t *sum, uint32_t *sq, int32_t *tilted, uint32_t *work)
{
    for (int X = 0; X <= w; X++) {
        sum[ii_at(L, X, 0)] = 0;
        if (sq) sq[ii_at(L, X, 0)] = 0;
        if (tilted) tilted[ii_at(L, X, 0)] = 0;
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *row = img + (size_t)y * stride;
        uint32_t s = 0, q = 0;
        /* Row Y = y + 1 from row y, plane by plane: with split, even columns
         * X = 2k sit at plane 0 column k, odd ones at plane 1 column k. */
        int32_t *out0 = sum + ii_at(L, 0, y + 1), *up0 = sum + ii_at(L, 0, y);
        uint32_t *qo0 = sq ? sq + ii_at(L, 0, y + 1) : NULL, *qu0 = sq ? sq + ii_at(L, 0, y) : NULL;
        out0[0] = 0;
        if (sq) qo0[0] = 0;
        if (L->split) {
            int32_t *out1 = sum + ii_at(L, 1, y + 1), *up1 = sum + ii_at(L, 1, y);
            uint32_t *qo1 = sq ? sq + ii_at(L, 1, y + 1) : NULL, *qu1 = sq ? sq + ii_at(L, 1, y) : NULL;
            for (int x = 0; x < w; x++) {
                uint32_t v = row[x];
                s += v;
                q += v * v;
                int X = x + 1, k = X >> 1;
                if (X & 1) {
                    out1[k] = wrap_i32((uint32_t)up1[k] + s);
                    if (sq) qo1[k] = qu1[k] + q;
                } else {
                    out0[k] = wrap_i32((uint32_t)up0[k] + s);
                    if (sq) qo0[k] = qu0[k] + q;
                }
            }
        } else {
            for (int x = 0; x < w; x++) {
                uint32_t v = row[x];
                s += v;
                q += v * v;
                out0[x + 1] = wrap_i32((uint32_t)up0[x + 1] + s);
                if (sq) qo0[x + 1] = qu0[x + 1] + q;
            }
        }
    }
    if (!tilted) return;
    const int margin = h + 3;
    const size_t E = (size_t)w + 2 * (size_t)margin;
    uint32_t *r0 = work, *r1 = work + E, *r2 = work + 2 * E; /* rows Y-2, Y-1, Y */
    memset(work, 0, 3 * E * sizeof *work);
    for (int Y = 1; Y <= h; Y++) {
        const uint8_t *a = img + (size_t)(Y - 1) * stride;           /* row Y-1 */
        const uint8_t *b = Y >= 2 ? img + (size_t)(Y - 2) * stride : NULL; /* row Y-2 */
        for (size_t e = 0; e < E; e++) {
            long X = (long)e - margin;
            uint32_t t = (e > 0 ? r1[e - 1] : 0) + (e + 1 < E ? r1[e + 1] : 0) - r0[e];
            long px = X - 1;
            if (px >= 0 && px < w) {
                t += a[px];
                if (b) t += b[px];
            }
            r2[e] = t;
        }
        for (int X = 0; X <= w; X++) tilted[ii_at(L, X, Y)] = wrap_i32(r2[(size_t)X + (size_t)margin]);
        uint32_t *tmp = r0;
        r0 = r1;
        r1 = r2;
        r2 = tmp;
    }
}

face_status face_integral(const uint8_t *img, int w, int h, size_t stride, int32_t *sum,
                          uint32_t *sqsum, int32_t *tilted)
{
    if (!img || !sum || w < 1 || h < 1 || stride < (size_t)w) return FACE_EINVAL;
    ii_layout L;
    layout_init(&L, w, h, 0);
    uint32_t *work = NULL;
    if (tilted) {
        work = malloc(tilted_work_len(w, h) * sizeof *work);
        if (!work) return FACE_ENOMEM;
    }
    integral_fill(img, w, h, stride, &L, sum, sqsum, tilted, work);
    free(work);
    return FACE_OK;
}

/* ---- bit-exact bilinear resize (OpenCV resize_bitExact, 8-bit, 1 channel) ---- */

/* Source offset and 8-bit fixed-point weights of each destination column (or
 * row): f = scale*(d + 0.5) - 0.5 in double with scale = 1/(dst/src) (both
 * divisions as OpenCV does them), weights 256 - c and c = round_even(frac(f)*256).
 * Destinations left of the source (f < 0) copy the first pixel, those at or
 * beyond the last copy the last: [*lo, *hi) is the interpolated range. */
static void linear_coeffs(int src, int dst, int *ofs, uint16_t *c, int *lo, int *hi)
{
    double inv = (double)dst / (double)src;
    double scale = 1.0 / inv;
    int mn = 0, mx = dst;
    for (int d = 0; d < dst; d++) {
        double f = scale * ((double)d + 0.5) - 0.5;
        double fl = floor(f);
        int i = (int)fl;
        ofs[d] = 0;
        c[2 * d] = 256;
        c[2 * d + 1] = 0;
        if (i >= 0 && src > 1) {
            if (i < src - 1) {
                ofs[d] = i;
                uint16_t c1 = (uint16_t)rint((f - fl) * 256.0);
                c[2 * d + 1] = c1;
                c[2 * d] = (uint16_t)(256 - c1);
            } else {
                ofs[d] = src - 1;
                if (d < mx) mx = d;
            }
        } else if (d + 1 > mn) {
            mn = d + 1;
        }
    }
    *lo = mn;
    *hi = mx;
}

/* One source row resized horizontally into 8.8 fixed point. */
static void hline(const uint8_t *s, int dw, const int *xo, const uint16_t *xc, int x_lo, int x_hi,
                  uint16_t *out)
{
    int x = 0;
    for (; x < x_lo; x++) out[x] = (uint16_t)(s[0] << 8);
    for (; x < x_hi; x++) out[x] = (uint16_t)(xc[2 * x] * s[xo[x]] + xc[2 * x + 1] * s[xo[x] + 1]);
    uint16_t last = (uint16_t)(s[xo[dw - 1]] << 8);
    for (; x < dw; x++) out[x] = last;
}

face_status face_resize_gray_exact(const uint8_t *src, int sw, int sh, size_t sstride,
                                   uint8_t *dst, int dw, int dh)
{
    if (!src || !dst || sw < 1 || sh < 1 || dw < 1 || dh < 1 || sstride < (size_t)sw) return FACE_EINVAL;
    if (sw == dw && sh == dh) { /* cv::resize copies when the size does not change */
        for (int y = 0; y < dh; y++) memcpy(dst + (size_t)y * dw, src + (size_t)y * sstride, (size_t)dw);
        return FACE_OK;
    }
    int *xo = malloc(((size_t)dw + (size_t)dh) * sizeof *xo);
    uint16_t *xc = malloc((2 * (size_t)dw + 2 * (size_t)dh + 2 * (size_t)dw) * sizeof *xc);
    if (!xo || !xc) {
        free(xo);
        free(xc);
        return FACE_ENOMEM;
    }
    int *yo = xo + dw;
    uint16_t *yc = xc + 2 * (size_t)dw, *h0 = yc + 2 * (size_t)dh, *h1 = h0 + dw;
    int x_lo, x_hi, y_lo, y_hi;
    linear_coeffs(sw, dw, xo, xc, &x_lo, &x_hi);
    linear_coeffs(sh, dh, yo, yc, &y_lo, &y_hi);
    int have = -1; /* source row held in h0 (h1 holds have + 1) */
    for (int y = 0; y < dh; y++) {
        uint8_t *out = dst + (size_t)y * dw;
        if (y < y_lo || y >= y_hi) {
            int sy = y < y_lo ? 0 : sh - 1;
            hline(src + (size_t)sy * sstride, dw, xo, xc, x_lo, x_hi, h0);
            have = -1;
            for (int x = 0; x < dw; x++) out[x] = (uint8_t)((h0[x] + 128u) >> 8);
            continue;
        }
        int sy = yo[y];
        if (have == sy - 1 && have >= 0) { /* slide down one row: reuse the old lower row */
            uint16_t *t = h0;
            h0 = h1;
            h1 = t;
            hline(src + (size_t)(sy + 1) * sstride, dw, xo, xc, x_lo, x_hi, h1);
        } else if (have != sy) {
            hline(src + (size_t)sy * sstride, dw, xo, xc, x_lo, x_hi, h0);
            hline(src + (size_t)(sy + 1) * sstride, dw, xo, xc, x_lo, x_hi, h1);
        }
        have = sy;
        uint32_t c0 = yc[2 * y], c1 = yc[2 * y + 1];
        for (int x = 0; x < dw; x++) {
            uint32_t v = (h0[x] * c0 + h1[x] * c1 + 32768u) >> 16;
            out[x] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
    free(xo);
    free(xc);
    return FACE_OK;
}

/* ---- groupRectangles ----------------------------------------------------------- */

/* OpenCV's SimilarRects with eps in double. */
static int similar(const face_rect *a, const face_rect *b, double eps)
{
    int mw = a->w < b->w ? a->w : b->w, mh = a->h < b->h ? a->h : b->h;
    double delta = eps * (mw + mh) * 0.5;
    return abs(a->x - b->x) <= delta && abs(a->y - b->y) <= delta &&
           abs(a->x + a->w - b->x - b->w) <= delta && abs(a->y + a->h - b->y - b->h) <= delta;
}

static int find_root(int *parent, int i)
{
    int r = i;
    while (parent[r] >= 0) r = parent[r];
    while (parent[i] >= 0) { /* path compression */
        int next = parent[i];
        parent[i] = r;
        i = next;
    }
    return r;
}

/* saturate_cast<int>(float): round half to even, clamp. */
static int round_f32(float v)
{
    if (v >= 2147483520.0f) return 2147483647;
    if (v <= -2147483648.0f) return (-2147483647 - 1);
    return (int)lrintf(v);
}

static int round_f64(double v)
{
    if (v >= 2147483647.0) return 2147483647;
    if (v <= -2147483648.0) return (-2147483647 - 1);
    return (int)lrint(v);
}

face_status face_group_rects(face_rect *rects, int n, int group_threshold, double eps,
                             int *neighbors, int *n_out)
{
    if (!n_out || n < 0 || (n > 0 && !rects)) return FACE_EINVAL;
    if (group_threshold <= 0 || n == 0) {
        if (neighbors)
            for (int i = 0; i < n; i++) neighbors[i] = 1;
        *n_out = n;
        return FACE_OK;
    }
    int *parent = malloc((size_t)n * sizeof *parent);
    int *label = malloc((size_t)n * sizeof *label);
    long long *acc = calloc((size_t)n * 4, sizeof *acc);
    int *count = calloc((size_t)n, sizeof *count);
    face_rect *avg = malloc((size_t)n * sizeof *avg);
    if (!parent || !label || !acc || !count || !avg) {
        free(parent);
        free(label);
        free(acc);
        free(count);
        free(avg);
        return FACE_ENOMEM;
    }
    /* Connected components of the similarity graph (cv::partition). Classes
     * are numbered by their first member, as cv::partition numbers them. */
    for (int i = 0; i < n; i++) parent[i] = -1;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (similar(&rects[i], &rects[j], eps)) {
                int a = find_root(parent, i), b = find_root(parent, j);
                if (a != b) parent[a > b ? a : b] = a < b ? a : b;
            }
    int nclasses = 0;
    for (int i = 0; i < n; i++) {
        int r = find_root(parent, i);
        label[i] = r == i ? nclasses++ : label[r];
    }
    for (int i = 0; i < n; i++) {
        long long *a = &acc[4 * (size_t)label[i]];
        a[0] += rects[i].x;
        a[1] += rects[i].y;
        a[2] += rects[i].w;
        a[3] += rects[i].h;
        count[label[i]]++;
    }
    for (int c = 0; c < nclasses; c++) {
        /* OpenCV: int sums, float s = 1.f/n, saturate_cast<int>(sum*s). */
        float s = 1.0f / (float)count[c];
        const long long *a = &acc[4 * (size_t)c];
        avg[c].x = round_f32((float)a[0] * s);
        avg[c].y = round_f32((float)a[1] * s);
        avg[c].w = round_f32((float)a[2] * s);
        avg[c].h = round_f32((float)a[3] * s);
    }
    int m = 0;
    for (int i = 0; i < nclasses; i++) {
        const face_rect r1 = avg[i];
        int n1 = count[i];
        if (n1 <= group_threshold) continue;
        int j;
        for (j = 0; j < nclasses; j++) {
            int n2 = count[j];
            if (j == i || n2 <= group_threshold) continue;
            const face_rect r2 = avg[j];
            int dx = round_f64(r2.w * eps), dy = round_f64(r2.h * eps);
            if (r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.w <= r2.x + r2.w + dx &&
                r1.y + r1.h <= r2.y + r2.h + dy && (n2 > (n1 > 3 ? n1 : 3) || n1 < 3))
                break;
        }
        if (j == nclasses) {
            if (neighbors) neighbors[m] = n1;
            rects[m++] = r1;
        }
    }
    free(parent);
    free(label);
    free(acc);
    free(count);
    free(avg);
    *n_out = m;
    return FACE_OK;
}

/* ---- the detector --------------------------------------------------------------- */

typedef struct det_scale {
    float scale;
    int w, h;           /* the resized image */
    int ystep;          /* 2 below scale 2, else 1 */
    int work_w, work_h; /* window origins x < work_w, y < work_h */
    int y_end;          /* rows scanned: y < y_end (OpenCV's stripes) */
    int box_w, box_h;   /* size of a hit in the original image */
    double cost;        /* estimated windows, to schedule the big scales first */
} det_scale;

/* A growable list of boxes. */
typedef struct rect_list {
    face_rect *r;
    int n, cap;
} rect_list;

static int rect_push(rect_list *l, face_rect r)
{
    if (l->n == l->cap) {
        int ncap = l->cap ? l->cap * 2 : 64;
        face_rect *nr = realloc(l->r, (size_t)ncap * sizeof *nr);
        if (!nr) return 0;
        l->r = nr;
        l->cap = ncap;
    }
    l->r[l->n++] = r;
    return 1;
}

/* Everything an image's detection shares among threads (read-only while they run). */
typedef struct det_job {
    const face_cascade *c;
    const uint8_t *gray;
    int w, h;
    size_t stride;
    det_scale *scales;   /* [n_scales] */
    int n_scales;
    int *order;          /* [n_scales] scales by decreasing cost */
    ops_haar_stump *stumps;   /* [n_trees] when every tree is a stump */
    ops_haar_node *nodes;     /* [n_nodes] otherwise */
    int32_t *tree_nodes;      /* [n_trees] */
    float *stage_thr;         /* [n_stages] OpenCV's threshold - 1e-5f */
    rect_list *hits;          /* [n_scales] */
    size_t max_img, max_block; /* buffer sizes of the biggest scale */
    int max_row;               /* most windows in one row */
    int block;                 /* windows per vector block of the active ISA, 0: scalar */
    int block_shift;           /* block = 1 << block_shift */
    pthread_mutex_t lock;
    int next;                  /* next entry of order to run */
    face_status status;        /* first failure of a worker */
} det_job;

typedef struct det_worker {
    det_job *job;
    uint8_t *img;           /* [max_img] the resized image */
    int32_t *ii;            /* [2 * max_block] sum, then tilted */
    uint32_t *sq;           /* [max_block] squared sums */
    uint32_t *twork;        /* tilted integral work rows */
    ops_haar_feature *feat; /* [n_features] offsets for the current layout */
    float *vnf;             /* [max_row] */
    uint8_t *ok;            /* [max_row] */
    double *acc;            /* [max_row] */
    int32_t *alive;         /* [max_row] window indices still in the race */
    int32_t *win;           /* [max_row] their origins */
    float *vnf2;            /* [max_row] their variance factors */
    double *blk_acc;        /* [max_row] stage sums of a run of blocks */
} det_worker;

static void set_features(const face_cascade_def *d, const ii_layout *L, ops_haar_feature *out)
{
    const int32_t tofs = (int32_t)L->block; /* the tilted image follows the sum */
    for (int f = 0; f < d->n_features; f++) {
        const face_haar_feature *src = &d->features[f];
        ops_haar_feature *o = &out[f];
        memset(o, 0, sizeof *o);
        for (int r = 0; r < 3; r++) {
            const face_haar_rect *rc = &src->rect[r];
            o->weight[r] = rc->weight;
            if (r == 2 && rc->weight == 0.0f) continue;
            if (src->tilted) {
                o->ofs[r][0] = tofs + ii_rel(L, rc->x, rc->y);
                o->ofs[r][1] = tofs + ii_rel(L, rc->x - rc->h, rc->y + rc->h);
                o->ofs[r][2] = tofs + ii_rel(L, rc->x + rc->w, rc->y + rc->w);
                o->ofs[r][3] = tofs + ii_rel(L, rc->x + rc->w - rc->h, rc->y + rc->w + rc->h);
            } else {
                o->ofs[r][0] = ii_rel(L, rc->x, rc->y);
                o->ofs[r][1] = ii_rel(L, rc->x + rc->w, rc->y);
                o->ofs[r][2] = ii_rel(L, rc->x, rc->y + rc->h);
                o->ofs[r][3] = ii_rel(L, rc->x + rc->w, rc->y + rc->h);
            }
        }
    }
}

/* Stage `s` on n windows (origins ii + win[i], or ii + i when win is NULL). */
static void run_stage(const det_job *J, const det_worker *W, int s, int first_tree, const int32_t *ii,
                      const int32_t *win, int n, const float *vnf, double *acc)
{
    const face_cascade_def *d = &J->c->def;
    int nt = d->stages[s].n_trees;
    if (J->stumps) {
        ops_haar_stumps(ii, win, n, W->feat, J->stumps + first_tree, nt, vnf, acc);
    } else {
        int node0 = 0, leaf0 = 0;
        for (int t = 0; t < first_tree; t++) {
            node0 += d->tree_nodes[t];
            leaf0 += d->tree_nodes[t] + 1;
        }
        ops_haar_trees(ii, win, n, W->feat, J->nodes + node0, d->leaves + leaf0, J->tree_nodes + first_tree,
                       nt, vnf, acc);
    }
}

/* Stage s for the m windows W->alive[0..m) (ascending indices of a row of n
 * windows); W->acc[i] gets window alive[i]'s stage sum. With a vector ISA
 * the survivors' blocks of J->block consecutive windows are evaluated whole,
 * runs of neighbouring blocks in one call (survivors cluster: faces and
 * face-like texture pass many stages, and a lane costs little next to a
 * scalar window); without one, the survivors go as a list. Either way each
 * window gets the reference's bits. */
static void run_survivors(const det_job *J, det_worker *W, int s, int first_tree, const int32_t *ii, int n,
                          int m)
{
    const int B = J->block, shift = J->block_shift;
    if (!B) {
        for (int t = 0; t < m; t++) {
            W->win[t] = W->alive[t];
            W->vnf2[t] = W->vnf[W->alive[t]];
        }
        run_stage(J, W, s, first_tree, ii, W->win, m, W->vnf2, W->acc);
        return;
    }
    for (int i = 0; i < m;) {
        int b_first = W->alive[i] >> shift, b_last = b_first, j = i + 1;
        while (j < m && (W->alive[j] >> shift) <= b_last + 1) b_last = W->alive[j++] >> shift;
        int w0 = b_first * B, w1 = (b_last + 1) * B < n ? (b_last + 1) * B : n;
        run_stage(J, W, s, first_tree, ii + w0, NULL, w1 - w0, W->vnf + w0, W->blk_acc);
        for (int t = i; t < j; t++) W->acc[t] = W->blk_acc[W->alive[t] - w0];
        i = j;
    }
}

static face_status run_scale(det_worker *W, int si)
{
    det_job *J = W->job;
    const face_cascade *c = J->c;
    const face_cascade_def *d = &c->def;
    const det_scale *S = &J->scales[si];
    rect_list *out = &J->hits[si];
    if (S->y_end <= 0 || S->work_w <= 0) return FACE_OK;

    face_status st = face_resize_gray_exact(J->gray, J->w, J->h, J->stride, W->img, S->w, S->h);
    if (st != FACE_OK) return st;
    ii_layout L;
    layout_init(&L, S->w, S->h, S->ystep == 2);
    integral_fill(W->img, S->w, S->h, (size_t)S->w, &L, W->ii, W->sq, c->has_tilted ? W->ii + L.block : NULL,
                  W->twork);
    set_features(d, &L, W->feat);
    const int ww = d->win_w, wh = d->win_h;
    const int32_t nofs[4] = {ii_rel(&L, 1, 1), ii_rel(&L, ww - 1, 1), ii_rel(&L, 1, wh - 1),
                             ii_rel(&L, ww - 1, wh - 1)};
    const int area = (ww - 2) * (wh - 2);
    const int n = (S->work_w + S->ystep - 1) / S->ystep; /* windows per row */

    for (int y = 0; y < S->y_end; y += S->ystep) {
        const size_t row0 = (size_t)y * (size_t)L.pstride;
        const int32_t *ii = W->ii + row0;
        ops_haar_varnorm(ii, W->sq + row0, NULL, n, nofs, area, W->vnf, W->ok);
        run_stage(J, W, 0, 0, ii, NULL, n, W->vnf, W->acc);
        /* Which windows OpenCV evaluates: all, except the one after a window
         * that passed the variance test and failed stage 0. */
        const double thr0 = J->stage_thr[0];
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (!W->ok[k]) continue;
            if (W->acc[k] < thr0) {
                k++;
                continue;
            }
            W->alive[m++] = k;
        }
        int first_tree = d->stages[0].n_trees;
        for (int s = 1; s < d->n_stages && m > 0; s++) {
            run_survivors(J, W, s, first_tree, ii, n, m);
            const double thr = J->stage_thr[s];
            int k = 0;
            for (int i = 0; i < m; i++)
                if (!(W->acc[i] < thr)) {
                    W->alive[k] = W->alive[i];
                    k++;
                }
            m = k;
            first_tree += d->stages[s].n_trees;
        }
        for (int i = 0; i < m; i++) {
            int x = W->alive[i] * S->ystep;
            face_rect r = {(int)lrintf((float)x * S->scale), (int)lrintf((float)y * S->scale), S->box_w,
                           S->box_h};
            if (!rect_push(out, r)) return FACE_ENOMEM;
        }
    }
    return FACE_OK;
}

static void worker_free(det_worker *W)
{
    free(W->img);
    free(W->ii);
    free(W->sq);
    free(W->twork);
    free(W->feat);
    free(W->vnf);
    free(W->ok);
    free(W->acc);
    free(W->alive);
    free(W->win);
    free(W->vnf2);
    free(W->blk_acc);
    memset(W, 0, sizeof *W);
}

static face_status worker_init(det_worker *W, det_job *J)
{
    memset(W, 0, sizeof *W);
    W->job = J;
    const face_cascade *c = J->c;
    size_t row = (size_t)J->max_row + 1;
    W->img = malloc(J->max_img);
    W->ii = malloc((c->has_tilted ? 2 : 1) * J->max_block * sizeof *W->ii);
    W->sq = malloc(J->max_block * sizeof *W->sq);
    if (c->has_tilted) W->twork = malloc(tilted_work_len(J->w, J->h) * sizeof *W->twork);
    W->feat = malloc((size_t)c->def.n_features * sizeof *W->feat);
    W->vnf = malloc(row * sizeof *W->vnf);
    W->ok = malloc(row);
    W->acc = malloc(row * sizeof *W->acc);
    W->alive = malloc(row * sizeof *W->alive);
    W->win = malloc(row * sizeof *W->win);
    W->vnf2 = malloc(row * sizeof *W->vnf2);
    W->blk_acc = malloc(row * sizeof *W->blk_acc);
    if (!W->blk_acc ||!W->img || !W->ii || !W->sq || (c->has_tilted && !W->twork) || !W->feat || !W->vnf || !W->ok ||
        !W->acc || !W->alive || !W->win || !W->vnf2) {
        worker_free(W);
        return FACE_ENOMEM;
    }
    return FACE_OK;
}

static void *worker_main(void *arg)
{
    det_worker *W = arg;
    det_job *J = W->job;
    for (;;) {
        pthread_mutex_lock(&J->lock);
        int i = J->status == FACE_OK && J->next < J->n_scales ? J->order[J->next++] : -1;
        pthread_mutex_unlock(&J->lock);
        if (i < 0) break;
        face_status st = run_scale(W, i);
        if (st != FACE_OK) {
            pthread_mutex_lock(&J->lock);
            if (J->status == FACE_OK) J->status = st;
            pthread_mutex_unlock(&J->lock);
        }
    }
    return NULL;
}

/* OpenCV's scale list (detectMultiScaleNoGrouping) and per-scale geometry
 * (FeatureEvaluator::updateScaleData, stripes of the CascadeClassifierInvoker). */
static face_status plan_scales(det_job *J, const face_detect_params *p, face_err *err)
{
    const face_cascade_def *d = &J->c->def;
    int max_w = p->max_w > 0 ? p->max_w : J->w, max_h = p->max_h > 0 ? p->max_h : J->h;
    float fs[MAX_SCALES];
    int n = 0;
    for (double factor = 1.0;; factor *= p->scale_factor) {
        long ww = lrint(d->win_w * factor), wh = lrint(d->win_h * factor);
        if (ww > max_w || wh > max_h || ww > J->w || wh > J->h) break;
        if (ww < p->min_w || wh < p->min_h) continue;
        if (n == MAX_SCALES)
            return face_codec_fail(err, FACE_ELIMIT, "detect: scale factor %g gives more than %d scales",
                                   p->scale_factor, MAX_SCALES);
        fs[n++] = (float)factor;
    }
    J->n_scales = n;
    if (n == 0) return FACE_OK;
    J->scales = calloc((size_t)n, sizeof *J->scales);
    J->order = malloc((size_t)n * sizeof *J->order);
    J->hits = calloc((size_t)n, sizeof *J->hits);
    if (!J->scales || !J->order || !J->hits) return face_codec_fail(err, FACE_ENOMEM, "detect: out of memory");
    for (int i = 0; i < n; i++) {
        det_scale *S = &J->scales[i];
        float sc = fs[i];
        S->scale = sc;
        S->w = (int)lrintf((float)J->w / sc);
        S->h = (int)lrintf((float)J->h / sc);
        S->ystep = sc >= 2.0f ? 1 : 2;
        S->work_w = S->w + 1 - d->win_w > 0 ? S->w + 1 - d->win_w : 0;
        S->work_h = S->h + 1 - d->win_h > 0 ? S->h + 1 - d->win_h : 0;
        S->box_w = (int)lrintf((float)d->win_w * sc);
        S->box_h = (int)lrintf((float)d->win_h * sc);
    }
    int nstripes = (int)ceil(J->scales[0].work_w / 32.0);
    J->max_img = 1;
    J->max_block = 1;
    J->max_row = 1;
    for (int i = 0; i < n; i++) {
        det_scale *S = &J->scales[i];
        if (nstripes > 0) {
            int rows = (S->work_h / S->ystep + nstripes - 1) / nstripes;
            int stripe = (rows > 1 ? rows : 1) * S->ystep;
            long long end = (long long)nstripes * stripe;
            S->y_end = end < S->work_h ? (int)end : S->work_h;
        }
        int per_row = (S->work_w + S->ystep - 1) / S->ystep;
        S->cost = (double)per_row * ((S->y_end + S->ystep - 1) / S->ystep);
        if (S->w < 1 || S->h < 1) S->y_end = 0;
        size_t img = (size_t)S->w * (size_t)(S->h > 0 ? S->h : 1);
        ii_layout L;
        layout_init(&L, S->w, S->h, S->ystep == 2);
        if (img > J->max_img) J->max_img = img;
        if (L.block > J->max_block) J->max_block = L.block;
        if (per_row > J->max_row) J->max_row = per_row;
    }
    for (int i = 0; i < n; i++) J->order[i] = i;
    for (int i = 1; i < n; i++) { /* insertion sort by decreasing cost, ties by index */
        int v = J->order[i], k = i;
        while (k > 0 && J->scales[J->order[k - 1]].cost < J->scales[v].cost) {
            J->order[k] = J->order[k - 1];
            k--;
        }
        J->order[k] = v;
    }
    return FACE_OK;
}

static face_status prepare_cascade(det_job *J, face_err *err)
{
    const face_cascade *c = J->c;
    const face_cascade_def *d = &c->def;
    J->stage_thr = malloc((size_t)d->n_stages * sizeof *J->stage_thr);
    J->tree_nodes = malloc((size_t)d->n_trees * sizeof *J->tree_nodes);
    if (!J->stage_thr || !J->tree_nodes) return face_codec_fail(err, FACE_ENOMEM, "detect: out of memory");
    for (int s = 0; s < d->n_stages; s++) J->stage_thr[s] = d->stages[s].threshold - FACE_CASCADE_THRESHOLD_EPS;
    for (int t = 0; t < d->n_trees; t++) J->tree_nodes[t] = d->tree_nodes[t];
    if (c->max_tree_nodes == 1) {
        /* OpenCV's stump path takes the tree's first leaf on the left and its
         * second on the right, whatever the node's child fields say. */
        J->stumps = malloc((size_t)d->n_trees * sizeof *J->stumps);
        if (!J->stumps) return face_codec_fail(err, FACE_ENOMEM, "detect: out of memory");
        for (int t = 0; t < d->n_trees; t++) {
            J->stumps[t].feature = d->nodes[t].feature;
            J->stumps[t].threshold = d->nodes[t].threshold;
            J->stumps[t].left = d->leaves[2 * t];
            J->stumps[t].right = d->leaves[2 * t + 1];
        }
    } else {
        J->nodes = malloc((size_t)d->n_nodes * sizeof *J->nodes);
        if (!J->nodes) return face_codec_fail(err, FACE_ENOMEM, "detect: out of memory");
        for (int i = 0; i < d->n_nodes; i++) {
            J->nodes[i].feature = d->nodes[i].feature;
            J->nodes[i].threshold = d->nodes[i].threshold;
            J->nodes[i].left = d->nodes[i].left;
            J->nodes[i].right = d->nodes[i].right;
        }
    }
    return FACE_OK;
}

static void job_free(det_job *J)
{
    if (J->hits)
        for (int i = 0; i < J->n_scales; i++) free(J->hits[i].r);
    free(J->hits);
    free(J->scales);
    free(J->order);
    free(J->stumps);
    free(J->nodes);
    free(J->tree_nodes);
    free(J->stage_thr);
}

face_status face_detect(const face_cascade *c, const uint8_t *gray, int w, int h, size_t stride,
                        const face_detect_params *p, face_rect *out, int cap, int *n_found,
                        face_err *err)
{
    if (!c || !gray || !p || !n_found || cap < 0 || (cap > 0 && !out))
        return face_codec_fail(err, FACE_EINVAL, "face_detect: NULL or negative argument");
    *n_found = 0;
    face_status st = face_image_check_size((uint64_t)(w > 0 ? w : 0), (uint64_t)(h > 0 ? h : 0), "detect", err);
    if (st != FACE_OK) return st;
    if (stride < (size_t)w) return face_codec_fail(err, FACE_EINVAL, "detect: stride %zu < width %d", stride, w);
    if (!(p->scale_factor > 1.0) || !isfinite(p->scale_factor))
        return face_codec_fail(err, FACE_EINVAL, "detect: scale factor %g, must be > 1", p->scale_factor);
    if (p->min_neighbors < 0 || p->min_w < 0 || p->min_h < 0 || p->max_w < 0 || p->max_h < 0)
        return face_codec_fail(err, FACE_EINVAL, "detect: negative min neighbours or size");
    if (p->threads < 1 || p->threads > MAX_THREADS)
        return face_codec_fail(err, FACE_EINVAL, "detect: %d threads, must be 1..%d", p->threads, MAX_THREADS);

    det_job J;
    memset(&J, 0, sizeof J);
    J.c = c;
    J.gray = gray;
    J.w = w;
    J.h = h;
    J.stride = stride;
    switch (ops_isa_active()) {
    case OPS_ISA_AVX512: /* fall through: 8-window blocks, long runs use zmm */
    case OPS_ISA_AVX2:
        J.block = 8;
        J.block_shift = 3;
        break;
    default: J.block = 0; break;
    }
    st = prepare_cascade(&J, err);
    if (st == FACE_OK) st = plan_scales(&J, p, err);
    if (st != FACE_OK || J.n_scales == 0) {
        job_free(&J);
        return st;
    }

    int nthreads = p->threads < J.n_scales ? p->threads : J.n_scales;
    det_worker workers[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started[MAX_THREADS] = {0}, inited = 0;
    if (pthread_mutex_init(&J.lock, NULL) != 0) {
        job_free(&J);
        return face_codec_fail(err, FACE_ENOMEM, "detect: cannot create a mutex");
    }
    J.status = FACE_OK;
    for (; inited < nthreads; inited++)
        if (worker_init(&workers[inited], &J) != FACE_OK) break;
    if (inited == 0) {
        st = face_codec_fail(err, FACE_ENOMEM, "detect: out of memory for a %dx%d image", w, h);
    } else {
        /* Threads beyond the first are helpers; if one cannot start, the others do its share. */
        for (int t = 1; t < inited; t++)
            started[t] = pthread_create(&tids[t], NULL, worker_main, &workers[t]) == 0;
        worker_main(&workers[0]);
        for (int t = 1; t < inited; t++)
            if (started[t]) pthread_join(tids[t], NULL);
        st = J.status;
        if (st != FACE_OK) face_codec_fail(err, st, "detect: %s while scanning", face_strerror(st));
    }
    for (int t = 0; t < inited; t++) worker_free(&workers[t]);
    pthread_mutex_destroy(&J.lock);

    rect_list all = {NULL, 0, 0};
    for (int i = 0; st == FACE_OK && i < J.n_scales; i++)
        for (int k = 0; k < J.hits[i].n; k++)
            if (!rect_push(&all, J.hits[i].r[k])) {
                st = face_codec_fail(err, FACE_ENOMEM, "detect: out of memory for the hits");
                break;
            }
    int m = 0;
    if (st == FACE_OK && all.n > 0) {
        st = face_group_rects(all.r, all.n, p->min_neighbors, 0.2, NULL, &m);
        if (st != FACE_OK) face_codec_fail(err, st, "detect: out of memory grouping %d hits", all.n);
    }
    if (st == FACE_OK) {
        /* CascadeClassifier::detectMultiScale clips to the image (clipObjects). */
        int k = 0;
        for (int i = 0; i < m; i++) {
            face_rect r = all.r[i];
            int x0 = r.x > 0 ? r.x : 0, y0 = r.y > 0 ? r.y : 0;
            long long x1 = (long long)r.x + r.w, y1 = (long long)r.y + r.h;
            if (x1 > w) x1 = w;
            if (y1 > h) y1 = h;
            if (x1 <= x0 || y1 <= y0) continue;
            face_rect cr = {x0, y0, (int)(x1 - x0), (int)(y1 - y0)};
            if (k < cap) out[k] = cr;
            k++;
        }
        *n_found = k;
    }
    free(all.r);
    job_free(&J);
    return st;
}
