/*
 * test_align.c - face/align.c: the similarity fit, dlib's chip transform,
 * bilinear warping and the landmark net's input crop.
 *
 * Goldens: tests/golden/align/align.bin, written by tests/gen_align_golden.py
 * (numpy lstsq, OpenCV's warpAffine, a float64 numpy bilinear sampler and
 * tests/ref_landmarks68.py's crop; seed and shapes stated there).
 * Exact cases are built here from a seeded LCG (seed printed).
 *
 * The landmark net (models/faceapi_landmarks68.fnw from `make models`) is
 * compared on real photos with tests/golden/landmarks68.txt, written by
 * tests/ref_landmarks68.py (float64 PyTorch over the package's tfjs
 * weights). The photos are decoded by PIL into build/testdata/landmarks68/
 * (`tests/ref_landmarks68.py ppm`, run by the test when they are missing;
 * needs ../shared or $FACENET_SHARED); each PPM's pixels must hash (FNV-1a
 * 64) to the golden's value. Without the model or the photos the test says
 * so and skips.
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

#include "face/face.h"
#include "tests/golden.h"

#define GOLDEN_PATH "tests/golden/align/align.bin"
#define LM_MODEL "models/faceapi_landmarks68.fnw"
#define LM_GOLDEN "tests/golden/landmarks68.txt"
#define LM_PPM_DIR "build/testdata/landmarks68"

static golden_file G;

static int load_golden(void **state)
{
    (void)state;
    if (golden_load(GOLDEN_PATH, &G) != 0) {
        printf("cannot read %s (run from the repository root)\n", GOLDEN_PATH);
        return -1;
    }
    return 0;
}

static int free_golden(void **state)
{
    (void)state;
    golden_free(&G);
    return 0;
}

static const golden_tensor *need(const char *name)
{
    const golden_tensor *t = golden_find(&G, name);
    if (!t) fail_msg("golden tensor %s missing from %s", name, GOLDEN_PATH);
    return t;
}

/* A face_image viewing a golden uint8-valued tensor [h][w] or [h][w][3]. */
static face_image image_from_golden(const golden_tensor *t)
{
    face_image img = {0, 0, 0, NULL};
    img.h = t->dims[0];
    img.w = t->dims[1];
    img.channels = t->ndim == 3 ? t->dims[2] : 1;
    img.px = malloc(t->count);
    assert_non_null(img.px);
    for (size_t i = 0; i < t->count; i++) img.px[i] = (uint8_t)t->f[i];
    return img;
}

static uint64_t lcg_state;
static double lcg_uniform(double lo, double hi)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (double)(lcg_state >> 11) / 9007199254740992.0;
}

/* ---- similarity fit ------------------------------------------------------ */

static void test_similarity_exact(void **state)
{
    (void)state;
    lcg_state = 12345;
    printf("similarity_exact: LCG seed 12345\n");
    /* angle (degrees), scale, tx, ty: small, large, upside down, far away */
    const double cases[][4] = {
        {0, 1, 0, 0},       {30, 2.5, 10, -7},     {-90, 0.01, 3, 4},
        {179, 100, -5e3, 2e3}, {-135, 0.7, 1e4, 1e4}, {45, 1, 0.25, -0.5},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double t = cases[c][0] * 3.14159265358979323846 / 180.0, s = cases[c][1];
        face_similarity want = {s * cos(t), s * sin(t), cases[c][2], cases[c][3]};
        for (int n = 2; n <= 40; n += 19) {
            face_point src[40], dst[40];
            for (int i = 0; i < n; i++) {
                src[i].x = lcg_uniform(-200, 400);
                src[i].y = lcg_uniform(-200, 400);
                dst[i] = face_similarity_apply(&want, src[i]);
            }
            face_similarity got;
            face_err err = {""};
            assert_int_equal(face_similarity_fit(src, dst, n, &got, &err), FACE_OK);
            /* Rounding only: a few ulps of the largest coordinate involved. */
            double mag = s * 600 + fabs(cases[c][2]) + fabs(cases[c][3]);
            double tol_ab = 1e-12 * (s + 1), tol_t = 1e-11 * mag;
            if (fabs(got.a - want.a) > tol_ab || fabs(got.b - want.b) > tol_ab ||
                fabs(got.tx - want.tx) > tol_t || fabs(got.ty - want.ty) > tol_t)
                fail_msg("case %zu n %d: got a %.17g b %.17g t %.17g %.17g, want %.17g %.17g "
                         "%.17g %.17g",
                         c, n, got.a, got.b, got.tx, got.ty, want.a, want.b, want.tx, want.ty);
        }
    }
}

static void test_similarity_noisy_golden(void **state)
{
    (void)state;
    const golden_tensor *src = need("fit.src"), *dst = need("fit.dst"), *sim = need("fit.sim");
    face_point s[33], d[33];
    assert_int_equal(src->count, 66);
    for (int i = 0; i < 33; i++) {
        s[i] = (face_point){src->f[2 * i], src->f[2 * i + 1]};
        d[i] = (face_point){dst->f[2 * i], dst->f[2 * i + 1]};
    }
    face_similarity got;
    assert_int_equal(face_similarity_fit(s, d, 33, &got, NULL), FACE_OK);
    /* The golden went through float32: compare with float32's relative
     * precision of the stored results (the inputs are the same floats). */
    const double want[4] = {sim->f[0], sim->f[1], sim->f[2], sim->f[3]};
    const double g[4] = {got.a, got.b, got.tx, got.ty};
    for (int k = 0; k < 4; k++)
        if (fabs(g[k] - want[k]) > 2e-7 * fabs(want[k]) + 1e-6)
            fail_msg("parameter %d: got %.9g want %.9g", k, g[k], want[k]);
}

static void test_similarity_errors(void **state)
{
    (void)state;
    face_point a[3] = {{1, 2}, {1, 2}, {1, 2}}, b[3] = {{0, 0}, {1, 0}, {0, 1}};
    face_similarity s;
    face_err err = {""};
    assert_int_equal(face_similarity_fit(a, b, 1, &s, &err), FACE_EINVAL);
    assert_non_null(strstr(err.msg, "point pairs"));
    assert_int_equal(face_similarity_fit(a, b, 3, &s, &err), FACE_EINVAL);
    assert_non_null(strstr(err.msg, "coincide"));
    b[1].x = NAN;
    a[0].x = 0;
    assert_int_equal(face_similarity_fit(a, b, 3, &s, &err), FACE_EINVAL);
    assert_non_null(strstr(err.msg, "not finite"));
    assert_int_equal(face_similarity_fit(NULL, b, 3, &s, &err), FACE_EINVAL);
}

/* ---- dlib chip ------------------------------------------------------------ */

static void golden_points(face_point *pts)
{
    const golden_tensor *t = need("chip.pts");
    assert_int_equal(t->count, 2 * FACE_LANDMARK_COUNT);
    for (int i = 0; i < FACE_LANDMARK_COUNT; i++)
        pts[i] = (face_point){t->f[2 * i], t->f[2 * i + 1]};
}

static void test_chip_golden(void **state)
{
    (void)state;
    face_point pts[FACE_LANDMARK_COUNT];
    golden_points(pts);
    face_affine m;
    face_err err = {""};
    assert_int_equal(face_chip_transform(pts, FACE_CHIP_SIZE, FACE_CHIP_PADDING, &m, &err),
                     FACE_OK);
    const golden_tensor *want = need("chip.m");
    /* Entries are O(1) (step) and O(300) (offsets); the golden is float32. */
    for (int k = 0; k < 6; k++)
        if (fabs(m.m[k] - want->f[k]) > 3e-7 * fabs(want->f[k]) + 1e-6)
            fail_msg("chip map entry %d: got %.9g want %.9g", k, m.m[k], (double)want->f[k]);
}

/* The chip uses only nose, eyes and the upper lip. */
static void test_chip_ignores_jaw_brows_lower_lip(void **state)
{
    (void)state;
    face_point pts[FACE_LANDMARK_COUNT];
    golden_points(pts);
    face_affine m1, m2;
    assert_int_equal(face_chip_transform(pts, 150, 0.25, &m1, NULL), FACE_OK);
    for (int i = 0; i < FACE_LANDMARK_COUNT; i++)
        if (i < 27 || (i >= 55 && i <= 59) || i >= 65) pts[i] = (face_point){-1e4 * i, 7e3};
    assert_int_equal(face_chip_transform(pts, 150, 0.25, &m2, NULL), FACE_OK);
    assert_memory_equal(&m1, &m2, sizeof m1);
    pts[30].x += 5; /* nose tip: does matter */
    assert_int_equal(face_chip_transform(pts, 150, 0.25, &m2, NULL), FACE_OK);
    assert_true(fabs(m1.m[2] - m2.m[2]) > 1e-3);
}

/* Rigid motions of the face move the chip map with it exactly; a scaling
 * does not quite: dlib's chip spans size*scale - 1 pixels between its corner
 * pixel centres, so scaling the face by k turns the step (image pixels per
 * chip pixel) into k*step + (k-1)/(size-1). */
static void test_chip_moves_with_face(void **state)
{
    (void)state;
    face_point pts[FACE_LANDMARK_COUNT], moved[FACE_LANDMARK_COUNT];
    golden_points(pts);
    face_affine m, m2;
    assert_int_equal(face_chip_transform(pts, 150, 0.25, &m, NULL), FACE_OK);
    const double t = 0.7, c = cos(t), s = sin(t), dx = -31.5, dy = 12.25;
    face_similarity rigid = {c, s, dx, dy};
    for (int i = 0; i < FACE_LANDMARK_COUNT; i++) moved[i] = face_similarity_apply(&rigid, pts[i]);
    assert_int_equal(face_chip_transform(moved, 150, 0.25, &m2, NULL), FACE_OK);
    /* chip (x, y) -> rigid(m(x, y)) for every chip pixel, so compare the maps
     * at three chip corners. */
    const face_point corners[3] = {{0, 0}, {149, 0}, {0, 149}};
    for (int k = 0; k < 3; k++) {
        face_point want = face_similarity_apply(&rigid, face_affine_apply(&m, corners[k]));
        face_point got = face_affine_apply(&m2, corners[k]);
        if (fabs(got.x - want.x) > 1e-9 || fabs(got.y - want.y) > 1e-9)
            fail_msg("corner %d: got %.12g,%.12g want %.12g,%.12g", k, got.x, got.y, want.x,
                     want.y);
    }
    const double k = 2.5;
    for (int i = 0; i < FACE_LANDMARK_COUNT; i++)
        moved[i] = (face_point){k * pts[i].x, k * pts[i].y};
    assert_int_equal(face_chip_transform(moved, 150, 0.25, &m2, NULL), FACE_OK);
    double step = hypot(m.m[0], m.m[3]), step2 = hypot(m2.m[0], m2.m[3]);
    double want = k * step + (k - 1) / 149.0;
    if (fabs(step2 - want) > 1e-12 * want)
        fail_msg("step after scaling by %g: got %.15g want %.15g (k*step %.15g)", k, step2, want,
                 k * step);
    /* Still a similarity: no shear, no reflection. */
    assert_true(fabs(m2.m[0] - m2.m[4]) < 1e-12 && fabs(m2.m[1] + m2.m[3]) < 1e-12);
}

static void test_chip_errors(void **state)
{
    (void)state;
    face_point pts[FACE_LANDMARK_COUNT];
    golden_points(pts);
    face_affine m;
    face_err err = {""};
    assert_int_equal(face_chip_transform(pts, 1, 0.25, &m, &err), FACE_EINVAL);
    assert_int_equal(face_chip_transform(pts, 150, -0.1, &m, &err), FACE_EINVAL);
    assert_int_equal(face_chip_transform(pts, 150, NAN, &m, &err), FACE_EINVAL);
    for (int i = 0; i < FACE_LANDMARK_COUNT; i++) pts[i] = (face_point){5, 5};
    assert_int_equal(face_chip_transform(pts, 150, 0.25, &m, &err), FACE_EINVAL);
    pts[40].y = INFINITY;
    assert_int_equal(face_chip_transform(pts, 150, 0.25, &m, &err), FACE_EINVAL);
}

/* ---- warping ------------------------------------------------------------- */

static void test_warp_vs_opencv(void **state)
{
    (void)state;
    face_image rgb = image_from_golden(need("img_rgb"));
    face_image gray = image_from_golden(need("img_gray"));
    /* [0]: all four taps inside the image, [1]: blending with the zero border */
    const double tol_in = need("warp.tol_cv2")->f[0], tol_border = need("warp.tol_cv2")->f[1];
    for (int k = 0; k < 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "warp%d.m", k);
        const golden_tensor *mt = need(name);
        snprintf(name, sizeof name, "warp%d.size", k);
        const golden_tensor *sz = need(name);
        snprintf(name, sizeof name, "warp%d.cv2", k);
        const golden_tensor *cv = need(name);
        snprintf(name, sizeof name, "warp%d.f64", k);
        const golden_tensor *f64 = need(name);
        face_affine m;
        for (int i = 0; i < 6; i++) m.m[i] = mt->f[i];
        int ow = (int)sz->f[0], oh = (int)sz->f[1];
        const face_image *src = k == 3 ? &gray : &rgb;
        face_image out;
        face_err err = {""};
        assert_int_equal(face_warp_affine(src, &m, ow, oh, src->channels, &out, &err), FACE_OK);
        assert_int_equal(out.w * out.h * out.channels, (int)cv->count);
        float *got = malloc(cv->count * sizeof *got);
        assert_non_null(got);
        double worst_in = 0, worst_border = 0, worst_round = 0;
        for (size_t i = 0; i < cv->count; i++) {
            got[i] = out.px[i];
            size_t pix = i / (size_t)out.channels;
            face_point p = face_affine_apply(&m, (face_point){(double)(pix % (size_t)ow),
                                                              (double)(pix / (size_t)ow)});
            int inside = p.x >= 0 && p.y >= 0 && p.x <= src->w - 1 && p.y <= src->h - 1;
            double d = fabs(got[i] - cv->f[i]);
            if (inside)
                worst_in = fmax(worst_in, d);
            else
                worst_border = fmax(worst_border, d);
            worst_round = fmax(worst_round, fabs(got[i] - f64->f[i]));
        }
        /* u8: within rounding (0.5) of the exact value, plus float32 noise at ties */
        printf("warp%d %dx%dx%d: max |C - cv2| inside %.0f (tol %.2f), at the border %.0f (tol "
               "%.2f); max |C u8 - exact| %.3f (tol 0.5)\n",
               k, ow, oh, out.channels, worst_in, tol_in, worst_border, tol_border, worst_round);
        assert_true(worst_in <= tol_in);
        assert_true(worst_border <= tol_border);
        assert_true(worst_round <= 0.5 + 1e-3);
        /* f32: the exact values up to float rounding of a 4-term sum of 0..255 */
        assert_int_equal(face_warp_affine_f32(src, &m, ow, oh, src->channels, got, &err), FACE_OK);
        assert_int_equal(golden_compare(name, got, f64, NULL, 0, 8) == 0 ? 0 : 1, 0);
        free(got);
        face_image_free(&out);
    }
    face_image_free(&rgb);
    face_image_free(&gray);
}

static void test_warp_gray_to_rgb(void **state)
{
    (void)state;
    face_image gray = image_from_golden(need("img_gray"));
    face_affine m = {{0.9, 0.2, 3.1, -0.2, 0.9, 2.4}};
    face_image g1, g3;
    assert_int_equal(face_warp_affine(&gray, &m, 17, 13, 1, &g1, NULL), FACE_OK);
    assert_int_equal(face_warp_affine(&gray, &m, 17, 13, 3, &g3, NULL), FACE_OK);
    assert_int_equal(g3.channels, 3);
    for (int i = 0; i < 17 * 13; i++)
        for (int c = 0; c < 3; c++) assert_int_equal(g3.px[3 * i + c], g1.px[i]);
    face_image_free(&g1);
    face_image_free(&g3);
    face_image_free(&gray);
}

static void test_warp_errors(void **state)
{
    (void)state;
    face_image rgb = image_from_golden(need("img_rgb"));
    face_affine m = {{1, 0, 0, 0, 1, 0}}, bad = {{1, 0, NAN, 0, 1, 0}};
    face_image out = {0, 0, 0, NULL};
    face_err err = {""};
    assert_int_equal(face_warp_affine(&rgb, &m, 0, 5, 3, &out, &err), FACE_EFORMAT);
    assert_int_equal(face_warp_affine(&rgb, &m, 5, FACE_IMAGE_MAX_DIM + 1, 3, &out, &err),
                     FACE_ELIMIT);
    assert_int_equal(face_warp_affine(&rgb, &m, 5, 5, 1, &out, &err), FACE_EINVAL);
    assert_int_equal(face_warp_affine(&rgb, &bad, 5, 5, 3, &out, &err), FACE_EINVAL);
    assert_non_null(strstr(err.msg, "not finite"));
    assert_int_equal(face_warp_affine(NULL, &m, 5, 5, 3, &out, &err), FACE_EINVAL);
    assert_null(out.px);
    /* Far outside (and huge coordinates): all zeros, no overflow. */
    face_affine far = {{1e300, 0, -1e300, 0, 1e-300, 1e18}};
    assert_int_equal(face_warp_affine(&rgb, &far, 4, 4, 3, &out, &err), FACE_OK);
    for (int i = 0; i < 4 * 4 * 3; i++) assert_int_equal(out.px[i], 0);
    face_image_free(&out);
    face_image_free(&rgb);
}

/* ---- the pyramid for shrinking maps ------------------------------------- */

/* No shrinking beyond 2: exactly face_warp_affine. */
static void test_pyramid_same_when_not_shrinking(void **state)
{
    (void)state;
    face_image rgb = image_from_golden(need("img_rgb"));
    face_affine m = {{1.9 * cos(0.3), -1.9 * sin(0.3), 4.2, 1.9 * sin(0.3), 1.9 * cos(0.3), -3.3}};
    face_image a, b;
    assert_int_equal(face_warp_affine(&rgb, &m, 21, 17, 3, &a, NULL), FACE_OK);
    assert_int_equal(face_warp_affine_pyramid(&rgb, &m, 21, 17, 3, &b, NULL), FACE_OK);
    assert_memory_equal(a.px, b.px, (size_t)21 * 17 * 3);
    face_image_free(&a);
    face_image_free(&b);
    face_image_free(&rgb);
}

/* An image blown up 4x by repeating each pixel in a 4x4 block: two halvings
 * give the original back exactly, and the map, moved into the big image
 * (pixel i of the original is centred on 4i + 1.5 there), halves back to the
 * original map. With steps in (1, 2] on the original (so (4, 8] on the big
 * image: exactly two levels), the pyramid warp of the big image must equal
 * the plain warp of the original. */
static void test_pyramid_block_image(void **state)
{
    (void)state;
    face_image rgb = image_from_golden(need("img_rgb"));
    face_image big = {4 * rgb.w, 4 * rgb.h, 3, NULL};
    big.px = malloc((size_t)big.w * big.h * 3);
    assert_non_null(big.px);
    for (int y = 0; y < big.h; y++)
        for (int x = 0; x < big.w; x++)
            for (int c = 0; c < 3; c++)
                big.px[((size_t)y * big.w + x) * 3 + c] = rgb.px[((size_t)(y / 4) * rgb.w + x / 4) * 3 + c];
    const face_affine cases[2] = {
        {{1.5 * cos(0.35), -1.5 * sin(0.35), 6.3, 1.5 * sin(0.35), 1.5 * cos(0.35), -4.1}},
        {{1.2, 0.05, 10.25, -0.05, 1.2, 8.5}}, /* a window inside: the region is cropped */
    };
    for (int k = 0; k < 2; k++) {
        const face_affine *m = &cases[k];
        face_affine mb = {{4 * m->m[0], 4 * m->m[1], 4 * m->m[2] + 1.5, 4 * m->m[3], 4 * m->m[4],
                           4 * m->m[5] + 1.5}};
        face_image want, got;
        assert_int_equal(face_warp_affine(&rgb, m, 31, 27, 3, &want, NULL), FACE_OK);
        assert_int_equal(face_warp_affine_pyramid(&big, &mb, 31, 27, 3, &got, NULL), FACE_OK);
        int worst = 0, differ = 0;
        for (int i = 0; i < 31 * 27 * 3; i++) {
            int d = abs((int)got.px[i] - (int)want.px[i]);
            worst = d > worst ? d : worst;
            differ += d != 0;
        }
        printf("    pyramid case %d: %d of %d values differ, max %d\n", k, differ, 31 * 27 * 3,
               worst);
        assert_int_equal(worst, 0);
        face_image_free(&want);
        face_image_free(&got);
    }
    face_image_free(&big);
    face_image_free(&rgb);
}

/* Columns alternating 0 and 255 seen through a map that skips 4 pixels per
 * output pixel: plain bilinear sampling aliases (it lands on one phase of the
 * stripes), the pyramid sees their mean. */
static void test_pyramid_antialias(void **state)
{
    (void)state;
    face_image stripes = {400, 300, 1, NULL};
    stripes.px = malloc(400 * 300);
    assert_non_null(stripes.px);
    for (int y = 0; y < 300; y++)
        for (int x = 0; x < 400; x++) stripes.px[y * 400 + x] = x % 2 ? 255 : 0;
    face_affine m = {{4.0, 0, 20.0, 0, 4.0, 30.0}};
    face_image plain, pyr;
    assert_int_equal(face_warp_affine(&stripes, &m, 60, 40, 1, &plain, NULL), FACE_OK);
    assert_int_equal(face_warp_affine_pyramid(&stripes, &m, 60, 40, 1, &pyr, NULL), FACE_OK);
    int dev_plain = 0, dev_pyr = 0;
    for (int i = 0; i < 60 * 40; i++) {
        int a = abs(2 * plain.px[i] - 255), b = abs(2 * pyr.px[i] - 255);
        dev_plain = a > dev_plain ? a : dev_plain;
        dev_pyr = b > dev_pyr ? b : dev_pyr;
    }
    printf("    stripes at step 4: max |2v - 255| plain %d, pyramid %d (tol 2)\n", dev_plain,
           dev_pyr);
    assert_true(dev_pyr <= 2);
    assert_true(dev_plain > 200); /* the test would catch a pyramid that did nothing */
    face_image_free(&plain);
    face_image_free(&pyr);
    face_image_free(&stripes);
}

/* ---- the landmark net's input ------------------------------------------- */

static void test_landmark_input_crop(void **state)
{
    (void)state;
    face_image rgb = image_from_golden(need("img_rgb"));
    const golden_tensor *box = need("crop.box"), *sub = need("crop.sub");
    float *crop = malloc(sizeof(float) * FACE_LANDMARK_INPUT * FACE_LANDMARK_INPUT * 3);
    assert_non_null(crop);
    assert_int_equal(face_landmark_input(&rgb, box->f[0], box->f[1], box->f[2], box->f[3], crop,
                                         NULL),
                     FACE_OK);
    float got[16 * 16 * 3];
    for (int v = 0; v < 16; v++)
        for (int u = 0; u < 16; u++)
            for (int c = 0; c < 3; c++)
                got[(v * 16 + u) * 3 + c] = crop[((7 * v) * FACE_LANDMARK_INPUT + 7 * u) * 3 + c];
    assert_int_equal(golden_compare("crop.sub", got, sub, NULL, 0, 8), 0);
    face_err err = {""};
    assert_int_equal(face_landmark_input(&rgb, 0, 0, 0, 10, crop, &err), FACE_EINVAL);
    assert_int_equal(face_landmark_input(&rgb, NAN, 0, 10, 10, crop, &err), FACE_EINVAL);
    free(crop);
    face_image_free(&rgb);
}

static void test_landmarks_from_net(void **state)
{
    (void)state;
    float net[2 * FACE_LANDMARK_COUNT];
    for (int i = 0; i < FACE_LANDMARK_COUNT; i++) {
        net[2 * i] = (float)i / 68.0f;
        net[2 * i + 1] = 1.0f - (float)i / 68.0f;
    }
    face_point p[FACE_LANDMARK_COUNT];
    face_landmarks_from_net(net, 10, 20, 100, 50, p);
    for (int i = 0; i < FACE_LANDMARK_COUNT; i++) {
        assert_true(fabs(p[i].x - (10 + 100.0 * net[2 * i])) < 1e-9);
        assert_true(fabs(p[i].y - (20 + 50.0 * net[2 * i + 1])) < 1e-9);
    }
}

/* ---- the landmark net on real faces ------------------------------------- */

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

/*
 * Tolerance: 0.01 pixel per coordinate. The net's outputs are positions in
 * [0, 1] relative to a box of ~100 pixels, after 33 float32 convolutions
 * whose longest reduction is 3*3*256 = 2304 terms: float32 accumulation
 * error is ~1e-6 relative, ~1e-4 pixel, two orders below the bound. The crop
 * is computed in double on both sides.
 */
static void test_landmarks68_vs_pytorch(void **state)
{
    (void)state;
    FILE *g = fopen(LM_GOLDEN, "r");
    assert_non_null(g);
    face_landmarker *lm = NULL;
    face_err err = {""};
    if (face_landmarker_open(LM_MODEL, &lm, &err) != FACE_OK) {
        printf("    SKIPPED: %s (run `make models`)\n", err.msg);
        fclose(g);
        skip();
    }
    char line[256];
    int cases = 0, ran = 0, tried_ppm = 0;
    double worst = 0;
    while (fgets(line, sizeof line, g)) {
        if (line[0] == '#') continue;
        char name[96];
        unsigned long long hash;
        double box[4];
        if (sscanf(line, "%95s %llx %lf %lf %lf %lf", name, &hash, &box[0], &box[1], &box[2],
                   &box[3]) != 6)
            fail_msg("%s: bad case line: %s", LM_GOLDEN, line);
        face_point want[FACE_LANDMARK_COUNT];
        for (int i = 0; i < FACE_LANDMARK_COUNT; i++)
            if (!fgets(line, sizeof line, g) ||
                sscanf(line, "%lf %lf", &want[i].x, &want[i].y) != 2)
                fail_msg("%s: case %s: point %d missing", LM_GOLDEN, name, i);
        cases++;
        char ppm[256];
        snprintf(ppm, sizeof ppm, "%s/%s.ppm", LM_PPM_DIR, name);
        face_image img;
        if (face_image_load(ppm, &img, &err) != FACE_OK) {
            if (!tried_ppm) {
                printf("    %s missing: running /usr/bin/python3 tests/ref_landmarks68.py ppm\n",
                       ppm);
                tried_ppm = 1;
                if (system("/usr/bin/python3 tests/ref_landmarks68.py ppm") != 0)
                    printf("    (tests/ref_landmarks68.py ppm failed)\n");
            }
            if (face_image_load(ppm, &img, &err) != FACE_OK) {
                printf("    SKIPPED %s: cannot make it (needs ../shared or $FACENET_SHARED, and "
                       "python3-pil)\n",
                       ppm);
                continue;
            }
        }
        uint64_t h = fnv1a64(img.px, (size_t)img.w * img.h * img.channels);
        if (h != hash) {
            printf("    SKIPPED %s: pixels hash to %016llx, the golden's to %016llx (regenerate "
                   "with tests/ref_landmarks68.py)\n",
                   ppm, (unsigned long long)h, hash);
            face_image_free(&img);
            continue;
        }
        face_point got[FACE_LANDMARK_COUNT];
        assert_int_equal(face_landmarks_detect(lm, &img, box[0], box[1], box[2], box[3], got, &err),
                         FACE_OK);
        double w = 0;
        for (int i = 0; i < FACE_LANDMARK_COUNT; i++)
            w = fmax(w, fmax(fabs(got[i].x - want[i].x), fabs(got[i].y - want[i].y)));
        printf("    %-20s box %g,%g %gx%g: max |C - PyTorch| %.2e px\n", name, box[0], box[1],
               box[2], box[3], w);
        worst = fmax(worst, w);
        ran++;
        face_image_free(&img);
    }
    fclose(g);
    face_landmarker_close(lm);
    assert_true(cases > 0);
    if (ran == 0) skip();
    printf("    landmarks: %d of %d cases, max abs error %.2e px (bound 0.01)\n", ran, cases, worst);
    assert_true(worst <= 0.01);
}

static void test_landmarker_refuses_other_models(void **state)
{
    (void)state;
    face_landmarker *lm = NULL;
    face_err err = {""};
    assert_int_equal(face_landmarker_open("tests/golden/align/no-such-model.fnw", &lm, &err),
                     FACE_EIO);
    assert_null(lm);
    assert_true(err.msg[0] != '\0');
    FILE *f = fopen("models/dlib_resnet29.fnw", "rb");
    if (!f) {
        printf("    (models/dlib_resnet29.fnw absent: the wrong-model check is skipped)\n");
        return;
    }
    fclose(f);
    assert_int_equal(face_landmarker_open("models/dlib_resnet29.fnw", &lm, &err),
                     FACE_EUNSUPPORTED);
    printf("    resnet29 as a landmarker: %s\n", err.msg);
    assert_null(lm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_similarity_exact),
        cmocka_unit_test(test_similarity_noisy_golden),
        cmocka_unit_test(test_similarity_errors),
        cmocka_unit_test(test_chip_golden),
        cmocka_unit_test(test_chip_ignores_jaw_brows_lower_lip),
        cmocka_unit_test(test_chip_moves_with_face),
        cmocka_unit_test(test_chip_errors),
        cmocka_unit_test(test_warp_vs_opencv),
        cmocka_unit_test(test_warp_gray_to_rgb),
        cmocka_unit_test(test_warp_errors),
        cmocka_unit_test(test_pyramid_same_when_not_shrinking),
        cmocka_unit_test(test_pyramid_block_image),
        cmocka_unit_test(test_pyramid_antialias),
        cmocka_unit_test(test_landmark_input_crop),
        cmocka_unit_test(test_landmarks_from_net),
        cmocka_unit_test(test_landmarks68_vs_pytorch),
        cmocka_unit_test(test_landmarker_refuses_other_models),
    };
    return cmocka_run_group_tests(tests, load_golden, free_golden);
}
