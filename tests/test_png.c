/*
 * test_png.c - the PNG codec (face/png.c, inflate.c, deflate.c) and, through
 * the shared golden list, every generated codec test file:
 *   - tests/data/images/golden_codecs.txt (from tests/gen_png_golden.py):
 *     each PNG/PGM/PPM/BMP file decodes to PIL's pixels (FNV-1a 64 checksum);
 *   - truncated and bit-flipped copies of each file fail with a message (PNG:
 *     always, thanks to CRC/Adler; PNM/BMP: when the damage is detectable)
 *     and never crash (run under `make asan`);
 *   - random images round-trip exactly through our encoder and decoder;
 *   - zlib/CRC details: known check values, all deflate block types, caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/face.h"
#include "face/image_internal.h"

#define IMG_DIR "tests/data/images/"

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001B3ull;
    }
    return h;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

typedef struct golden {
    char name[96];
    int w, h, channels;
    uint64_t sum;
} golden;

/* All entries of the golden list; fails the test if it is missing. */
static int load_goldens(golden **out)
{
    FILE *f = fopen(IMG_DIR "golden_codecs.txt", "r");
    assert_non_null(f);
    golden *g = NULL;
    int n = 0;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        golden e;
        unsigned long long sum;
        if (sscanf(line, "%95s %d %d %d %llx", e.name, &e.w, &e.h, &e.channels, &sum) != 5) continue;
        e.sum = sum;
        g = realloc(g, (size_t)(n + 1) * sizeof *g);
        assert_non_null(g);
        g[n++] = e;
    }
    fclose(f);
    assert_true(n > 80);
    *out = g;
    return n;
}

static void test_goldens(void **state)
{
    (void)state;
    golden *g;
    int n = load_goldens(&g);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        char path[160];
        snprintf(path, sizeof path, IMG_DIR "%s", g[i].name);
        face_image img = {0};
        face_err err = {{0}};
        face_status st = face_image_load(path, &img, &err);
        if (st != FACE_OK) {
            printf("  %s: %s\n", g[i].name, err.msg);
            bad++;
            continue;
        }
        uint64_t sum = fnv1a64(img.px, (size_t)img.w * (size_t)img.h * (size_t)img.channels);
        if (img.w != g[i].w || img.h != g[i].h || img.channels != g[i].channels || sum != g[i].sum) {
            printf("  %s: got %dx%dx%d %016llx, want %dx%dx%d %016llx\n", g[i].name, img.w, img.h,
                   img.channels, (unsigned long long)sum, g[i].w, g[i].h, g[i].channels,
                   (unsigned long long)g[i].sum);
            bad++;
        }
        face_image_free(&img);
    }
    printf("  %d golden files, %d mismatches\n", n, bad);
    free(g);
    assert_int_equal(bad, 0);
}

/* Binary formats whose every truncation must be detected (ASCII PNM can end
 * on a number boundary and still be complete). */
static int truncation_detectable(const char *name)
{
    if (!strncmp(name, "png_", 4) || !strncmp(name, "bmp_", 4)) return 1;
    return strstr(name, "_P5_") || strstr(name, "_P6_");
}

static void test_truncated_and_flipped(void **state)
{
    (void)state;
    golden *g;
    int n = load_goldens(&g);
    uint32_t rng = 12345u; /* xorshift32, fixed seed: the same flips every run */
    long decodes = 0, png_flips = 0;
    for (int i = 0; i < n; i++) {
        char path[160];
        snprintf(path, sizeof path, IMG_DIR "%s", g[i].name);
        size_t len = 0;
        uint8_t *data = read_file(path, &len);
        assert_non_null(data);
        int is_png = !strncmp(g[i].name, "png_", 4);

        /* Every prefix for short files; 200 spread-out lengths otherwise. */
        size_t step = len > 200 ? len / 200 : 1;
        for (size_t cut = 0; cut < len; cut += step) {
            uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any over-read */
            assert_non_null(copy);
            memcpy(copy, data, cut);
            face_image img = {0};
            face_err err = {{0}};
            face_status st = face_image_decode(copy, cut, &img, &err);
            decodes++;
            if (st == FACE_OK) {
                if (truncation_detectable(g[i].name)) {
                    printf("  %s cut to %zu of %zu bytes decoded without error\n", g[i].name, cut,
                           len);
                    fail();
                }
                face_image_free(&img);
            } else {
                assert_true(strlen(err.msg) > 0);
                assert_null(img.px);
            }
            free(copy);
        }

        /* 64 single-bit flips at random positions. */
        for (int k = 0; k < 64; k++) {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            size_t at = rng % len;
            uint8_t *copy = malloc(len);
            assert_non_null(copy);
            memcpy(copy, data, len);
            copy[at] ^= (uint8_t)(1u << (rng >> 29));
            face_image img = {0};
            face_err err = {{0}};
            face_status st = face_image_decode(copy, len, &img, &err);
            decodes++;
            if (is_png) {
                /* The signature, chunk CRCs and Adler-32 cover every byte. */
                if (st == FACE_OK) {
                    printf("  %s with bit %u of byte %zu flipped decoded without error\n",
                           g[i].name, rng >> 29, at);
                    fail();
                }
                png_flips++;
            }
            if (st == FACE_OK)
                face_image_free(&img);
            else
                assert_true(strlen(err.msg) > 0);
            free(copy);
        }
        free(data);
    }
    printf("  %ld damaged decodes (%ld PNG bit flips, all rejected)\n", decodes, png_flips);
    free(g);
}

/* The error names the problem for a few hand-made defects. */
static void test_png_messages(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *data = read_file(IMG_DIR "png_c2_d8_n_7x5.png", &len);
    assert_non_null(data);
    face_image img = {0};
    face_err err = {{0}};

    data[20] ^= 1; /* inside IHDR: its CRC no longer matches */
    assert_int_equal(face_png_decode(data, len, &img, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "CRC mismatch in chunk IHDR"));
    data[20] ^= 1;

    assert_int_equal(face_png_decode(data, len - 12, &img, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "IEND"));

    /* A 20000x20000 header (valid CRC) is refused before anything is allocated. */
    uint8_t big[8 + 25] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                           0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20, 8, 2, 0, 0, 0};
    uint32_t crc = face_crc32(0, big + 12, 17);
    for (int i = 0; i < 4; i++) big[29 + i] = (uint8_t)(crc >> (24 - 8 * i));
    assert_int_equal(face_png_decode(big, sizeof big, &img, &err), FACE_ELIMIT);
    assert_non_null(strstr(err.msg, "20000x20000"));
    assert_null(img.px);
    free(data);
}

static void test_zlib_known_values(void **state)
{
    (void)state;
    const uint8_t s[] = "123456789";
    assert_int_equal(face_crc32(0, s, 9), 0xCBF43926u); /* the standard CRC-32 check value */
    assert_int_equal(face_adler32(1, s, 9), 0x091E01DEu);
    /* zlib.compress(b"hello hello hello hello") from Python (fixed Huffman, a match). */
    const uint8_t z[] = {0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x27,
                         0x01, 0x68, 0x03, 0x08, 0xb1};
    uint8_t out[32];
    size_t n = 0;
    face_err err = {{0}};
    assert_int_equal(face_zlib_inflate(z, sizeof z, out, sizeof out, &n, &err), FACE_OK);
    assert_int_equal(n, 23);
    assert_memory_equal(out, "hello hello hello hello", 23);
    /* Output cap: one byte short is an error, not an overflow. */
    assert_int_equal(face_zlib_inflate(z, sizeof z, out, 22, &n, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "more data than"));

    /* Hand-made defects, each with its own message. */
    const uint8_t type3[] = {0x78, 0x9c, 0x07, 0, 0, 0, 0, 0, 0};
    assert_int_equal(face_zlib_inflate(type3, sizeof type3, out, sizeof out, &n, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "block type 3"));
    const uint8_t nlen[] = {0x78, 0x9c, 0x01, 0x05, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd', 'e'};
    assert_int_equal(face_zlib_inflate(nlen, sizeof nlen, out, sizeof out, &n, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "NLEN"));
    const uint8_t dict[] = {0x78, 0xbb, 0, 0, 0, 0, 0, 0};
    assert_int_equal(face_zlib_inflate(dict, sizeof dict, out, sizeof out, &n, &err), FACE_EUNSUPPORTED);
    const uint8_t hdr[] = {0x78, 0x9d, 0x03, 0x00};
    assert_int_equal(face_zlib_inflate(hdr, sizeof hdr, out, sizeof out, &n, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "multiple of 31"));
    /* A stored block of "abcde" with a wrong Adler-32. */
    const uint8_t adler[] = {0x78, 0x9c, 0x01, 0x05, 0x00, 0xfa, 0xff, 'a', 'b', 'c', 'd', 'e', 0, 0, 0, 0};
    assert_int_equal(face_zlib_inflate(adler, sizeof adler, out, sizeof out, &n, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "Adler-32 mismatch"));
    /* A match at the very start reaches before the output: fixed block,
     * length symbol 257 (7-bit code 0000001), distance code 0. */
    const uint8_t far[] = {0x78, 0x9c, 0x03, 0x02, 0x00, 0, 0, 0, 0};
    assert_int_equal(face_zlib_inflate(far, sizeof far, out, sizeof out, &n, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "before the start"));
}

/* Random bytes (stored wins), runs (long matches), and mixtures through
 * our deflate and inflate, at sizes around the block boundaries. */
static void test_deflate_roundtrip(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, 2, 3, 4, 257, 258, 259, 65535, 65536, 100000, 300001};
    uint32_t rng = 777u;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        for (int kind = 0; kind < 3; kind++) {
            size_t n = sizes[si];
            uint8_t *in = malloc(n + 1), *back = malloc(n + 1);
            assert_non_null(in);
            assert_non_null(back);
            for (size_t i = 0; i < n; i++) {
                rng ^= rng << 13;
                rng ^= rng >> 17;
                rng ^= rng << 5;
                static const uint8_t pattern[9] = {'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'd'};
                if (kind == 0)
                    in[i] = (uint8_t)rng;
                else if (kind == 1)
                    in[i] = (uint8_t)((i / 300) & 3);
                else
                    in[i] = (rng & 7) ? pattern[i % 9] : (uint8_t)(rng >> 8);
            }
            uint8_t *z = NULL;
            size_t zn = 0, bn = 0;
            face_err err = {{0}};
            assert_int_equal(face_zlib_deflate(in, n, &z, &zn, &err), FACE_OK);
            assert_int_equal(face_zlib_inflate(z, zn, back, n, &bn, &err), FACE_OK);
            assert_int_equal(bn, n);
            if (n) assert_memory_equal(back, in, n);
            if (kind == 1 && n >= 65535) assert_true(zn < n / 50); /* runs really compress */
            if (kind == 0 && n >= 65535) assert_true(zn < n + n / 1000 + 64); /* stored: no blow-up */
            free(z);
            free(in);
            free(back);
        }
    }
}

static void test_png_encode_roundtrip(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {2, 3}, {17, 9}, {64, 64}, {301, 7}};
    uint32_t rng = 4242u;
    printf("  seed 4242\n");
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
        for (int ch = 1; ch <= 3; ch += 2) {
            for (int smooth = 0; smooth < 2; smooth++) {
                int w = dims[d][0], h = dims[d][1];
                size_t n = (size_t)w * (size_t)h * (size_t)ch;
                uint8_t *px = malloc(n);
                assert_non_null(px);
                for (size_t i = 0; i < n; i++) {
                    rng ^= rng << 13;
                    rng ^= rng >> 17;
                    rng ^= rng << 5;
                    px[i] = smooth ? (uint8_t)(i / (size_t)ch % (size_t)w + (rng & 3)) : (uint8_t)rng;
                }
                face_image img = {w, h, ch, px}, back = {0};
                uint8_t *bytes = NULL;
                size_t len = 0;
                face_err err = {{0}};
                assert_int_equal(face_png_encode(&img, &bytes, &len, &err), FACE_OK);
                assert_int_equal(face_image_decode(bytes, len, &back, &err), FACE_OK);
                assert_int_equal(back.w, w);
                assert_int_equal(back.h, h);
                assert_int_equal(back.channels, ch);
                assert_memory_equal(back.px, px, n);
                face_image_free(&back);
                free(bytes);
                free(px);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zlib_known_values),
        cmocka_unit_test(test_deflate_roundtrip),
        cmocka_unit_test(test_goldens),
        cmocka_unit_test(test_png_messages),
        cmocka_unit_test(test_png_encode_roundtrip),
        cmocka_unit_test(test_truncated_and_flipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
