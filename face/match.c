/*
 * match.c - exact nearest-neighbour search over a gallery, per-person best
 * distance, top-k, and the known/unknown decision.
 *
 * Distances are summed in 8 interleaved partial sums (element j goes to sum
 * j % 8), then the partial sums are added pairwise. That order is fixed, so
 * results do not depend on the compiler, and it lets the compiler vectorise
 * the loop without -ffast-math (each partial sum is one SIMD lane).
 * Both sum in float; cosine redoes a sum that overflows in double.
 */
#include "face/gallery_internal.h"

#include <math.h>
#include <stdio.h>

#define LANES 8

static float sum_lanes(const float *s)
{
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static double sum_lanes_d(const double *s)
{
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* Euclidean sums in float: 128-D embeddings are small numbers, and a sum
 * that overflows (|x| > 1.8e19) gives +inf, which still ranks as farthest. */
static float euclidean(const float *a, const float *b, int dim)
{
    float s[LANES] = {0};
    int j = 0;
    for (; j + LANES <= dim; j += LANES)
        for (int l = 0; l < LANES; l++) {
            float d = a[j + l] - b[j + l];
            s[l] += d * d;
        }
    for (int l = 0; j < dim; j++, l++) {
        float d = a[j] - b[j];
        s[l] += d * d;
    }
    return sqrtf(sum_lanes(s));
}

static float cosine_from_sums(double ab, double na, double nb)
{
    if (na <= 0.0 || nb <= 0.0) return 1.0f; /* a zero vector has no direction */
    double d = 1.0 - ab / (sqrt(na) * sqrt(nb));
    /* Rounding can step just outside the range. */
    if (d < 0.0) d = 0.0;
    if (d > 2.0) d = 2.0;
    return (float)d;
}

/* The same sums in double: squares of any finite float fit. */
static float cosine_f64(const float *a, const float *b, int dim)
{
    double ab[LANES] = {0}, aa[LANES] = {0}, bb[LANES] = {0};
    int j = 0;
    for (; j + LANES <= dim; j += LANES)
        for (int l = 0; l < LANES; l++) {
            ab[l] += (double)a[j + l] * b[j + l];
            aa[l] += (double)a[j + l] * a[j + l];
            bb[l] += (double)b[j + l] * b[j + l];
        }
    for (int l = 0; j < dim; j++, l++) {
        ab[l] += (double)a[j] * b[j];
        aa[l] += (double)a[j] * a[j];
        bb[l] += (double)b[j] * b[j];
    }
    return cosine_from_sums(sum_lanes_d(ab), sum_lanes_d(aa), sum_lanes_d(bb));
}

/* Cosine sums in float (fast, and precise enough: relative error about
 * dim * 2^-24); components over ~1.8e19 overflow a float sum, and such
 * vectors are redone in double rather than giving inf/inf = NaN. */
static float cosine(const float *a, const float *b, int dim)
{
    float ab[LANES] = {0}, aa[LANES] = {0}, bb[LANES] = {0};
    int j = 0;
    for (; j + LANES <= dim; j += LANES)
        for (int l = 0; l < LANES; l++) {
            ab[l] += a[j + l] * b[j + l];
            aa[l] += a[j + l] * a[j + l];
            bb[l] += b[j + l] * b[j + l];
        }
    for (int l = 0; j < dim; j++, l++) {
        ab[l] += a[j] * b[j];
        aa[l] += a[j] * a[j];
        bb[l] += b[j] * b[j];
    }
    float sab = sum_lanes(ab), saa = sum_lanes(aa), sbb = sum_lanes(bb);
    if (!isfinite(sab) || !isfinite(saa) || !isfinite(sbb)) return cosine_f64(a, b, dim);
    return cosine_from_sums(sab, saa, sbb);
}

float face_distance(const float *a, const float *b, int dim, face_metric metric)
{
    return metric == FACE_METRIC_COSINE ? cosine(a, b, dim) : euclidean(a, b, dim);
}

face_status face_gallery_match(const face_gallery *g, const float *query, face_metric metric,
                               face_match *out, size_t k, size_t *n_out, face_err *err)
{
    if (!g || !query || !n_out || (k && !out)) {
        if (err) snprintf(err->msg, sizeof err->msg, "gallery, query or output is NULL");
        return FACE_EINVAL;
    }
    if (metric != FACE_METRIC_EUCLIDEAN && metric != FACE_METRIC_COSINE) {
        if (err) snprintf(err->msg, sizeof err->msg, "unknown metric %d", (int)metric);
        return FACE_EINVAL;
    }
    for (int j = 0; j < g->dim; j++)
        if (!isfinite(query[j])) {
            if (err) snprintf(err->msg, sizeof err->msg, "query[%d] is not finite", j);
            return FACE_EINVAL;
        }
    /*
     * One pass keeps the k best people seen so far, sorted, each at their
     * best entry so far. A person dropped from the list had k others at
     * least as near, and those only get nearer, so they cannot belong to the
     * final top k; their later entries are judged afresh. Person names are
     * interned, so the name pointer identifies the person.
     */
    size_t n = 0;
    for (size_t i = 0; i < g->count; i++) {
        float d = face_distance(query, g->emb + i * (size_t)g->dim, g->dim, metric);
        const char *name = g->names[g->person[i]];
        size_t j = 0;
        while (j < n && out[j].name != name) j++;
        if (j < n) {
            if (!(d < out[j].distance)) continue;
        } else if (n < k) {
            j = n++;
        } else if (n > 0 && d < out[n - 1].distance) {
            j = n - 1;
        } else {
            continue;
        }
        /* Slide the improved or new match up past those strictly farther:
         * ties keep the earlier entry first. */
        while (j > 0 && out[j - 1].distance > d) {
            out[j] = out[j - 1];
            j--;
        }
        out[j].name = name;
        out[j].entry = i;
        out[j].distance = d;
    }
    *n_out = n;
    return FACE_OK;
}

const char *face_match_decide(const face_match *best, size_t n, float threshold)
{
    if (!best || n == 0 || !(best[0].distance < threshold)) return "unknown";
    return best[0].name;
}
