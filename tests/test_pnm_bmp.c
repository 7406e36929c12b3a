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

#include "face/face.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pnm_ascii_comments),
        cmocka_unit_test(test_pnm_maxval_rounding),
        cmocka_unit_test(test_pnm_16bit),
        cmocka_unit_test(test_pnm_errors),
        cmocka_unit_test(test_pnm_encode_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
