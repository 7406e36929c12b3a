/*
 * test_pnm_bmp.c - PGM/PPM and BMP decoders, the PNM encoder and the format
 * sniffer (face/pnm.c, face/bmp.c, face/image.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "face/face.h"
#include "tools/cli.h"

static face_status decode_str(const char *s, size_t n, face_image *img, face_err *err)
{
    return face_image_decode((const uint8_t *)s, n, img, err);
}

static void test_pnm_ascii_comments(void **state)
{
    (void)state;
    const char s[] = "P2 # a comment\n#another\n3 2\n# mid\n255\n0 1 2\n253 254 255\n";
    face_image img = {0};
    face_err err = {{0}};
    assert_int_equal(decode_str(s, sizeof s - 1, &img, &err), FACE_OK);
    assert_int_equal(img.w, 3);
    assert_int_equal(img.h, 2);
    assert_int_equal(img.channels, 1);
    const uint8_t want[6] = {0, 1, 2, 253, 254, 255};
    assert_memory_equal(img.px, want, 6);
    face_image_free(&img);
}

/* maxval 6: v * 255 / 6 = 0, 42.5, 85, 127.5, 170, 212.5, 255; ties go to even. */
static void test_pnm_maxval_rounding(void **state)
{
    (void)state;
    const char s[] = "P3\n7 1\n6\n0 0 0 1 1 1 2 2 2 3 3 3 4 4 4 5 5 5 6 6 6\n";
    face_image img = {0};
    face_err err = {{0}};
    assert_int_equal(decode_str(s, sizeof s - 1, &img, &err), FACE_OK);
    assert_int_equal(img.channels, 3);
    const uint8_t want[7] = {0, 42, 85, 128, 170, 212, 255};
    for (int i = 0; i < 7; i++) assert_int_equal(img.px[3 * i + 1], want[i]);
    face_image_free(&img);
}

static void test_pnm_16bit(void **state)
{
    (void)state;
    /* P5, maxval 65535: 0x0000 -> 0, 0x8080 -> 128, 0xFFFF -> 255, 0x00FF (255/257=0.99) -> 1 */
    const uint8_t s[] = {'P', '5', '\n', '4', ' ', '1', '\n', '6', '5', '5', '3', '5', '\n',
                         0x00, 0x00, 0x80, 0x80, 0xFF, 0xFF, 0x00, 0xFF};
    face_image img = {0};
    face_err err = {{0}};
    assert_int_equal(face_image_decode(s, sizeof s, &img, &err), FACE_OK);
    const uint8_t want[4] = {0, 128, 255, 1};
    assert_memory_equal(img.px, want, 4);
    face_image_free(&img);
}

static void test_pnm_errors(void **state)
{
    (void)state;
    face_image img = {0};
    face_err err = {{0}};
    const char trunc[] = "P6\n4 4\n255\nabc";
    assert_int_equal(decode_str(trunc, sizeof trunc - 1, &img, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    const char big[] = "P5\n40000 2\n255\n";
    assert_int_equal(decode_str(big, sizeof big - 1, &img, &err), FACE_ELIMIT);
    const char over[] = "P2\n2 1\n10\n3 11\n";
    assert_int_equal(decode_str(over, sizeof over - 1, &img, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "over 10"));
    const char zero[] = "P5\n2 1\n0\n\x00\x00";
    assert_int_equal(decode_str(zero, sizeof zero - 1, &img, &err), FACE_EFORMAT);
    const char junk[] = "GIF89a";
    assert_int_equal(decode_str(junk, sizeof junk - 1, &img, &err), FACE_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "47 49 46"));
    assert_null(img.px);
}

static void test_pnm_encode_roundtrip(void **state)
{
    (void)state;
    uint8_t px[5 * 3 * 3];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 37 + 11);
    for (int ch = 1; ch <= 3; ch += 2) {
        face_image img = {5, 3, ch, px}, back = {0};
        uint8_t *bytes = NULL;
        size_t n = 0;
        face_err err = {{0}};
        assert_int_equal(face_pnm_encode(&img, &bytes, &n, &err), FACE_OK);
        assert_int_equal(face_pnm_decode(bytes, n, &back, &err), FACE_OK);
        assert_int_equal(back.w, 5);
        assert_int_equal(back.h, 3);
        assert_int_equal(back.channels, ch);
        assert_memory_equal(back.px, px, (size_t)(5 * 3 * ch));
        face_image_free(&back);
        free(bytes);
    }
}

/* A minimal BMP: 14-byte file header + 40-byte info header, then pixels. */
static size_t make_bmp(uint8_t *buf, int w, int h, int bits, uint32_t comp, uint32_t ncolors,
                       size_t pal_bytes, size_t pix_bytes)
{
    size_t off = 14 + 40 + pal_bytes, total = off + pix_bytes;
    memset(buf, 0, total);
    buf[0] = 'B';
    buf[1] = 'M';
    for (int i = 0; i < 4; i++) {
        buf[2 + i] = (uint8_t)(total >> (8 * i));
        buf[10 + i] = (uint8_t)(off >> (8 * i));
        buf[18 + i] = (uint8_t)((uint32_t)w >> (8 * i));
        buf[22 + i] = (uint8_t)((uint32_t)h >> (8 * i));
        buf[30 + i] = (uint8_t)(comp >> (8 * i));
        buf[46 + i] = (uint8_t)(ncolors >> (8 * i));
    }
    buf[14] = 40;
    buf[26] = 1;
    buf[28] = (uint8_t)bits;
    return total;
}

static void test_bmp_variants(void **state)
{
    (void)state;
    uint8_t buf[2048];
    face_image img = {0};
    face_err err = {{0}};

    /* 2x2 top-down 24-bit (height -2): first stored row is the top row. */
    size_t n = make_bmp(buf, 2, -2, 24, 0, 0, 0, 16);
    const uint8_t pix[16] = {1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0}; /* BGR + pad */
    memcpy(buf + 54, pix, 16);
    assert_int_equal(face_image_decode(buf, n, &img, &err), FACE_OK);
    const uint8_t want[12] = {3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10};
    assert_memory_equal(img.px, want, 12);
    face_image_free(&img);

    /* The same bottom-up: rows swap. */
    n = make_bmp(buf, 2, 2, 24, 0, 0, 0, 16);
    memcpy(buf + 54, pix, 16);
    assert_int_equal(face_image_decode(buf, n, &img, &err), FACE_OK);
    assert_memory_equal(img.px, want + 6, 6);
    assert_memory_equal(img.px + 6, want, 6);
    face_image_free(&img);

    /* Unsupported variants say what they are. */
    n = make_bmp(buf, 2, 2, 8, 1, 0, 1024, 8);
    assert_int_equal(face_image_decode(buf, n, &img, &err), FACE_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "RLE8"));
    n = make_bmp(buf, 2, 2, 16, 0, 0, 0, 8);
    assert_int_equal(face_image_decode(buf, n, &img, &err), FACE_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "16 bits"));

    /* 8-bit palette of 2 colours, a pixel uses index 5: an error, not garbage. */
    n = make_bmp(buf, 4, 1, 8, 0, 2, 8, 4);
    buf[54 + 8 + 2] = 5;
    assert_int_equal(face_image_decode(buf, n, &img, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "palette index 5"));

    /* Truncated pixel data and a huge header are refused before allocating. */
    n = make_bmp(buf, 2, 2, 24, 0, 0, 0, 16);
    assert_int_equal(face_image_decode(buf, n - 1, &img, &err), FACE_EFORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    n = make_bmp(buf, 20000, 20000, 24, 0, 0, 0, 16);
    assert_int_equal(face_image_decode(buf, n, &img, &err), FACE_ELIMIT);
    assert_null(img.px);
}

/* facenet-run convert: exit codes, formats by extension, a PNG named .jpg. */
static void test_convert_command(void **state)
{
    (void)state;
    /* Per-process names: several builds' tests may run at once. */
    char out_png[64], out_ppm[64], out_pgm[64];
    char *outs[3] = {out_png, out_ppm, out_pgm};
    snprintf(out_png, sizeof out_png, "/tmp/facenet_convert_%ld.png", (long)getpid());
    snprintf(out_ppm, sizeof out_ppm, "/tmp/facenet_convert_%ld.ppm", (long)getpid());
    snprintf(out_pgm, sizeof out_pgm, "/tmp/facenet_convert_%ld.pgm", (long)getpid());
    char name[] = "convert", in_jpg[] = "tests/data/images/png_named_as.jpg";
    char in_gray[] = "tests/data/images/pnm_P5_max255.pgm";
    char help[] = "--help", bogus[] = "/nonexistent/x.png", bad_ext[] = "/tmp/x.gif";

    char *a1[] = {name, in_jpg, out_png};
    assert_int_equal(cmd_convert(3, a1), CLI_EXIT_OK);
    char *a2[] = {name, out_png, out_ppm};
    assert_int_equal(cmd_convert(3, a2), CLI_EXIT_OK);
    face_image x = {0}, y = {0};
    face_err err = {{0}};
    assert_int_equal(face_image_load(in_jpg, &x, &err), FACE_OK);
    assert_int_equal(face_image_load(out_ppm, &y, &err), FACE_OK);
    assert_int_equal(x.w, y.w);
    assert_int_equal(y.channels, 3);
    assert_memory_equal(x.px, y.px, (size_t)(x.w * x.h * 3));
    face_image_free(&x);
    face_image_free(&y);

    char *a3[] = {name, in_jpg, out_pgm}; /* colour into .pgm: refused */
    assert_int_equal(cmd_convert(3, a3), CLI_EXIT_PARTIAL);
    char *a4[] = {name, in_gray, out_pgm};
    assert_int_equal(cmd_convert(3, a4), CLI_EXIT_OK);
    char *a5[] = {name, bogus, out_png};
    assert_int_equal(cmd_convert(3, a5), CLI_EXIT_PARTIAL);
    char *a6[] = {name, in_gray, bad_ext};
    assert_int_equal(cmd_convert(3, a6), CLI_EXIT_PARTIAL);
    char *a7[] = {name, in_gray};
    assert_int_equal(cmd_convert(2, a7), CLI_EXIT_USAGE);
    char *a8[] = {name, help};
    assert_int_equal(cmd_convert(2, a8), CLI_EXIT_OK);
    for (int i = 0; i < 3; i++) remove(outs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pnm_ascii_comments),
        cmocka_unit_test(test_pnm_maxval_rounding),
        cmocka_unit_test(test_pnm_16bit),
        cmocka_unit_test(test_pnm_errors),
        cmocka_unit_test(test_pnm_encode_roundtrip),
        cmocka_unit_test(test_bmp_variants),
        cmocka_unit_test(test_convert_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
