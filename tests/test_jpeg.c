/*
 * test_jpeg.c - face_jpeg_decode against PIL-decoded goldens, unsupported
 * variants, caps, and damaged files (every truncation, bit flips).
 *
 * Goldens: tests/gen_jpeg_golden.py writes tests/data/jpeg/NAME.jpg and the
 * pixels PIL (libjpeg-turbo) decodes from it as NAME.jpg.ppm/.pgm, EXIF
 * orientation applied. Our decoder uses the same integer arithmetic as
 * libjpeg-turbo's default path, so the comparison is exact (a tolerance
 * would hide rounding regressions that the +-2 criterion of issue 4 allows).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "face/face.h"

#define DATA_DIR "tests/data/jpeg/"

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Binary PGM/PPM as written by PIL: "P5|P6\nW H\n255\n" + pixels. */
static uint8_t *read_pnm(const char *path, int *w, int *h, int *ch)
{
    size_t len;
    uint8_t *buf = read_all(path, &len);
    if (!buf) return NULL;
    int maxval = 0, used = 0;
    char magic[3] = {0};
    if (len < 11 || sscanf((const char *)buf, "%2s %d %d %d%n", magic, w, h, &maxval, &used) != 4 || maxval != 255) {
        free(buf);
        return NULL;
    }
    *ch = strcmp(magic, "P6") == 0 ? 3 : 1;
    size_t n = (size_t)*w * (size_t)*h * (size_t)*ch;
    size_t off = (size_t)used + 1;
    if (off + n != len) {
        free(buf);
        return NULL;
    }
    memmove(buf, buf + off, n);
    return buf;
}

typedef struct manifest_entry {
    char name[64];
    int ok; /* 1: decodes, golden exists; 0: must be refused as unsupported */
} manifest_entry;

static int read_manifest(manifest_entry *e, int cap)
{
    FILE *f = fopen(DATA_DIR "manifest.txt", "r");
    if (!f) return -1;
    int n = 0;
    char name[64], what[32];
    while (n < cap && fscanf(f, "%63s %31s", name, what) == 2) {
        snprintf(e[n].name, sizeof e[n].name, "%s", name);
        e[n].ok = strcmp(what, "ok") == 0;
        n++;
    }
    fclose(f);
    return n;
}

static void test_golden(void **state)
{
    (void)state;
    manifest_entry e[64];
    int n = read_manifest(e, 64);
    assert_true(n >= 20);
    int checked = 0;
    for (int i = 0; i < n; i++) {
        if (!e[i].ok) continue;
        char path[256];
        snprintf(path, sizeof path, DATA_DIR "%.64s", e[i].name);
        size_t len;
        uint8_t *data = read_all(path, &len);
        assert_non_null(data);
        int gw = 0, gh = 0, gc = 0;
        snprintf(path, sizeof path, DATA_DIR "%.64s.%s", e[i].name, strstr(e[i].name, "gray") ? "pgm" : "ppm");
        uint8_t *gold = read_pnm(path, &gw, &gh, &gc);
        if (!gold) fail_msg("cannot read golden %s", path);
        face_image img;
        face_err err;
        face_status s = face_jpeg_decode(data, len, &img, &err);
        if (s != FACE_OK) fail_msg("%s: %s: %s", e[i].name, face_strerror(s), err.msg);
        if (img.w != gw || img.h != gh || img.channels != gc)
            fail_msg("%s: %dx%dx%d, PIL %dx%dx%d", e[i].name, img.w, img.h, img.channels, gw, gh, gc);
        size_t npx = (size_t)gw * (size_t)gh * (size_t)gc, ndiff = 0;
        int maxd = 0;
        for (size_t k = 0; k < npx; k++) {
            int dd = abs((int)img.px[k] - (int)gold[k]);
            if (dd) ndiff++;
            if (dd > maxd) maxd = dd;
        }
        if (ndiff) fail_msg("%s: %zu of %zu samples differ from PIL, max %d", e[i].name, ndiff, npx, maxd);
        face_image_free(&img);
        free(gold);
        free(data);
        checked++;
    }
    print_message("compared %d JPEG files with their PIL goldens: all exact\n", checked);
}

static void expect_status(const uint8_t *data, size_t len, face_status want, const char *needle)
{
    face_image img = {0, 0, 0, NULL};
    face_err err;
    face_status s = face_jpeg_decode(data, len, &img, &err);
    if (s != want) fail_msg("status %s, want %s (%s)", face_strerror(s), face_strerror(want), err.msg);
    if (needle && !strstr(err.msg, needle)) fail_msg("message \"%s\" does not mention \"%s\"", err.msg, needle);
    assert_null(img.px);
}

static uint8_t *load(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, DATA_DIR "%.64s", name);
    uint8_t *d = read_all(path, len);
    if (!d) fail_msg("cannot read %s", path);
    return d;
}

/* Offset of the first marker `m` after SOI, walking the segments. */
static size_t find_segment(const uint8_t *d, size_t len, int m)
{
    size_t pos = 2;
    while (pos + 4 <= len && d[pos] == 0xFF) {
        if (d[pos + 1] == m) return pos;
        pos += 2 + (((size_t)d[pos + 2] << 8) | d[pos + 3]);
    }
    return 0;
}

static void test_unsupported(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = load("cmyk.jpg", &len);
    expect_status(d, len, FACE_EUNSUPPORTED, "CMYK");
    free(d);
    d = load("arith.jpg", &len);
    expect_status(d, len, FACE_EUNSUPPORTED, "arithmetic");
    free(d);

    d = load("rgb420.jpg", &len);
    size_t sof = find_segment(d, len, 0xC0);
    assert_true(sof > 0);
    d[sof + 4] = 12; /* sample precision */
    expect_status(d, len, FACE_EUNSUPPORTED, "12-bit");
    d[sof + 4] = 8;
    d[sof + 1] = 0xC3; /* lossless */
    expect_status(d, len, FACE_EUNSUPPORTED, "lossless");
    d[sof + 1] = 0xC0;
    d[sof + 5] = d[sof + 6] = 0; /* height 0: defined later by DNL */
    expect_status(d, len, FACE_EUNSUPPORTED, "DNL");
    free(d);
}

static void test_limits(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = load("rgb420.jpg", &len);
    size_t sof = find_segment(d, len, 0xC0);
    /* 40000 wide: over FACE_IMAGE_MAX_DIM */
    d[sof + 7] = 40000 >> 8;
    d[sof + 8] = 40000 & 255;
    expect_status(d, len, FACE_ELIMIT, "cap");
    /* 30000 x 30000: each side fine, 900M pixels over FACE_IMAGE_MAX_PIXELS */
    d[sof + 5] = d[sof + 7] = 30000 >> 8;
    d[sof + 6] = d[sof + 8] = 30000 & 255;
    expect_status(d, len, FACE_ELIMIT, "pixel cap");
    /* 30000 x 8000: under both caps, but the ~1 KB of scan data cannot hold
     * 3.75M blocks: refused as truncated before the planes are allocated */
    d[sof + 5] = 8000 >> 8;
    d[sof + 6] = 8000 & 255;
    expect_status(d, len, FACE_EFORMAT, "blocks need at least");
    free(d);
}

static void test_bad_args_and_headers(void **state)
{
    (void)state;
    face_image img;
    face_err err;
    assert_int_equal(face_jpeg_decode(NULL, 0, &img, &err), FACE_EINVAL);
    const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    expect_status(png, sizeof png, FACE_EFORMAT, "SOI");
    expect_status(png, 0, FACE_EFORMAT, "SOI");

    size_t len;
    uint8_t *d = load("rgb420.jpg", &len);
    /* a scan that names a Huffman table that was never defined */
    size_t sos = find_segment(d, len, 0xDA);
    assert_true(sos > 0);
    d[sos + 6] = 0x33;
    expect_status(d, len, FACE_EFORMAT, "never defined");
    free(d);

    /* a restart marker out of sequence */
    d = load("rst420.jpg", &len);
    size_t i, rst = 0;
    for (i = find_segment(d, len, 0xDA); i + 1 < len; i++)
        if (d[i] == 0xFF && d[i + 1] == 0xD1) {
            rst = i;
            break;
        }
    assert_true(rst > 0);
    d[rst + 1] = 0xD5;
    expect_status(d, len, FACE_EFORMAT, "expected RST1");
    free(d);
}

/* Every prefix of every test file: no crash (ASan in make asan), and an
 * error with a reason unless only the EOI marker was cut. */
static void test_truncated(void **state)
{
    (void)state;
    manifest_entry e[64];
    int n = read_manifest(e, 64), files = 0;
    long decodes = 0;
    for (int i = 0; i < n; i++) {
        size_t len;
        uint8_t *d = load(e[i].name, &len);
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1); /* exact size, so ASan sees any over-read */
            memcpy(copy, d, cut);
            face_image img = {0, 0, 0, NULL};
            face_err err;
            face_status s = face_jpeg_decode(copy, cut, &img, &err);
            decodes++;
            if (s == FACE_OK) {
                if (!e[i].ok || cut + 2 < len)
                    fail_msg("%s cut to %zu of %zu bytes decoded without error", e[i].name, cut, len);
                face_image_free(&img);
            } else {
                if (err.msg[0] == '\0') fail_msg("%s cut to %zu: no reason given", e[i].name, cut);
                assert_null(img.px);
            }
            free(copy);
        }
        free(d);
        files++;
    }
    print_message("%d files, %ld truncated decodes: all errors with a reason, no crash\n", files, decodes);
}

/* Every byte of every test file with one bit flipped (a different bit per
 * byte), plus 0x00/0xFF overwrites of every 3rd byte: any status, but a
 * consistent result and no crash or sanitizer report. */
static void test_bitflip(void **state)
{
    (void)state;
    manifest_entry e[64];
    int n = read_manifest(e, 64);
    long decodes = 0, ok = 0;
    for (int i = 0; i < n; i++) {
        size_t len;
        uint8_t *d = load(e[i].name, &len);
        for (size_t pos = 0; pos < len; pos++) {
            for (int variant = 0; variant < 3; variant++) {
                if (variant > 0 && pos % 3) continue;
                uint8_t *copy = malloc(len);
                memcpy(copy, d, len);
                copy[pos] = variant == 0 ? (uint8_t)(copy[pos] ^ (1u << (pos % 8))) : variant == 1 ? 0x00 : 0xFF;
                face_image img = {0, 0, 0, NULL};
                face_err err;
                face_status s = face_jpeg_decode(copy, len, &img, &err);
                decodes++;
                if (s == FACE_OK) {
                    ok++;
                    assert_non_null(img.px);
                    assert_true(img.w > 0 && img.h > 0 && (img.channels == 1 || img.channels == 3));
                    face_image_free(&img);
                } else {
                    assert_true(err.msg[0] != '\0');
                    assert_null(img.px);
                }
                free(copy);
            }
        }
        free(d);
    }
    print_message("%ld damaged decodes (%ld still decoded): no crash\n", decodes, ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bad_args_and_headers),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bitflip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
