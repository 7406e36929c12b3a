/*
 * golden.h - read golden tensor files and compare kernel output with them.
 * Test code only: static inline functions, so any tests/test_*.c may include
 * it and use any subset without unused-function warnings.
 *
 * File format (written by tests/gen_ops_golden.py; all integers little-endian,
 * read byte by byte so the reader works on any endianness and alignment):
 *     magic   8 bytes  "FNGOLD1\n"
 *     count   u32      number of tensors (<= GOLDEN_MAX_TENSORS)
 *     count records:
 *       name_len u32 (1..GOLDEN_NAME_MAX), name bytes
 *       dtype    u32  0 = float32, 1 = int32
 *       ndim     u32  1..GOLDEN_MAX_DIMS
 *       dims     ndim x u32, each >= 1, product <= GOLDEN_MAX_ELEMS
 *       data     product x 4 bytes
 *     nothing after the last record.
 *
 * Tolerance used by golden_compare for element i (u = 2^-23, float's epsilon):
 *     tol_i = k * u * mag_i + ulps * u * |want_i|   (+ FLT_MIN if tol_i > 0)
 * mag_i is the float64 sum of the magnitudes of the terms that make output i
 * (stored by the generator as NAME.mag), k the number of roundings on the way
 * (the reduction length plus the few extra operations). With k = ulps = 0 the
 * comparison is exact (bit for bit up to the sign of zero). FLT_MIN stops
 * results below the normal range (e.g. sigmoid(-100)) from failing on
 * denormal noise. A NaN in got always fails.
 */
#ifndef FACENET_TESTS_GOLDEN_H
#define FACENET_TESTS_GOLDEN_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_NAME_MAX 255
#define GOLDEN_MAX_DIMS 6
#define GOLDEN_MAX_TENSORS 4096
#define GOLDEN_MAX_ELEMS (1u << 22)
#define GOLDEN_MAX_FILE (64L << 20)

enum { GOLDEN_F32 = 0, GOLDEN_I32 = 1 };

typedef struct golden_tensor {
    char name[GOLDEN_NAME_MAX + 1];
    int dtype;                  /* GOLDEN_F32 or GOLDEN_I32 */
    int ndim;
    int dims[GOLDEN_MAX_DIMS];  /* [ndim], outermost first */
    size_t count;               /* product of dims */
    float *f;                   /* [count] if dtype == GOLDEN_F32, else NULL */
    int32_t *i;                 /* [count] if dtype == GOLDEN_I32, else NULL */
} golden_tensor;

typedef struct golden_file {
    golden_tensor *t;  /* [n] in file order */
    int n;
} golden_file;

static inline uint32_t golden_u32le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void golden_free(golden_file *g)
{
    if (!g->t) return;
    for (int k = 0; k < g->n; k++) {
        free(g->t[k].f);
        free(g->t[k].i);
    }
    free(g->t);
    g->t = NULL;
    g->n = 0;
}

/* Loads path into *g. Returns 0, or -1 after printing why (file, offset,
 * value, rule) to stderr; *g is then empty. */
static inline int golden_load(const char *path, golden_file *g)
{
    g->t = NULL;
    g->n = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "%s: cannot open (run tests from the repository root)\n", path);
        return -1;
    }
    unsigned char *buf = NULL;
    long size = -1;
    if (fseek(fp, 0, SEEK_END) == 0) size = ftell(fp);
    if (size < 12 || size > GOLDEN_MAX_FILE || fseek(fp, 0, SEEK_SET) != 0) {
        fprintf(stderr, "%s: size %ld not in [12, %ld]\n", path, size, GOLDEN_MAX_FILE);
        fclose(fp);
        return -1;
    }
    buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, fp) != (size_t)size) {
        fprintf(stderr, "%s: cannot read %ld bytes\n", path, size);
        free(buf);
        fclose(fp);
        return -1;
    }
    fclose(fp);

    const size_t len = (size_t)size;
    size_t off = 0;
    const char *why = NULL;
    uint32_t seen = 0;
    if (memcmp(buf, "FNGOLD1\n", 8) != 0) {
        why = "magic is not FNGOLD1";
        goto bad;
    }
    seen = golden_u32le(buf + 8);
    off = 12;
    if (seen > GOLDEN_MAX_TENSORS) {
        why = "tensor count over GOLDEN_MAX_TENSORS";
        goto bad;
    }
    g->t = calloc(seen ? seen : 1, sizeof *g->t);
    if (!g->t) {
        why = "out of memory";
        goto bad;
    }
    for (uint32_t k = 0; k < seen; k++) {
        golden_tensor *t = &g->t[k];
        g->n = (int)k + 1;
        if (len - off < 4) { why = "truncated name_len"; goto bad; }
        const uint32_t nl = golden_u32le(buf + off);
        if (nl < 1 || nl > GOLDEN_NAME_MAX) { seen = nl; why = "name_len not in 1..255"; goto bad; }
        off += 4;
        if (len - off < nl + 8) { why = "truncated name/dtype/ndim"; goto bad; }
        memcpy(t->name, buf + off, nl);
        t->name[nl] = '\0';
        off += nl;
        const uint32_t dt = golden_u32le(buf + off);
        const uint32_t nd = golden_u32le(buf + off + 4);
        if (dt > 1) { seen = dt; why = "dtype not 0 or 1"; goto bad; }
        if (nd < 1 || nd > GOLDEN_MAX_DIMS) { seen = nd; why = "ndim not in 1..6"; goto bad; }
        off += 8;
        if (len - off < 4 * (size_t)nd) { why = "truncated dims"; goto bad; }
        t->dtype = (int)dt;
        t->ndim = (int)nd;
        t->count = 1;
        for (uint32_t d = 0; d < nd; d++) {
            const uint32_t v = golden_u32le(buf + off + 4 * d);
            if (v < 1 || v > GOLDEN_MAX_ELEMS || t->count * v > GOLDEN_MAX_ELEMS) {
                seen = v;
                why = "dim is 0 or element count over GOLDEN_MAX_ELEMS";
                goto bad;
            }
            t->dims[d] = (int)v;
            t->count *= v;
        }
        off += 4 * (size_t)nd;
        if (len - off < 4 * t->count) { why = "truncated data"; goto bad; }
        if (dt == GOLDEN_F32) {
            t->f = malloc(t->count * sizeof *t->f);
            if (!t->f) { why = "out of memory"; goto bad; }
            for (size_t e = 0; e < t->count; e++) {
                const uint32_t bits = golden_u32le(buf + off + 4 * e);
                memcpy(&t->f[e], &bits, 4);
            }
        } else {
            t->i = malloc(t->count * sizeof *t->i);
            if (!t->i) { why = "out of memory"; goto bad; }
            for (size_t e = 0; e < t->count; e++) {
                const uint32_t bits = golden_u32le(buf + off + 4 * e);
                /* two's complement without implementation-defined conversion */
                t->i[e] = bits < 0x80000000u ? (int32_t)bits
                                             : -(int32_t)(0xffffffffu - bits) - 1;
            }
        }
        off += 4 * t->count;
    }
    if (off != len) {
        seen = (uint32_t)(len - off);
        why = "bytes left after the last record";
        goto bad;
    }
    free(buf);
    return 0;
bad:
    fprintf(stderr, "%s: offset %zu: %s (value seen %lu)\n", path, off, why, (unsigned long)seen);
    free(buf);
    golden_free(g);
    return -1;
}

/* The tensor called name, or NULL. */
static inline const golden_tensor *golden_find(const golden_file *g, const char *name)
{
    for (int k = 0; k < g->n; k++)
        if (strcmp(g->t[k].name, name) == 0) return &g->t[k];
    return NULL;
}

/* Like golden_find with name = prefix + suffix. */
static inline const golden_tensor *golden_get(const golden_file *g, const char *prefix,
                                              const char *suffix)
{
    char name[2 * GOLDEN_NAME_MAX + 2];
    snprintf(name, sizeof name, "%s%s", prefix, suffix);
    return golden_find(g, name);
}

/* Compares got[0..want->count) with want (float32) using the tolerance in the
 * head comment; mag may be NULL (then only the ulps term applies). Prints one
 * line: label, the worst element (flat index and its index per dimension of
 * want), got, want, |diff| and tol. Returns the number of elements out of
 * tolerance (0 = pass). */
static inline size_t golden_compare(const char *label, const float *got,
                                    const golden_tensor *want, const golden_tensor *mag,
                                    double k, double ulps)
{
    const double u = FLT_EPSILON;
    size_t bad = 0, worst = 0;
    double worst_ratio = -1.0, worst_tol = 0.0;
    if (want->dtype != GOLDEN_F32 || (mag && (mag->dtype != GOLDEN_F32 || mag->count != want->count))) {
        printf("FAIL %s: golden tensor %s has the wrong type or size\n", label, want->name);
        return want->count ? want->count : 1;
    }
    for (size_t e = 0; e < want->count; e++) {
        const double w = want->f[e];
        const double d = fabs((double)got[e] - w);
        double tol = k * u * (mag ? fabs((double)mag->f[e]) : 0.0) + ulps * u * fabs(w);
        if (tol > 0.0) tol += FLT_MIN;
        double ratio;
        if (isnan(got[e]) || !(d <= tol))
            ratio = isnan(got[e]) ? INFINITY : (tol > 0.0 ? d / tol : INFINITY);
        else
            ratio = tol > 0.0 ? d / tol : 0.0;
        const int fails = isnan(got[e]) || !(d <= tol);
        if (fails) bad++;
        if (ratio > worst_ratio) {
            worst_ratio = ratio;
            worst = e;
            worst_tol = tol;
        }
    }
    char where[96] = "";
    size_t rest = worst;
    int pos = (int)sizeof where - 1;
    where[pos] = '\0';
    for (int d = want->ndim - 1; d >= 0; d--) {
        char part[16];
        const int n = snprintf(part, sizeof part, "%zu%s", rest % (size_t)want->dims[d],
                               d == want->ndim - 1 ? "" : ",");
        rest /= (size_t)want->dims[d];
        if (n <= 0 || n >= pos) break;
        pos -= n;
        memcpy(where + pos, part, (size_t)n);
    }
    printf("%s %-36s n=%-5zu worst [%s] got %.9g want %.9g |d| %.3g tol %.3g\n",
           bad ? "FAIL" : "ok  ", label, want->count, where + pos, (double)got[worst],
           (double)want->f[worst], fabs((double)got[worst] - (double)want->f[worst]), worst_tol);
    if (bad) printf("     %s: %zu of %zu elements out of tolerance\n", label, bad, want->count);
    return bad;
}

#endif
