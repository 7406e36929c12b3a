/*
 * align.c - the geometry between a detection box and the embedding model's
 * input: the landmark net's input crop, dlib's face chip transform, and
 * bilinear warping (contracts in face.h, "alignment").
 *
 * Facts taken from public sources (numbers only):
 *   - dlib, dlib/image_transforms/interpolation.h, get_face_chip_details:
 *     the mean face shape of points 17..67 in a unit square, which of them
 *     are used (17..26 brows and 55..59, 65..67 lower lip are ignored), the
 *     padding rule p' = (padding + p) / (1 + 2 padding), and how a chip is
 *     cut: the similarity gives angle and scale; the chip's corners are the
 *     corners of a square of side size*scale - 1 centred on the image of the
 *     chip centre, rotated by the angle (chip_details, centered_drect,
 *     get_mapping_to_chip).
 *   - face-api (npm @vladmandic/face-api 1.7.15), FaceLandmark68Net: the net
 *     sees the detection box resized to 112x112 and its outputs are
 *     positions relative to that box.
 *
 *   - dlib's extract_image_chips samples from an image pyramid (halving
 *     the image while the chip would still be more than twice smaller than
 *     its footprint) so that bilinear sampling does not alias; we halve
 *     with 2x2 means (dlib's pyramid_down<2> filters differently), which
 *     keeps the same rule for how many levels are taken.
 */
#include "face/image_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* dlib's mean face shape, points 17..67 (51 of them), in the unit square. */
static const double mean_face_x[51] = {
    0.000213256, 0.0752622, 0.18113,  0.29077,  0.393397, 0.586856, 0.689483, 0.799124,
    0.904991,    0.98004,   0.490127, 0.490127, 0.490127, 0.490127, 0.36688,  0.426036,
    0.490127,    0.554217,  0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
    0.182743,    0.645647,  0.714428, 0.793132, 0.858516, 0.79751,  0.719335, 0.254149,
    0.340985,    0.428858,  0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
    0.490127,    0.423532,  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
    0.553364,    0.490127,  0.42689};
static const double mean_face_y[51] = {
    0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482,
    0.038915, 0.106454, 0.203352,  0.307009,  0.409805,  0.515625,  0.587326,  0.609345,
    0.628106, 0.609345, 0.587326,  0.216423,  0.178758,  0.179852,  0.231733,  0.245099,
    0.244077, 0.231733, 0.179852,  0.178758,  0.216423,  0.244077,  0.245099,  0.780233,
    0.745405, 0.727388, 0.742578,  0.727388,  0.745405,  0.780233,  0.864805,  0.902192,
    0.909281, 0.902192, 0.864805,  0.784792,  0.778746,  0.785343,  0.778746,  0.784792,
    0.824182, 0.831803, 0.824182};
#define MEAN_FACE_FIRST 17

/* The points the chip is fitted to: nose 27-35, eyes 36-47, outer upper lip
 * 48-54, inner upper lip 60-64. */
static int chip_uses_point(int i)
{
    if (i < 27) return 0;             /* jaw, brows */
    if (i >= 55 && i <= 59) return 0; /* outer lower lip */
    if (i >= 65) return 0;            /* inner lower lip */
    return 1;
}

face_point face_similarity_apply(const face_similarity *s, face_point p)
{
    face_point q = {s->a * p.x - s->b * p.y + s->tx, s->b * p.x + s->a * p.y + s->ty};
    return q;
}

face_point face_affine_apply(const face_affine *t, face_point p)
{
    face_point q = {t->m[0] * p.x + t->m[1] * p.y + t->m[2], t->m[3] * p.x + t->m[4] * p.y + t->m[5]};
    return q;
}

/*
 * Least squares over (a, b, tx, ty): the model is linear in them, so with
 * both point sets centred on their means (which fixes the translation) the
 * normal equations decouple:
 *   a = sum(sx dx + sy dy) / sum(sx^2 + sy^2)
 *   b = sum(sx dy - sy dx) / sum(sx^2 + sy^2)
 * This is also what Umeyama's method gives in 2-D when reflections are
 * excluded. Sums run in double over centred values, so large coordinates
 * lose nothing to cancellation.
 */
face_status face_similarity_fit(const face_point *src, const face_point *dst, int n,
                                face_similarity *out, face_err *err)
{
    if (!src || !dst || !out)
        return face_codec_fail(err, FACE_EINVAL, "similarity fit: NULL argument");
    if (n < 2)
        return face_codec_fail(err, FACE_EINVAL, "similarity fit: %d point pairs (need >= 2)", n);
    double msx = 0, msy = 0, mdx = 0, mdy = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(src[i].x) || !isfinite(src[i].y) || !isfinite(dst[i].x) ||
            !isfinite(dst[i].y))
            return face_codec_fail(err, FACE_EINVAL, "similarity fit: point pair %d is not finite",
                                   i);
        msx += src[i].x;
        msy += src[i].y;
        mdx += dst[i].x;
        mdy += dst[i].y;
    }
    msx /= n;
    msy /= n;
    mdx /= n;
    mdy /= n;
    double ss = 0, sa = 0, sb = 0;
    for (int i = 0; i < n; i++) {
        double sx = src[i].x - msx, sy = src[i].y - msy;
        double dx = dst[i].x - mdx, dy = dst[i].y - mdy;
        ss += sx * sx + sy * sy;
        sa += sx * dx + sy * dy;
        sb += sx * dy - sy * dx;
    }
    /* Relative test: the spread must be more than rounding noise of the mean. */
    double mag = fabs(msx) + fabs(msy) + 1.0;
    if (!(ss > 1e-20 * mag * mag * n))
        return face_codec_fail(err, FACE_EINVAL,
                               "similarity fit: the %d source points coincide (no unique fit)", n);
    face_similarity s;
    s.a = sa / ss;
    s.b = sb / ss;
    s.tx = mdx - (s.a * msx - s.b * msy);
    s.ty = mdy - (s.b * msx + s.a * msy);
    *out = s;
    return FACE_OK;
}

face_status face_chip_transform(const face_point *pts, int size, double padding,
                                face_affine *chip_to_image, face_err *err)
{
    if (!pts || !chip_to_image)
        return face_codec_fail(err, FACE_EINVAL, "chip transform: NULL argument");
    if (size < 2 || size > FACE_IMAGE_MAX_DIM)
        return face_codec_fail(err, FACE_EINVAL, "chip transform: size %d (need 2..%d)", size,
                               FACE_IMAGE_MAX_DIM);
    if (!(padding >= 0 && padding <= 10))
        return face_codec_fail(err, FACE_EINVAL, "chip transform: padding %g (need 0..10)",
                               padding);
    face_point chip[FACE_LANDMARK_COUNT], img[FACE_LANDMARK_COUNT]; /* [n] used */
    int n = 0;
    for (int i = MEAN_FACE_FIRST; i < FACE_LANDMARK_COUNT; i++) {
        if (!chip_uses_point(i)) continue;
        chip[n].x = (padding + mean_face_x[i - MEAN_FACE_FIRST]) / (2 * padding + 1) * size;
        chip[n].y = (padding + mean_face_y[i - MEAN_FACE_FIRST]) / (2 * padding + 1) * size;
        img[n] = pts[i];
        n++;
    }
    face_similarity s;
    face_status st = face_similarity_fit(chip, img, n, &s, err);
    if (st != FACE_OK) return st;

    /* dlib keeps only angle and scale of the fit, and the image of the chip
     * centre; the chip then spans a square of side size*scale - 1 between
     * the centres of its corner pixels. In chip pixel units that is a step
     * of (size*scale - 1) / (size - 1) image pixels, along the rotated axes. */
    double scale = hypot(s.a, s.b);
    if (!(scale > 0) || !isfinite(scale))
        return face_codec_fail(err, FACE_EINVAL, "chip transform: degenerate landmarks (scale %g)",
                               scale);
    double c = cos(atan2(s.b, s.a)), sn = sin(atan2(s.b, s.a));
    face_point centre = face_similarity_apply(&s, (face_point){size / 2.0, size / 2.0});
    double side = size * scale - 1.0;
    double step = side / (size - 1);
    double h = side / 2.0;
    /* image = centre + R (step x - h, step y - h) */
    chip_to_image->m[0] = c * step;
    chip_to_image->m[1] = -sn * step;
    chip_to_image->m[2] = centre.x - c * h + sn * h;
    chip_to_image->m[3] = sn * step;
    chip_to_image->m[4] = c * step;
    chip_to_image->m[5] = centre.y - sn * h - c * h;
    return FACE_OK;
}

/* One output pixel: bilinear at (x, y), taps outside the image are 0.
 * v: [out_channels]. */
static void sample_bilinear(const face_image *src, double x, double y, int out_channels, float *v)
{
    for (int k = 0; k < out_channels; k++) v[k] = 0.0f;
    /* Also rejects NaN; beyond this margin every tap is outside. The bound
     * keeps floor() well inside int range. */
    if (!(x > -1.0 && y > -1.0 && x < (double)src->w && y < (double)src->h)) return;
    int x0 = (int)floor(x), y0 = (int)floor(y);
    double fx = x - x0, fy = y - y0;
    double wt[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
    int tx[4] = {x0, x0 + 1, x0, x0 + 1};
    int ty[4] = {y0, y0, y0 + 1, y0 + 1};
    int ch = src->channels;
    double acc[3] = {0, 0, 0};
    for (int t = 0; t < 4; t++) {
        if (tx[t] < 0 || ty[t] < 0 || tx[t] >= src->w || ty[t] >= src->h) continue;
        const uint8_t *p = src->px + ((size_t)ty[t] * (size_t)src->w + (size_t)tx[t]) * (size_t)ch;
        for (int k = 0; k < ch; k++) acc[k] += wt[t] * p[k];
    }
    if (ch == 1)
        for (int k = 0; k < out_channels; k++) v[k] = (float)acc[0];
    else
        for (int k = 0; k < 3; k++) v[k] = (float)acc[k];
}

static face_status check_warp_args(const face_image *src, const face_affine *t, int out_w,
                                   int out_h, int out_channels, const void *out, face_err *err)
{
    if (!src || !t || !out || !src->px)
        return face_codec_fail(err, FACE_EINVAL, "warp: NULL argument");
    if (src->w <= 0 || src->h <= 0 || (src->channels != 1 && src->channels != 3))
        return face_codec_fail(err, FACE_EINVAL, "warp: source %dx%d with %d channels", src->w,
                               src->h, src->channels);
    if (out_channels != src->channels && !(src->channels == 1 && out_channels == 3))
        return face_codec_fail(err, FACE_EINVAL,
                               "warp: %d output channels from a %d-channel image", out_channels,
                               src->channels);
    for (int i = 0; i < 6; i++)
        if (!isfinite(t->m[i]))
            return face_codec_fail(err, FACE_EINVAL, "warp: transform entry %d is not finite", i);
    return face_image_check_size((uint64_t)(out_w > 0 ? out_w : 0),
                                 (uint64_t)(out_h > 0 ? out_h : 0), "warp output", err);
}

face_status face_warp_affine_f32(const face_image *src, const face_affine *dst_to_src, int out_w,
                                 int out_h, int out_channels, float *out, face_err *err)
{
    face_status st = check_warp_args(src, dst_to_src, out_w, out_h, out_channels, out, err);
    if (st != FACE_OK) return st;
    const double *m = dst_to_src->m;
    for (int v = 0; v < out_h; v++)
        for (int u = 0; u < out_w; u++) {
            double x = m[0] * u + m[1] * v + m[2];
            double y = m[3] * u + m[4] * v + m[5];
            sample_bilinear(src, x, y, out_channels,
                            out + ((size_t)v * (size_t)out_w + (size_t)u) * (size_t)out_channels);
        }
    return FACE_OK;
}

face_status face_warp_affine(const face_image *src, const face_affine *dst_to_src, int out_w,
                             int out_h, int out_channels, face_image *out, face_err *err)
{
    face_status st = check_warp_args(src, dst_to_src, out_w, out_h, out_channels, out, err);
    if (st != FACE_OK) return st;
    face_image img;
    st = face_image_alloc(&img, (uint64_t)out_w, (uint64_t)out_h, out_channels, "warp output",
                          err);
    if (st != FACE_OK) return st;
    const double *m = dst_to_src->m;
    float v3[3];
    for (int v = 0; v < out_h; v++)
        for (int u = 0; u < out_w; u++) {
            double x = m[0] * u + m[1] * v + m[2];
            double y = m[3] * u + m[4] * v + m[5];
            sample_bilinear(src, x, y, out_channels, v3);
            uint8_t *p = img.px + ((size_t)v * (size_t)out_w + (size_t)u) * (size_t)out_channels;
            for (int k = 0; k < out_channels; k++) {
                /* Values are convex combinations of 0..255: only rounding is left. */
                long r = lround(v3[k]);
                p[k] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
            }
        }
    *out = img;
    return FACE_OK;
}

/* Half the image: each output pixel the rounded mean of a 2x2 block
 * (an odd last row or column is dropped). Output pixel (i, j) is centred on
 * input point (2i + 0.5, 2j + 0.5). */
static face_status halve(const face_image *src, face_image *out, face_err *err)
{
    face_status st = face_image_alloc(out, (uint64_t)(src->w / 2), (uint64_t)(src->h / 2),
                                      src->channels, "pyramid level", err);
    if (st != FACE_OK) return st;
    const size_t ch = (size_t)src->channels, row = (size_t)src->w * ch;
    for (int y = 0; y < out->h; y++)
        for (int x = 0; x < out->w; x++)
            for (size_t c = 0; c < ch; c++) {
                const uint8_t *p = src->px + (size_t)(2 * y) * row + (size_t)(2 * x) * ch + c;
                unsigned s = (unsigned)p[0] + p[ch] + p[row] + p[row + ch];
                out->px[((size_t)y * (size_t)out->w + (size_t)x) * ch + c] = (uint8_t)((s + 2) / 4);
            }
    return FACE_OK;
}

face_status face_warp_affine_pyramid(const face_image *src, const face_affine *dst_to_src,
                                     int out_w, int out_h, int out_channels, face_image *out,
                                     face_err *err)
{
    face_status st = check_warp_args(src, dst_to_src, out_w, out_h, out_channels, out, err);
    if (st != FACE_OK) return st;
    face_affine t = *dst_to_src;
    /* the largest distance in the source between neighbouring output pixels */
    double step = fmax(hypot(t.m[0], t.m[3]), hypot(t.m[1], t.m[4]));
    if (!(step > 2.0)) return face_warp_affine(src, &t, out_w, out_h, out_channels, out, err);

    /* Levels to take: dlib's rule, halve while the step is over 2. */
    int levels = 0;
    for (double s = step; s > 2.0 && levels < 30; s /= 2) levels++;

    /* Only the part of src the output can reach (its corners' bounding box,
     * plus a margin for the bilinear taps of every level) is halved. Its
     * origin is a multiple of 2^levels, so every level's grid is the one the
     * whole image's pyramid would have. */
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    const double cu[4] = {0, out_w - 1.0, 0, out_w - 1.0}, cv[4] = {0, 0, out_h - 1.0, out_h - 1.0};
    for (int k = 0; k < 4; k++) {
        face_point p = face_affine_apply(&t, (face_point){cu[k], cv[k]});
        x0 = fmin(x0, p.x);
        x1 = fmax(x1, p.x);
        y0 = fmin(y0, p.y);
        y1 = fmax(y1, p.y);
    }
    const double grid = (double)(1L << levels), margin = 2.0 * step + grid + 4.0;
    double fx0 = fmax(0.0, floor((x0 - margin) / grid) * grid);
    double fy0 = fmax(0.0, floor((y0 - margin) / grid) * grid);
    double fx1 = fmin((double)src->w, ceil(x1 + margin));
    double fy1 = fmin((double)src->h, ceil(y1 + margin));
    if (!(fx1 - fx0 >= 2 && fy1 - fy0 >= 2)) /* nothing of src is reached */
        return face_warp_affine(src, &t, out_w, out_h, out_channels, out, err);
    int rx = (int)fx0, ry = (int)fy0, rw = (int)(fx1 - fx0), rh = (int)(fy1 - fy0);

    face_image level;
    st = face_image_alloc(&level, (uint64_t)rw, (uint64_t)rh, src->channels, "pyramid region", err);
    if (st != FACE_OK) return st;
    const size_t ch = (size_t)src->channels;
    for (int y = 0; y < rh; y++)
        memcpy(level.px + (size_t)y * (size_t)rw * ch,
               src->px + ((size_t)(ry + y) * (size_t)src->w + (size_t)rx) * ch, (size_t)rw * ch);
    t.m[2] -= rx;
    t.m[5] -= ry;
    for (int l = 0; l < levels && level.w >= 2 && level.h >= 2; l++) {
        face_image half;
        st = halve(&level, &half, err);
        face_image_free(&level);
        if (st != FACE_OK) return st;
        level = half;
        /* point x in the bigger image is (x - 0.5) / 2 in the half */
        for (int r = 0; r < 2; r++) {
            t.m[3 * r + 0] /= 2;
            t.m[3 * r + 1] /= 2;
            t.m[3 * r + 2] = (t.m[3 * r + 2] - 0.5) / 2;
        }
    }
    st = face_warp_affine(&level, &t, out_w, out_h, out_channels, out, err);
    face_image_free(&level);
    return st;
}

face_status face_landmark_input(const face_image *img, double x, double y, double w, double h,
                                float *out, face_err *err)
{
    if (!(isfinite(x) && isfinite(y) && w > 0 && h > 0 && isfinite(w) && isfinite(h)))
        return face_codec_fail(err, FACE_EINVAL, "landmark input: box %g,%g %gx%g is not usable",
                               x, y, w, h);
    face_affine t = {{w / FACE_LANDMARK_INPUT, 0, x, 0, h / FACE_LANDMARK_INPUT, y}};
    return face_warp_affine_f32(img, &t, FACE_LANDMARK_INPUT, FACE_LANDMARK_INPUT, 3, out, err);
}

void face_landmarks_from_net(const float *net_out, double x, double y, double w, double h,
                             face_point *pts)
{
    for (int i = 0; i < FACE_LANDMARK_COUNT; i++) {
        pts[i].x = x + net_out[2 * i] * w;
        pts[i].y = y + net_out[2 * i + 1] * h;
    }
}

face_status face_align_chip(const face_image *img, const face_point *pts, face_image *chip,
                            face_err *err)
{
    if (!img || !pts || !chip) return face_codec_fail(err, FACE_EINVAL, "align chip: NULL argument");
    face_affine t;
    face_status st = face_chip_transform(pts, FACE_CHIP_SIZE, FACE_CHIP_PADDING, &t, err);
    if (st != FACE_OK) return st;
    return face_warp_affine_pyramid(img, &t, FACE_CHIP_SIZE, FACE_CHIP_SIZE, 3, chip, err);
}
