/*
 * test_detect.c - the Viola-Jones detector against OpenCV 4.6.
 *
 * Goldens come from tests/gen_detect_golden.py (cv2.CascadeClassifier,
 * cv2.integral3, cv2.resize INTER_LINEAR_EXACT) in tests/golden/detect_golden.txt.
 * The photos are never in the repository: the script writes their gray
 * versions (decoded by OpenCV) as PGM into build/detect_gray/, and the test
 * checks each one's FNV-1a-64 against the golden file before comparing boxes.
 * When the photos or Debian's cascades are absent, those tests say so and skip.
 *
 * Hand cases: integral images, groupRectangles, cascade encode/decode,
 * corrupt and truncated cascade files; every SIMD kernel against the scalar
 * reference; results independent of the thread count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "face/face.h"
#include "ops/ops.h"
#include "tools/cascade_xml.h"

#define GOLDEN "tests/golden/detect_golden.txt"

/* Under AddressSanitizer the big photos (>= 1000 px wide) are left out: the
 * sanitizer checks memory safety, which the smaller ones exercise through the
 * same code; the plain and scalar builds compare every photo. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif
#define GRAY_DIR "build/detect_gray"
#define CASCADE_DIR "/usr/share/opencv4/haarcascades/"

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static const char *cascade_path(const char *name)
{
    if (!strcmp(name, "default")) return CASCADE_DIR "haarcascade_frontalface_default.xml";
    if (!strcmp(name, "alt")) return CASCADE_DIR "haarcascade_frontalface_alt.xml";
    if (!strcmp(name, "alt2")) return CASCADE_DIR "haarcascade_frontalface_alt2.xml";
    if (!strcmp(name, "eye")) return CASCADE_DIR "haarcascade_eye.xml";
    return NULL;
}

/* ---- the golden file ----------------------------------------------------------- */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = 0;
    fclose(f);
    return buf;
}

/* Next line of a text (modified in place), NULL at the end. */
static char *next_line(char **cur)
{
    if (!*cur || !**cur) return NULL;
    char *line = *cur, *nl = strchr(line, '\n');
    if (nl) {
        *nl = 0;
        *cur = nl + 1;
    } else {
        *cur = line + strlen(line);
    }
    return line;
}

/* ---- integral images -------------------------------------------------------------- */

static uint8_t fixed_px(int x, int y)
{
    return (uint8_t)((x * 37 + y * 91 + x * y * 13) % 256);
}

static void test_integral_hand(void **state)
{
    (void)state;
    /* 3x2 image:  1 2 3
     *             4 5 6   */
    const uint8_t img[6] = {1, 2, 3, 4, 5, 6};
    int32_t sum[12], tilted[12];
    uint32_t sq[12];
    assert_int_equal(face_integral(img, 3, 2, 3, sum, sq, tilted), FACE_OK);
    const int32_t want_sum[12] = {0, 0, 0, 0, 0, 1, 3, 6, 0, 5, 12, 21};
    const uint32_t want_sq[12] = {0, 0, 0, 0, 0, 1, 5, 14, 0, 17, 46, 91};
    /* tilted(X,Y) = sum of img(x,y), y < Y, |x - X + 1| <= Y - y - 1:
     * row 1: img(X-1, 0); row 2: img(X-1, 1) + img(X-2..X, 0). */
    const int32_t want_tilted[12] = {0, 0, 0, 0, 0, 1, 2, 3, 1, 4 + 3, 5 + 6, 6 + 5};
    for (int i = 0; i < 12; i++) {
        assert_int_equal(sum[i], want_sum[i]);
        assert_int_equal(sq[i], want_sq[i]);
        assert_int_equal(tilted[i], want_tilted[i]);
    }
}

/* The squared sums of a bright image overflow 32 bits; window differences
 * must still be exact, as in OpenCV's CV_32S sqsum. */
static void test_integral_sqsum_wraps(void **state)
{
    (void)state;
    const int w = 300, h = 300;
    uint8_t *img = malloc((size_t)w * h);
    int32_t *sum = malloc((size_t)(w + 1) * (h + 1) * sizeof *sum);
    uint32_t *sq = malloc((size_t)(w + 1) * (h + 1) * sizeof *sq);
    memset(img, 255, (size_t)w * h);
    assert_int_equal(face_integral(img, w, h, (size_t)w, sum, sq, NULL), FACE_OK);
    /* whole image: 90000 * 65025 = 5852250000 > 2^32 */
    assert_int_equal(sq[(size_t)h * (w + 1) + w], (uint32_t)(5852250000ull & 0xffffffffu));
    size_t s = (size_t)(w + 1);
    uint32_t win = sq[(size_t)290 * s + 290] - sq[(size_t)290 * s + 10] - sq[(size_t)10 * s + 290] + sq[(size_t)10 * s + 10];
    assert_int_equal(win, 280u * 280u * 65025u);
    free(img);
    free(sum);
    free(sq);
}

static void test_integral_tilted_golden(void **state)
{
    (void)state;
    char *text = read_text(GOLDEN);
    assert_non_null(text);
    char *cur = text, *line;
    int seen = 0;
    while ((line = next_line(&cur))) {
        if (strncmp(line, "tilted ", 7) != 0) continue;
        char *p = line + 7;
        int w = (int)strtol(p, &p, 10), h = (int)strtol(p, &p, 10);
        uint8_t *img = malloc((size_t)w * h);
        int32_t *sum = malloc((size_t)(w + 1) * (h + 1) * sizeof *sum);
        int32_t *t = malloc((size_t)(w + 1) * (h + 1) * sizeof *t);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img[(size_t)y * w + x] = fixed_px(x, y);
        assert_int_equal(face_integral(img, w, h, (size_t)w, sum, NULL, t), FACE_OK);
        for (int i = 0; i < (w + 1) * (h + 1); i++) {
            long want = strtol(p, &p, 10);
            if (t[i] != want) fail_msg("tilted %dx%d: element %d is %d, OpenCV %ld", w, h, i, t[i], want);
        }
        free(img);
        free(sum);
        free(t);
        seen++;
    }
    free(text);
    assert_true(seen >= 3);
}

static void test_resize_golden(void **state)
{
    (void)state;
    char *text = read_text(GOLDEN);
    assert_non_null(text);
    char *cur = text, *line;
    int seen = 0;
    while ((line = next_line(&cur))) {
        if (strncmp(line, "resize ", 7) != 0) continue;
        char *p = line + 7;
        int sw = (int)strtol(p, &p, 10), sh = (int)strtol(p, &p, 10);
        int dw = (int)strtol(p, &p, 10), dh = (int)strtol(p, &p, 10);
        uint8_t *src = malloc((size_t)sw * sh), *dst = malloc((size_t)dw * dh);
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++) src[(size_t)y * sw + x] = fixed_px(x, y);
        assert_int_equal(face_resize_gray_exact(src, sw, sh, (size_t)sw, dst, dw, dh), FACE_OK);
        for (int i = 0; i < dw * dh; i++) {
            long want = strtol(p, &p, 10);
            if (dst[i] != want)
                fail_msg("resize %dx%d -> %dx%d: pixel (%d,%d) is %d, OpenCV %ld", sw, sh, dw, dh, i % dw,
                         i / dw, dst[i], want);
        }
        free(src);
        free(dst);
        seen++;
    }
    free(text);
    assert_true(seen >= 4);
}

/* ---- groupRectangles --------------------------------------------------------------- */

static void test_group_hand(void **state)
{
    (void)state;
    face_rect r[7] = {
        {100, 100, 50, 50}, {102, 101, 50, 50}, {101, 99, 52, 52}, /* cluster A, 3 members */
        {300, 300, 40, 40},                                         /* a lone box */
        {110, 110, 20, 20}, {111, 110, 20, 20}, {111, 111, 20, 20}, /* cluster B inside A, 3 */
    };
    int nb[7], n = -1;
    assert_int_equal(face_group_rects(r, 7, 1, 0.2, nb, &n), FACE_OK);
    /* A: sums 303 300 152 152 over 3 -> 101, 100, 50.67 -> 51, 51. The lone
     * box has 1 member (<= 1): dropped. B lies inside A, but A's 3 members
     * are not more than max(3, 3): B stays. */
    assert_int_equal(n, 2);
    assert_int_equal(r[0].x, 101);
    assert_int_equal(r[0].y, 100);
    assert_int_equal(r[0].w, 51);
    assert_int_equal(r[0].h, 51);
    assert_int_equal(nb[0], 3);
    assert_int_equal(r[1].x, 111); /* 332/3 */
    assert_int_equal(r[1].y, 110); /* 331/3 */
    assert_int_equal(nb[1], 3);

    /* A with 4 members removes B (4 > max(3, 3)). */
    face_rect q[7] = {{100, 100, 50, 50}, {102, 101, 50, 50}, {101, 99, 52, 52}, {100, 100, 50, 50},
                      {110, 110, 20, 20}, {111, 110, 20, 20}, {111, 111, 20, 20}};
    assert_int_equal(face_group_rects(q, 7, 1, 0.2, NULL, &n), FACE_OK);
    assert_int_equal(n, 1);
    /* A cluster of fewer than 3 inside a kept one goes too (n1 < 3). */
    face_rect t[5] = {{100, 100, 50, 50}, {102, 101, 50, 50}, {101, 99, 52, 52}, {110, 110, 20, 20},
                      {111, 110, 20, 20}};
    assert_int_equal(face_group_rects(t, 5, 1, 0.2, NULL, &n), FACE_OK);
    assert_int_equal(n, 1);
    /* Averages round half to even: (110 + 111) / 2 = 110.5 -> 110. */
    face_rect h[2] = {{110, 0, 20, 20}, {111, 0, 20, 20}};
    assert_int_equal(face_group_rects(h, 2, 1, 0.2, NULL, &n), FACE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].x, 110);
    /* threshold 0: untouched */
    face_rect z[2] = {{1, 2, 3, 4}, {1, 2, 3, 4}};
    assert_int_equal(face_group_rects(z, 2, 0, 0.2, NULL, &n), FACE_OK);
    assert_int_equal(n, 2);
    /* Similarity is transitive through chains (connected components):
     * a~b and b~c but not a~c still gives one group, averaged. */
    face_rect c[3] = {{0, 0, 100, 100}, {19, 0, 100, 100}, {38, 0, 100, 100}};
    assert_int_equal(face_group_rects(c, 3, 2, 0.2, nb, &n), FACE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(c[0].x, 19);
    assert_int_equal(nb[0], 3);
}

/* ---- cascades -------------------------------------------------------------------- */

static face_cascade *load_xml(const char *name)
{
    const char *path = cascade_path(name);
    face_cascade *c = NULL;
    face_err err = {{0}};
    if (!path || !file_exists(path)) return NULL;
    if (tools_cascade_load_any(path, &c, &err) != FACE_OK) fail_msg("%s: %s", path, err.msg);
    return c;
}

static void test_cascade_roundtrip(void **state)
{
    (void)state;
    const char *names[] = {"default", "alt", "alt2", "eye"};
    const int want_stages[] = {25, 22, 20, 24};
    int done = 0;
    for (int i = 0; i < 4; i++) {
        face_cascade *c = load_xml(names[i]);
        if (!c) continue;
        const face_cascade_def *d = face_cascade_get_def(c);
        assert_int_equal(d->n_stages, want_stages[i]);
        uint8_t *bytes = NULL;
        size_t len = 0;
        face_err err = {{0}};
        assert_int_equal(face_cascade_encode(d, &bytes, &len, &err), FACE_OK);
        face_cascade *c2 = NULL;
        if (face_cascade_decode(bytes, len, &c2, &err) != FACE_OK) fail_msg("%s", err.msg);
        const face_cascade_def *e = face_cascade_get_def(c2);
        assert_int_equal(e->n_trees, d->n_trees);
        assert_int_equal(e->n_nodes, d->n_nodes);
        assert_memory_equal(e->nodes, d->nodes, (size_t)d->n_nodes * sizeof *d->nodes);
        assert_memory_equal(e->leaves, d->leaves, (size_t)(d->n_nodes + d->n_trees) * sizeof *d->leaves);
        assert_memory_equal(e->features, d->features, (size_t)d->n_features * sizeof *d->features);
        free(bytes);
        face_cascade_free(c);
        face_cascade_free(c2);
        done++;
    }
    if (!done) {
        print_message("SKIPPED: no cascades in " CASCADE_DIR " (install opencv-data)\n");
        skip();
    }
}

static void test_cascade_xml_errors(void **state)
{
    (void)state;
    face_cascade_def def;
    face_err err = {{0}};
    /* The old format (opencv-haar-classifier, <size> and <trees>) is refused by name. */
    const char *old = "<opencv_storage><haarcascade type_id=\"opencv-haar-classifier\"><size>20 20</size>"
                      "<stages><_><trees></trees></_></stages></haarcascade></opencv_storage>";
    assert_int_equal(tools_cascade_xml_parse(old, strlen(old), &def, &err), FACE_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "old-format"));
    const char *bad_cases[] = {
        "<opencv_storage><cascade><stageType>BOOST</stageType>",                        /* truncated */
        "<opencv_storage><cascade></opencv_storage>",                                    /* mismatched */
        "<opencv_storage><cascade><stageType>BOOST</stageType><featureType>LBP</featureType></cascade></opencv_storage>",
        "<a><cascade><stageType>BOOST</stageType><featureType>HAAR</featureType><width>24</width>"
        "<height>24</height><featureParams/><stages><_><stageThreshold>x</stageThreshold></_></stages>"
        "</cascade></a>",
        "",
    };
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        err.msg[0] = 0;
        face_status st = tools_cascade_xml_parse(bad_cases[i], strlen(bad_cases[i]), &def, &err);
        assert_int_not_equal(st, FACE_OK);
        assert_true(strlen(err.msg) > 10);
    }
}

/* Every truncation and many bit flips of a real cascade file are refused
 * with a message; none crashes (ASan watches). */
static void test_cascade_corrupt(void **state)
{
    (void)state;
    face_cascade *c = load_xml("alt2");
    if (!c) {
        print_message("SKIPPED: no cascades in " CASCADE_DIR "\n");
        skip();
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    face_err err = {{0}};
    assert_int_equal(face_cascade_encode(face_cascade_get_def(c), &bytes, &len, &err), FACE_OK);
    face_cascade *d = NULL;
    for (size_t cut = 0; cut < len; cut += cut < 200 ? 1 : 997) {
        err.msg[0] = 0;
        assert_int_not_equal(face_cascade_decode(bytes, cut, &d, &err), FACE_OK);
        assert_true(strlen(err.msg) > 10);
    }
    uint8_t *copy = malloc(len);
    for (size_t at = 0; at < len; at += 1 + at / 3) {
        memcpy(copy, bytes, len);
        copy[at] ^= 0x10;
        err.msg[0] = 0;
        assert_int_not_equal(face_cascade_decode(copy, len, &d, &err), FACE_OK);
        assert_true(strlen(err.msg) > 10);
    }
    /* Field checks behind the checksum: a def with a bad feature index or a
     * rectangle outside the window is refused by name. */
    face_cascade_def *dd = (face_cascade_def *)face_cascade_get_def(c);
    int keep = dd->nodes[5].feature;
    dd->nodes[5].feature = dd->n_features;
    uint8_t *b2 = NULL;
    size_t l2 = 0;
    assert_int_equal(face_cascade_encode(dd, &b2, &l2, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "node 5"));
    dd->nodes[5].feature = keep;
    int kx = dd->features[3].rect[0].x;
    dd->features[3].rect[0].x = dd->win_w;
    assert_int_equal(face_cascade_encode(dd, &b2, &l2, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "feature 3"));
    dd->features[3].rect[0].x = kx;
    free(copy);
    free(bytes);
    face_cascade_free(c);
}

/* ---- kernels: SIMD against the scalar reference ------------------------------------ */

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void test_kernels_vs_ref(void **state)
{
    (void)state;
    const uint32_t seed = 12345;
    uint32_t s = seed;
    print_message("kernel test seed %u, ISA %s\n", seed, ops_isa_name(ops_isa_active()));
    const int w = 97, h = 40;
    uint8_t *img = malloc((size_t)w * h);
    for (int i = 0; i < w * h; i++) img[i] = (uint8_t)(lcg(&s) & 0xff);
    /* flat patch: variance test fails there */
    for (int y = 0; y < 30; y++) memset(img + (size_t)y * w, 77, 30);
    size_t n = (size_t)(w + 1) * (h + 1);
    int32_t *sum = malloc(n * sizeof *sum);
    uint32_t *sq = malloc(n * sizeof *sq);
    assert_int_equal(face_integral(img, w, h, (size_t)w, sum, sq, NULL), FACE_OK);
    const int ww = 24, stride = w + 1;
    ops_haar_feature feat[5];
    for (int f = 0; f < 5; f++) {
        memset(&feat[f], 0, sizeof feat[f]);
        for (int r = 0; r < 3; r++) {
            int x = (int)(lcg(&s) % 12), y = (int)(lcg(&s) % 12), rw = 1 + (int)(lcg(&s) % 11),
                rh = 1 + (int)(lcg(&s) % 11);
            feat[f].ofs[r][0] = y * stride + x;
            feat[f].ofs[r][1] = y * stride + x + rw;
            feat[f].ofs[r][2] = (y + rh) * stride + x;
            feat[f].ofs[r][3] = (y + rh) * stride + x + rw;
            feat[f].weight[r] = r == 0 ? -1.0f : (float)(lcg(&s) % 5) - 1.5f;
        }
        if (f % 2) feat[f].weight[2] = 0.0f;
    }
    ops_haar_stump st[7];
    for (int t = 0; t < 7; t++) {
        st[t].feature = t % 5;
        st[t].threshold = ((float)(lcg(&s) % 200) - 100.0f) * 1e-3f;
        st[t].left = (float)(lcg(&s) % 1000) * 1e-3f;
        st[t].right = -(float)(lcg(&s) % 1000) * 1e-3f;
    }
    const int32_t nofs[4] = {stride + 1, stride + ww - 1, (ww - 1) * stride + 1, (ww - 1) * stride + ww - 1};
    const int nwin = w + 1 - ww; /* windows of row 0..; lengths 1..nwin test the tails */
    float *v1 = malloc(sizeof(float) * (size_t)nwin), *v2 = malloc(sizeof(float) * (size_t)nwin);
    uint8_t *o1 = malloc((size_t)nwin), *o2 = malloc((size_t)nwin);
    double *a1 = malloc(sizeof(double) * (size_t)nwin), *a2 = malloc(sizeof(double) * (size_t)nwin);
    int32_t *list = malloc(sizeof(int32_t) * (size_t)nwin);
    for (int y = 0; y + ww <= h; y += 3) {
        for (int len = 1; len <= nwin; len += len < 20 ? 1 : 7) {
            const int32_t *ii = sum + (size_t)y * stride;
            const uint32_t *qq = sq + (size_t)y * stride;
            ops_haar_varnorm_ref(ii, qq, NULL, len, nofs, (ww - 2) * (ww - 2), v1, o1);
            ops_haar_varnorm(ii, qq, NULL, len, nofs, (ww - 2) * (ww - 2), v2, o2);
            assert_memory_equal(v1, v2, sizeof(float) * (size_t)len);
            assert_memory_equal(o1, o2, (size_t)len);
            ops_haar_stumps_ref(ii, NULL, len, feat, st, 7, v1, a1);
            ops_haar_stumps(ii, NULL, len, feat, st, 7, v1, a2);
            assert_memory_equal(a1, a2, sizeof(double) * (size_t)len);
            /* the same windows as a list, scrambled */
            for (int i = 0; i < len; i++) list[i] = (int32_t)((i * 7) % len);
            ops_haar_varnorm(ii, qq, list, len, nofs, (ww - 2) * (ww - 2), v2, o2);
            for (int i = 0; i < len; i++) assert_memory_equal(&v2[i], &v1[list[i]], sizeof(float));
            ops_haar_stumps(ii, list, len, feat, st, 7, v2, a2);
            for (int i = 0; i < len; i++) assert_memory_equal(&a2[i], &a1[list[i]], sizeof(double));
        }
    }
    free(img);
    free(sum);
    free(sq);
    free(v1);
    free(v2);
    free(o1);
    free(o2);
    free(a1);
    free(a2);
    free(list);
}

/* ---- detection against OpenCV ---------------------------------------------------------- */

static int prep_gray(void)
{
    if (file_exists(GRAY_DIR "/READY")) return 1;
    print_message("preparing " GRAY_DIR " with tests/gen_detect_golden.py --prep (OpenCV decodes the photos)\n");
    int rc = system("/usr/bin/python3 tests/gen_detect_golden.py --prep " GRAY_DIR " >/dev/null 2>&1");
    return rc == 0 && file_exists(GRAY_DIR "/READY");
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int cmp_rect(const void *a, const void *b)
{
    const face_rect *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    if (p->y != q->y) return p->y < q->y ? -1 : 1;
    if (p->w != q->w) return p->w < q->w ? -1 : 1;
    if (p->h != q->h) return p->h < q->h ? -1 : 1;
    return 0;
}

typedef struct cascade_cache {
    const char *name;
    face_cascade *c;
} cascade_cache;

static face_cascade *get_cascade(cascade_cache *cc, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(cc[i].name, name)) {
            if (!cc[i].c) cc[i].c = load_xml(name);
            return cc[i].c;
        }
    return NULL;
}

/* Boxes agree when the counts are equal and each OpenCV box has its own
 * box of ours within 1 px in x, y, w and h. */
static int boxes_agree(const face_rect *want, int nw, const face_rect *got, int ng)
{
    if (nw != ng) return 0;
    char used[4096] = {0};
    if (ng > (int)sizeof used) return 0;
    for (int i = 0; i < nw; i++) {
        int j;
        for (j = 0; j < ng; j++)
            if (!used[j] && abs(want[i].x - got[j].x) <= 1 && abs(want[i].y - got[j].y) <= 1 &&
                abs(want[i].w - got[j].w) <= 1 && abs(want[i].h - got[j].h) <= 1)
                break;
        if (j == ng) return 0;
        used[j] = 1;
    }
    return 1;
}

static void test_detect_golden(void **state)
{
    (void)state;
    if (!file_exists(cascade_path("default"))) {
        print_message("SKIPPED: no cascades in " CASCADE_DIR " (install opencv-data)\n");
        skip();
    }
    if (!prep_gray()) {
        print_message("SKIPPED: no gray images in " GRAY_DIR " (tests/gen_detect_golden.py --prep needs "
                      "/usr/bin/python3 with cv2 and the photos of ../shared and the face-api npm tarball)\n");
        skip();
    }
    char *text = read_text(GOLDEN);
    assert_non_null(text);
    cascade_cache cc[] = {{"default", NULL}, {"alt", NULL}, {"alt2", NULL}, {"eye", NULL}};
    const int ncc = 4;
    char *cur = text, *line;
    face_image img = {0, 0, 0, NULL};
    int have_img = 0, images = 0, runs = 0, agree = 0, exact = 0, missing = 0, sanitizer_skipped = 0;
    char name[128] = "";
    face_rect *got = malloc(100000 * sizeof *got);
    while ((line = next_line(&cur))) {
        if (!strncmp(line, "image ", 6)) {
            face_image_free(&img);
            have_img = 0;
            int w, h;
            unsigned long long want_hash;
            assert_int_equal(sscanf(line + 6, "%127s %d %d %llx", name, &w, &h, &want_hash), 4);
            if (SANITIZED && w >= 1000) {
                sanitizer_skipped++;
                continue;
            }
            char path[256];
            snprintf(path, sizeof path, GRAY_DIR "/%s.pgm", name);
            face_err err = {{0}};
            if (!file_exists(path) || face_image_load(path, &img, &err) != FACE_OK) {
                print_message("  %s: no gray image (%s), skipped\n", name, err.msg);
                missing++;
                continue;
            }
            assert_int_equal(img.channels, 1);
            assert_int_equal(img.w, w);
            assert_int_equal(img.h, h);
            if (fnv1a64(img.px, (size_t)w * h) != want_hash)
                fail_msg("%s: the gray pixels are not the ones the goldens were made from", name);
            have_img = 1;
            images++;
            continue;
        }
        int is_boxes = !strncmp(line, "boxes ", 6), is_raw = !strncmp(line, "raw ", 4);
        if (!have_img || (!is_boxes && !is_raw)) continue;
        char casc[32];
        double sf;
        int mn = 0, ms, nwant, used;
        if (is_boxes)
            assert_int_equal(sscanf(line + 6, "%31s %lf %d %d %d%n", casc, &sf, &mn, &ms, &nwant, &used), 5);
        else
            assert_int_equal(sscanf(line + 4, "%31s %lf %d %d%n", casc, &sf, &ms, &nwant, &used), 4);
        face_cascade *c = get_cascade(cc, ncc, casc);
        if (!c) {
            print_message("  %s: cascade %s absent, skipped\n", name, casc);
            continue;
        }
        face_detect_params p;
        face_detect_params_init(&p);
        p.scale_factor = sf;
        p.min_neighbors = mn;
        p.min_w = p.min_h = ms;
        int ngot = 0;
        face_err err = {{0}};
        if (face_detect(c, img.px, img.w, img.h, (size_t)img.w, &p, got, 100000, &ngot, &err) != FACE_OK)
            fail_msg("%s: %s", name, err.msg);
        runs++;
        if (is_boxes) {
            face_rect *want = malloc(((size_t)nwant + 1) * sizeof *want);
            char *q = line + 6 + used;
            for (int i = 0; i < nwant; i++) {
                want[i].x = (int)strtol(q, &q, 10);
                want[i].y = (int)strtol(q, &q, 10);
                want[i].w = (int)strtol(q, &q, 10);
                want[i].h = (int)strtol(q, &q, 10);
            }
            int ok = boxes_agree(want, nwant, got, ngot);
            agree += ok;
            if (ok) {
                qsort(want, (size_t)nwant, sizeof *want, cmp_rect);
                qsort(got, (size_t)ngot, sizeof *got, cmp_rect);
                exact += !memcmp(want, got, (size_t)nwant * sizeof *want);
            } else {
                print_message("  MISMATCH %s %s scale %.1f: OpenCV %d boxes, ours %d\n", name, casc, sf, nwant,
                              ngot);
                for (int i = 0; i < nwant; i++)
                    print_message("    cv  %d %d %d %d\n", want[i].x, want[i].y, want[i].w, want[i].h);
                for (int i = 0; i < ngot; i++)
                    print_message("    us  %d %d %d %d\n", got[i].x, got[i].y, got[i].w, got[i].h);
            }
            free(want);
        } else {
            unsigned long long want_hash;
            assert_int_equal(sscanf(line + 4 + used, "%llx", &want_hash), 1);
            qsort(got, (size_t)ngot, sizeof *got, cmp_rect);
            size_t cap = (size_t)ngot * 48 + 1, len = 0;
            char *buf = malloc(cap);
            for (int i = 0; i < ngot; i++)
                len += (size_t)snprintf(buf + len, cap - len, "%d %d %d %d\n", got[i].x, got[i].y, got[i].w,
                                        got[i].h);
            int ok = ngot == nwant && fnv1a64((const uint8_t *)buf, len) == want_hash;
            agree += ok;
            exact += ok;
            if (!ok)
                print_message("  MISMATCH %s raw hits %s scale %.1f: OpenCV %d, ours %d%s\n", name, casc, sf,
                              nwant, ngot, ngot == nwant ? " (different boxes)" : "");
            free(buf);
        }
    }
    face_image_free(&img);
    for (int i = 0; i < ncc; i++) face_cascade_free(cc[i].c);
    free(got);
    free(text);
    print_message("detect golden: %d images, %d runs, %d agree (%d exactly), %d images absent", images, runs,
                  agree, exact, missing);
    if (sanitizer_skipped) print_message(", %d photos >= 1000 px left out under the sanitizer", sanitizer_skipped);
    print_message("\n");
    if (images == 0) {
        print_message("SKIPPED: none of the golden images is available\n");
        skip();
    }
    assert_int_equal(agree, runs);
}

/* The boxes must not depend on the number of threads. */
static void test_threads_same(void **state)
{
    (void)state;
    face_cascade *c = load_xml("default");
    if (!c || !prep_gray() || !file_exists(GRAY_DIR "/group_bbt1.pgm")) {
        face_cascade_free(c);
        print_message("SKIPPED: needs the default cascade and " GRAY_DIR "/group_bbt1.pgm\n");
        skip();
    }
    face_image img = {0, 0, 0, NULL};
    face_err err = {{0}};
    assert_int_equal(face_image_load(GRAY_DIR "/group_bbt1.pgm", &img, &err), FACE_OK);
    face_rect r1[4096], r2[4096];
    int n1 = 0, n2 = 0;
    face_detect_params p;
    face_detect_params_init(&p);
    p.min_neighbors = 0; /* raw hits: the strictest comparison, order included */
    p.min_w = p.min_h = 30;
    assert_int_equal(face_detect(c, img.px, img.w, img.h, (size_t)img.w, &p, r1, 4096, &n1, &err), FACE_OK);
    assert_true(n1 > 0);
    for (int t = 2; t <= 5; t++) {
        p.threads = t;
        assert_int_equal(face_detect(c, img.px, img.w, img.h, (size_t)img.w, &p, r2, 4096, &n2, &err), FACE_OK);
        assert_int_equal(n1, n2);
        assert_memory_equal(r1, r2, (size_t)n1 * sizeof *r1);
    }
    /* capacity: the count is the full one, only cap boxes written */
    p.threads = 1;
    face_rect few[3];
    int nf = 0;
    assert_int_equal(face_detect(c, img.px, img.w, img.h, (size_t)img.w, &p, few, 3, &nf, &err), FACE_OK);
    assert_int_equal(nf, n1);
    assert_memory_equal(few, r1, 3 * sizeof *few);
    face_image_free(&img);
    face_cascade_free(c);
}

static void test_detect_args(void **state)
{
    (void)state;
    face_cascade *c = load_xml("default");
    if (!c) {
        print_message("SKIPPED: no cascades in " CASCADE_DIR "\n");
        skip();
    }
    uint8_t px[64 * 64];
    memset(px, 128, sizeof px);
    face_detect_params p;
    face_detect_params_init(&p);
    int n = -1;
    face_err err = {{0}};
    /* a flat image: no window passes the variance test */
    assert_int_equal(face_detect(c, px, 64, 64, 64, &p, NULL, 0, &n, &err), FACE_OK);
    assert_int_equal(n, 0);
    /* smaller than the window: nothing to do */
    assert_int_equal(face_detect(c, px, 10, 10, 10, &p, NULL, 0, &n, &err), FACE_OK);
    assert_int_equal(n, 0);
    p.scale_factor = 1.0;
    assert_int_equal(face_detect(c, px, 64, 64, 64, &p, NULL, 0, &n, &err), FACE_EINVAL);
    p.scale_factor = 1.1;
    p.threads = 0;
    assert_int_equal(face_detect(c, px, 64, 64, 64, &p, NULL, 0, &n, &err), FACE_EINVAL);
    face_cascade_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integral_hand),
        cmocka_unit_test(test_integral_sqsum_wraps),
        cmocka_unit_test(test_integral_tilted_golden),
        cmocka_unit_test(test_resize_golden),
        cmocka_unit_test(test_group_hand),
        cmocka_unit_test(test_cascade_roundtrip),
        cmocka_unit_test(test_cascade_xml_errors),
        cmocka_unit_test(test_cascade_corrupt),
        cmocka_unit_test(test_kernels_vs_ref),
        cmocka_unit_test(test_detect_args),
        cmocka_unit_test(test_threads_same),
        cmocka_unit_test(test_detect_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
