/*
 * test_draw.c - boxes, labels and bitmap-font text, checked pixel by pixel.
 *
 * Images live in buffers with guard bytes on both sides (checked after each
 * draw), and the random clipping test uses exact-size buffers so that the
 * ASan build (make asan) catches any write outside. Expected glyphs are
 * written out here again by hand for the letters tested, so a change to the
 * font table is caught rather than compared with itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/face.h"

#define GUARD 64
#define GUARD_BYTE 0xa5

static const face_rgb RED = {255, 0, 0}, GREEN = {0, 255, 0}, BLUE = {0, 0, 255},
                      WHITE = {255, 255, 255};

typedef struct guarded {
    face_image img;
    uint8_t *base; /* [GUARD + h*w*channels + GUARD] */
} guarded;

static guarded make_img(int w, int h, int ch)
{
    guarded g;
    size_t n = (size_t)w * (size_t)h * (size_t)ch;
    g.base = malloc(n + 2 * GUARD);
    assert_non_null(g.base);
    memset(g.base, GUARD_BYTE, n + 2 * GUARD);
    g.img.w = w;
    g.img.h = h;
    g.img.channels = ch;
    g.img.px = g.base + GUARD;
    memset(g.img.px, 0, n);
    return g;
}

static void check_guards_and_free(guarded *g)
{
    size_t n = (size_t)g->img.w * (size_t)g->img.h * (size_t)g->img.channels;
    for (size_t i = 0; i < GUARD; i++) {
        assert_int_equal(g->base[i], GUARD_BYTE);
        assert_int_equal(g->base[GUARD + n + i], GUARD_BYTE);
    }
    free(g->base);
}

static const uint8_t *px(const face_image *img, int x, int y)
{
    return img->px + ((size_t)y * (size_t)img->w + (size_t)x) * (size_t)img->channels;
}

/* The whole image must match map: '#' = color, '.' = untouched (0). */
static void expect_map(const face_image *img, const char *const *map, face_rgb color)
{
    for (int y = 0; y < img->h; y++) {
        assert_int_equal((int)strlen(map[y]), img->w);
        for (int x = 0; x < img->w; x++) {
            const uint8_t *p = px(img, x, y);
            int on = map[y][x] == '#';
            if (img->channels == 3) {
                uint8_t want[3] = {on ? color.r : 0, on ? color.g : 0, on ? color.b : 0};
                if (memcmp(p, want, 3) != 0)
                    print_error("pixel (%d, %d) is %d,%d,%d, expected %s\n", x, y, p[0], p[1], p[2],
                                on ? "ink" : "untouched");
                assert_memory_equal(p, want, 3);
            } else {
                uint8_t want = on ? (uint8_t)((77u * color.r + 150u * color.g + 29u * color.b + 128u) >> 8) : 0;
                if (*p != want) print_error("pixel (%d, %d) is %d, expected %d\n", x, y, *p, want);
                assert_int_equal(*p, want);
            }
        }
    }
}

static void test_rect_rgb(void **state)
{
    (void)state;
    guarded g = make_img(8, 6, 3);
    assert_int_equal(face_draw_rect(&g.img, 1, 1, 5, 4, 1, RED), FACE_OK);
    const char *map[] = {
        "........",
        ".#####..",
        ".#...#..",
        ".#...#..",
        ".#####..",
        "........",
    };
    expect_map(&g.img, map, RED);
    check_guards_and_free(&g);
}

static void test_rect_thick(void **state)
{
    (void)state;
    guarded g = make_img(9, 9, 3);
    assert_int_equal(face_draw_rect(&g.img, 1, 1, 7, 7, 2, GREEN), FACE_OK);
    const char *map[] = {
        ".........",
        ".#######.",
        ".#######.",
        ".##...##.",
        ".##...##.",
        ".##...##.",
        ".#######.",
        ".#######.",
        ".........",
    };
    expect_map(&g.img, map, GREEN);
    check_guards_and_free(&g);

    /* Thicker than half the box: filled. */
    g = make_img(5, 4, 3);
    assert_int_equal(face_draw_rect(&g.img, 1, 0, 3, 4, 2, BLUE), FACE_OK);
    const char *full[] = {".###.", ".###.", ".###.", ".###."};
    expect_map(&g.img, full, BLUE);
    check_guards_and_free(&g);
}

static void test_gray(void **state)
{
    (void)state;
    guarded g = make_img(4, 3, 1);
    assert_int_equal(face_draw_fill(&g.img, 1, 1, 2, 1, RED), FACE_OK);
    /* BT.601 luma of pure red: (77 * 255 + 128) / 256 = 77. */
    assert_int_equal(*px(&g.img, 1, 1), 77);
    assert_int_equal(*px(&g.img, 2, 1), 77);
    assert_int_equal(*px(&g.img, 0, 1), 0);
    assert_int_equal(*px(&g.img, 3, 1), 0);
    assert_int_equal(face_draw_fill(&g.img, 0, 0, 1, 1, GREEN), FACE_OK);
    assert_int_equal(*px(&g.img, 0, 0), 149);
    assert_int_equal(face_draw_fill(&g.img, 3, 2, 1, 1, WHITE), FACE_OK);
    assert_int_equal(*px(&g.img, 3, 2), 255);
    check_guards_and_free(&g);
}

static void test_rect_clipping(void **state)
{
    (void)state;
    guarded g = make_img(6, 6, 3);
    /* Box (-2,-2)..(2,2): only its right column and bottom row show. */
    assert_int_equal(face_draw_rect(&g.img, -2, -2, 5, 5, 1, RED), FACE_OK);
    /* Box (4,3) 100x100: its top and left edges show. */
    assert_int_equal(face_draw_rect(&g.img, 4, 3, 100, 100, 1, RED), FACE_OK);
    const char *map[] = {
        "..#...",
        "..#...",
        "###...",
        "....##",
        "....#.",
        "....#.",
    };
    expect_map(&g.img, map, RED);

    /* Extremes: all off the image (INT_MIN + INT_MAX = -1 ends left of
     * column 0), so nothing is drawn, and nothing overflows. */
    memset(g.img.px, 0, 6 * 6 * 3);
    assert_int_equal(face_draw_rect(&g.img, INT_MAX, INT_MAX, INT_MAX, INT_MAX, 3, RED), FACE_OK);
    assert_int_equal(face_draw_rect(&g.img, INT_MIN, INT_MIN, INT_MAX, INT_MAX, 1, RED), FACE_OK);
    assert_int_equal(face_draw_fill(&g.img, INT_MIN, 0, INT_MAX, 6, RED), FACE_OK);
    assert_int_equal(face_draw_fill(&g.img, 6, 0, INT_MAX, 6, RED), FACE_OK);
    assert_int_equal(face_draw_fill(&g.img, 0, 0, -3, 6, RED), FACE_OK);
    assert_int_equal(face_draw_text(&g.img, INT_MAX, INT_MAX, "abc", 64, RED), FACE_OK);
    assert_int_equal(face_draw_text(&g.img, INT_MIN, INT_MIN, "abc\nabc", 64, RED), FACE_OK);
    assert_int_equal(face_draw_label(&g.img, INT_MAX, INT_MAX, "abc", 64, RED, RED), FACE_OK);
    assert_int_equal(face_draw_annotation(&g.img, INT_MAX - 5, INT_MIN, INT_MAX, INT_MAX, "x", 0,
                                          RED),
                     FACE_OK);
    uint8_t zero[6 * 6 * 3] = {0};
    assert_memory_equal(g.img.px, zero, sizeof zero);
    check_guards_and_free(&g);
}

/* Hand copies of a few glyphs (5x7, '#' = ink). */
static const char *const GLYPH_A[7] = {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"};
static const char *const GLYPH_T[7] = {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."};
static const char *const GLYPH_H[7] = {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"};
static const char *const GLYPH_Q[7] = {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."}; /* '?' */

static int glyph_on(const char *const *gl, int gx, int gy)
{
    return gx >= 0 && gx < 5 && gy >= 0 && gy < 7 && gl[gy][gx] == '#';
}

/* Every pixel: ink exactly where glyph gl, drawn at (ox, oy) with scale s, has ink. */
static void expect_glyph(const face_image *img, const char *const *gl, int ox, int oy, int s,
                         uint8_t ink)
{
    for (int y = 0; y < img->h; y++)
        for (int x = 0; x < img->w; x++) {
            int dx = x - ox, dy = y - oy;
            int on = dx >= 0 && dy >= 0 && glyph_on(gl, dx / s, dy / s);
            uint8_t want = on ? ink : 0;
            if (*px(img, x, y) != want)
                print_error("pixel (%d, %d) is %d, expected %d\n", x, y, *px(img, x, y), want);
            assert_int_equal(*px(img, x, y), want);
        }
}

static void test_text_glyphs(void **state)
{
    (void)state;
    guarded g = make_img(8, 10, 1);
    assert_int_equal(face_draw_text(&g.img, 1, 2, "A", 1, WHITE), FACE_OK);
    expect_glyph(&g.img, GLYPH_A, 1, 2, 1, 255);
    check_guards_and_free(&g);

    g = make_img(12, 16, 1);
    assert_int_equal(face_draw_text(&g.img, 0, 0, "T", 2, WHITE), FACE_OK);
    expect_glyph(&g.img, GLYPH_T, 0, 0, 2, 255);
    check_guards_and_free(&g);

    /* Bytes outside 32..126 are drawn as '?'. */
    g = make_img(6, 8, 1);
    assert_int_equal(face_draw_text(&g.img, 0, 0, "\x80", 1, WHITE), FACE_OK);
    expect_glyph(&g.img, GLYPH_Q, 0, 0, 1, 255);
    check_guards_and_free(&g);

    /* RGB: the colour itself. */
    g = make_img(7, 8, 3);
    assert_int_equal(face_draw_text(&g.img, 1, 0, "H", 1, GREEN), FACE_OK);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 7; x++) {
            const uint8_t *p = px(&g.img, x, y);
            int on = glyph_on(GLYPH_H, x - 1, y);
            assert_int_equal(p[0], 0);
            assert_int_equal(p[1], on ? 255 : 0);
            assert_int_equal(p[2], 0);
        }
    check_guards_and_free(&g);
}

static void test_text_clipping(void **state)
{
    (void)state;
    /* Top-left: 'H' starting at (-2, -3) on a 4x5 image. */
    guarded g = make_img(4, 5, 1);
    assert_int_equal(face_draw_text(&g.img, -2, -3, "H", 1, WHITE), FACE_OK);
    expect_glyph(&g.img, GLYPH_H, -2, -3, 1, 255);
    check_guards_and_free(&g);

    /* Right and bottom: "AT" at (3, 4) on 8x8; 'A' cut, 'T' (x = 9) off. */
    g = make_img(8, 8, 1);
    assert_int_equal(face_draw_text(&g.img, 3, 4, "AT", 1, WHITE), FACE_OK);
    expect_glyph(&g.img, GLYPH_A, 3, 4, 1, 255);
    check_guards_and_free(&g);

    /* Scaled and cut on all sides: 'A' x3 at (-4, -5) on 9x10. */
    g = make_img(9, 10, 1);
    assert_int_equal(face_draw_text(&g.img, -4, -5, "A", 3, WHITE), FACE_OK);
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 9; x++) {
            int on = glyph_on(GLYPH_A, (x + 4) / 3, (y + 5) / 3);
            assert_int_equal(*px(&g.img, x, y), on ? 255 : 0);
        }
    check_guards_and_free(&g);
}

static void test_text_lines_and_size(void **state)
{
    (void)state;
    guarded g = make_img(6, 16, 1);
    assert_int_equal(face_draw_text(&g.img, 0, 0, "T\nA", 1, WHITE), FACE_OK);
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 6; x++) {
            int on = y < 8 ? glyph_on(GLYPH_T, x, y) : glyph_on(GLYPH_A, x, y - 8);
            assert_int_equal(*px(&g.img, x, y), on ? 255 : 0);
        }
    check_guards_and_free(&g);

    int w = -1, h = -1;
    face_text_size("ab\ncde", 2, &w, &h);
    assert_int_equal(w, 3 * 6 * 2);
    assert_int_equal(h, 2 * 8 * 2);
    face_text_size("", 1, &w, &h);
    assert_int_equal(w, 0);
    assert_int_equal(h, 8);
    face_text_size("unknown 0.61", 3, &w, &h);
    assert_int_equal(w, 12 * 18);
    assert_int_equal(h, 24);
}

/* Every printable glyph stays in its 5x7 box (the cell's spacing column and
 * row stay empty), has ink unless it is the space, and differs from all others. */
static void test_all_glyphs(void **state)
{
    (void)state;
    static uint8_t seen[95][6 * 8];
    for (int c = 32; c <= 126; c++) {
        guarded g = make_img(6, 8, 1);
        char s[2] = {(char)c, 0};
        assert_int_equal(face_draw_text(&g.img, 0, 0, s, 1, WHITE), FACE_OK);
        int ink = 0;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 6; x++) {
                uint8_t v = *px(&g.img, x, y);
                assert_true(v == 0 || v == 255);
                if (x == 5 || y == 7) assert_int_equal(v, 0);
                ink += v != 0;
            }
        if (c == ' ')
            assert_int_equal(ink, 0);
        else
            assert_true(ink >= 2);
        memcpy(seen[c - 32], g.img.px, sizeof seen[0]);
        for (int o = 32; o < c; o++)
            if (memcmp(seen[o - 32], seen[c - 32], sizeof seen[0]) == 0) {
                print_error("glyphs '%c' and '%c' are identical\n", o, c);
                fail();
            }
        check_guards_and_free(&g);
    }
}

static void test_label(void **state)
{
    (void)state;
    guarded g = make_img(10, 11, 3);
    assert_int_equal(face_draw_label(&g.img, 1, 1, "T", 1, WHITE, BLUE), FACE_OK);
    /* Background [1, 1+6+1) x [1, 1+8+1); text at (2, 2). */
    for (int y = 0; y < 11; y++)
        for (int x = 0; x < 10; x++) {
            const uint8_t *p = px(&g.img, x, y);
            int in_bg = x >= 1 && x < 8 && y >= 1 && y < 10;
            int ink = glyph_on(GLYPH_T, x - 2, y - 2);
            face_rgb want = ink ? WHITE : in_bg ? BLUE : (face_rgb){0, 0, 0};
            if (p[0] != want.r || p[1] != want.g || p[2] != want.b)
                print_error("pixel (%d, %d)\n", x, y);
            assert_int_equal(p[0], want.r);
            assert_int_equal(p[1], want.g);
            assert_int_equal(p[2], want.b);
        }
    check_guards_and_free(&g);
}

static void test_annotation(void **state)
{
    (void)state;
    guarded g = make_img(64, 48, 3);
    /* Room above: label (7x9 for one character) at (10, 20 - 9). */
    assert_int_equal(face_draw_annotation(&g.img, 10, 20, 30, 20, "T", 1, GREEN), FACE_OK);
    assert_memory_equal(px(&g.img, 10, 11), ((uint8_t[]){0, 255, 0}), 3);  /* label bg */
    assert_memory_equal(px(&g.img, 11, 12), ((uint8_t[]){255, 255, 255}), 3); /* 'T' top row */
    assert_memory_equal(px(&g.img, 10, 10), ((uint8_t[]){0, 0, 0}), 3);  /* above label */
    assert_memory_equal(px(&g.img, 17, 11), ((uint8_t[]){0, 0, 0}), 3);  /* right of label */
    assert_memory_equal(px(&g.img, 39, 39), ((uint8_t[]){0, 255, 0}), 3); /* box corner */
    assert_memory_equal(px(&g.img, 25, 30), ((uint8_t[]){0, 0, 0}), 3);  /* inside box */
    check_guards_and_free(&g);

    /* No room above (y = 2): the label goes inside the box's top; near the
     * right edge it is shifted left to stay whole. */
    g = make_img(64, 48, 3);
    assert_int_equal(face_draw_annotation(&g.img, 60, 2, 10, 20, "TT", 1, RED), FACE_OK);
    /* label 13x9: x from 64 - 13 = 51, y from 2 */
    assert_memory_equal(px(&g.img, 51, 2), ((uint8_t[]){255, 0, 0}), 3);
    assert_memory_equal(px(&g.img, 50, 2), ((uint8_t[]){0, 0, 0}), 3);
    assert_memory_equal(px(&g.img, 52, 3), ((uint8_t[]){255, 255, 255}), 3);
    assert_memory_equal(px(&g.img, 51, 1), ((uint8_t[]){0, 0, 0}), 3);
    check_guards_and_free(&g);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    guarded g = make_img(4, 4, 3);
    face_image bad = g.img;
    bad.channels = 4;
    assert_int_equal(face_draw_rect(&bad, 0, 0, 2, 2, 1, RED), FACE_EINVAL);
    assert_int_equal(face_draw_rect(NULL, 0, 0, 2, 2, 1, RED), FACE_EINVAL);
    assert_int_equal(face_draw_rect(&g.img, 0, 0, 2, 2, 0, RED), FACE_EINVAL);
    assert_int_equal(face_draw_text(&g.img, 0, 0, "a", 0, RED), FACE_EINVAL);
    assert_int_equal(face_draw_text(&g.img, 0, 0, "a", FACE_DRAW_MAX_SCALE + 1, RED), FACE_EINVAL);
    assert_int_equal(face_draw_text(&g.img, 0, 0, NULL, 1, RED), FACE_EINVAL);
    bad = g.img;
    bad.px = NULL;
    assert_int_equal(face_draw_fill(&bad, 0, 0, 2, 2, RED), FACE_EINVAL);
    bad = g.img;
    bad.w = 0;
    assert_int_equal(face_draw_label(&bad, 0, 0, "a", 1, RED, RED), FACE_EINVAL);
    uint8_t zero[4 * 4 * 3] = {0};
    assert_memory_equal(g.img.px, zero, sizeof zero);
    check_guards_and_free(&g);
}

/* Random boxes and text against a per-pixel model, in exact-size buffers. */
static void test_random_clipping(void **state)
{
    (void)state;
    uint32_t seed = 4242, s = seed;
    print_message("random clipping: seed %u\n", seed);
    for (int iter = 0; iter < 2000; iter++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        int w = 1 + (int)(s % 9), h = 1 + (int)((s >> 4) % 9), ch = (s >> 8) & 1 ? 3 : 1;
        int x = (int)((s >> 10) % 31) - 15, y = (int)((s >> 15) % 31) - 15;
        int bw = (int)((s >> 20) % 25) - 2, bh = (int)((s >> 25) % 25) - 2, t = 1 + (int)(s % 4);
        face_image img = {w, h, ch, calloc((size_t)(w * h * ch), 1)};
        assert_non_null(img.px);
        assert_int_equal(face_draw_rect(&img, x, y, bw, bh, t, WHITE), FACE_OK);
        for (int py = 0; py < h; py++)
            for (int pxx = 0; pxx < w; pxx++) {
                int inside = pxx >= x && pxx < x + bw && py >= y && py < y + bh;
                int border = 2 * t >= bw || 2 * t >= bh || pxx < x + t || pxx >= x + bw - t ||
                             py < y + t || py >= y + bh - t;
                assert_int_equal(*px(&img, pxx, py), inside && border ? 255 : 0);
            }
        /* Text and labels anywhere: ASan watches the buffer's edges. */
        assert_int_equal(face_draw_label(&img, x, y, "Ay?~", 1 + (iter & 1), RED, BLUE), FACE_OK);
        assert_int_equal(face_draw_annotation(&img, x, y, bw, bh, "name 0.5", (iter & 3) - 1, GREEN),
                         FACE_OK);
        free(img.px);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rect_rgb),
        cmocka_unit_test(test_rect_thick),
        cmocka_unit_test(test_gray),
        cmocka_unit_test(test_rect_clipping),
        cmocka_unit_test(test_text_glyphs),
        cmocka_unit_test(test_text_clipping),
        cmocka_unit_test(test_text_lines_and_size),
        cmocka_unit_test(test_all_glyphs),
        cmocka_unit_test(test_label),
        cmocka_unit_test(test_annotation),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_random_clipping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
