/*
 * draw.c - rectangles, filled boxes and bitmap-font text on a face_image.
 *
 * Every primitive reduces to filling an axis-aligned rectangle, and that
 * one function clips to the image. Coordinates are computed in int64_t, so
 * any int position or size (even INT_MIN or INT_MAX) clips correctly
 * instead of overflowing.
 */
#include "face/face.h"
#include "face/font_internal.h"

#include <stdint.h>
#include <string.h>

static int image_ok(const face_image *img)
{
    return img && img->px && img->w > 0 && img->h > 0 &&
           (img->channels == 1 || img->channels == 3);
}

/* Fill [x0, x1) x [y0, y1), clipped to the image. */
static void fill(face_image *img, int64_t x0, int64_t y0, int64_t x1, int64_t y1, face_rgb c)
{
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > img->w) x1 = img->w;
    if (y1 > img->h) y1 = img->h;
    if (x0 >= x1 || y0 >= y1) return;
    size_t ch = (size_t)img->channels;
    size_t stride = (size_t)img->w * ch;
    uint8_t gray = (uint8_t)((77u * c.r + 150u * c.g + 29u * c.b + 128u) >> 8);
    for (int64_t y = y0; y < y1; y++) {
        uint8_t *row = img->px + (size_t)y * stride;
        if (ch == 1) {
            memset(row + x0, gray, (size_t)(x1 - x0));
            continue;
        }
        for (int64_t x = x0; x < x1; x++) {
            uint8_t *p = row + (size_t)x * 3;
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
        }
    }
}

face_status face_draw_fill(face_image *img, int x, int y, int w, int h, face_rgb color)
{
    if (!image_ok(img)) return FACE_EINVAL;
    if (w <= 0 || h <= 0) return FACE_OK;
    fill(img, x, y, (int64_t)x + w, (int64_t)y + h, color);
    return FACE_OK;
}

face_status face_draw_rect(face_image *img, int x, int y, int w, int h, int thickness,
                           face_rgb color)
{
    if (!image_ok(img) || thickness < 1) return FACE_EINVAL;
    if (w <= 0 || h <= 0) return FACE_OK;
    int64_t x0 = x, y0 = y, x1 = (int64_t)x + w, y1 = (int64_t)y + h, t = thickness;
    if (2 * t >= w || 2 * t >= h) {
        fill(img, x0, y0, x1, y1, color);
        return FACE_OK;
    }
    fill(img, x0, y0, x1, y0 + t, color);          /* top */
    fill(img, x0, y1 - t, x1, y1, color);          /* bottom */
    fill(img, x0, y0 + t, x0 + t, y1 - t, color);  /* left */
    fill(img, x1 - t, y0 + t, x1, y1 - t, color);  /* right */
    return FACE_OK;
}

static const char (*glyph(unsigned char ch))[6]
{
    if (ch < FACE_FONT_FIRST || ch > FACE_FONT_LAST) ch = '?';
    return face_font5x7[ch - FACE_FONT_FIRST];
}

face_status face_draw_text(face_image *img, int x, int y, const char *text, int scale,
                           face_rgb color)
{
    if (!image_ok(img) || !text || scale < 1 || scale > FACE_DRAW_MAX_SCALE) return FACE_EINVAL;
    int64_t s = scale;
    int64_t cx = x, cy = y;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            cx = x;
            cy += FACE_FONT_CELL_H * s;
            continue;
        }
        /* Only glyphs that touch the image are walked. */
        if (cx < img->w && cy < img->h && cx + FACE_FONT_CELL_W * s > 0 &&
            cy + FACE_FONT_CELL_H * s > 0) {
            const char (*rows)[6] = glyph(*p);
            for (int r = 0; r < FACE_FONT_GLYPH_H; r++)
                for (int c = 0; c < FACE_FONT_GLYPH_W; c++)
                    if (rows[r][c] == '#')
                        fill(img, cx + c * s, cy + r * s, cx + (c + 1) * s, cy + (r + 1) * s,
                             color);
        }
        cx += FACE_FONT_CELL_W * s;
    }
    return FACE_OK;
}

void face_text_size(const char *text, int scale, int *w, int *h)
{
    size_t longest = 0, cur = 0, lines = 1;
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\n') {
            lines++;
            cur = 0;
        } else if (++cur > longest) {
            longest = cur;
        }
    }
    if (scale < 1) scale = 1;
    if (scale > FACE_DRAW_MAX_SCALE) scale = FACE_DRAW_MAX_SCALE;
    /* Saturate: a caller measuring a huge string gets INT_MAX, not garbage. */
    size_t cw = (size_t)FACE_FONT_CELL_W * (size_t)scale, chh = (size_t)FACE_FONT_CELL_H * (size_t)scale;
    if (w) *w = longest > (size_t)INT32_MAX / cw ? INT32_MAX : (int)(longest * cw);
    if (h) *h = lines > (size_t)INT32_MAX / chh ? INT32_MAX : (int)(lines * chh);
}

face_status face_draw_label(face_image *img, int x, int y, const char *text, int scale,
                            face_rgb fg, face_rgb bg)
{
    if (!image_ok(img) || !text || scale < 1 || scale > FACE_DRAW_MAX_SCALE) return FACE_EINVAL;
    int tw, th;
    face_text_size(text, scale, &tw, &th);
    /* Padding: `scale` on the left and top; the cells' own spacing column
     * and row give the same on the right and bottom. */
    fill(img, x, y, (int64_t)x + tw + scale, (int64_t)y + th + scale, bg);
    int64_t tx = (int64_t)x + scale, ty = (int64_t)y + scale;
    if (tx > INT32_MAX || ty > INT32_MAX) return FACE_OK; /* entirely off the image */
    return face_draw_text(img, (int)tx, (int)ty, text, scale, fg);
}

face_status face_draw_annotation(face_image *img, int x, int y, int w, int h, const char *text,
                                 int scale, face_rgb color)
{
    if (!image_ok(img) || !text) return FACE_EINVAL;
    if (w <= 0 || h <= 0) return FACE_OK;
    int side = w < h ? w : h;
    int thickness = side / 50 > 1 ? side / 50 : 1;
    if (scale <= 0) {
        /* 8 px text up to 150 px boxes, one step per 150 px after, at most 4x. */
        scale = 1 + w / 150;
        if (scale > 4) scale = 4;
    }
    if (scale > FACE_DRAW_MAX_SCALE) scale = FACE_DRAW_MAX_SCALE;
    face_status st = face_draw_rect(img, x, y, w, h, thickness, color);
    if (st != FACE_OK) return st;
    int tw, th;
    face_text_size(text, scale, &tw, &th);
    int64_t lw = (int64_t)tw + scale, lh = (int64_t)th + scale;
    /* Above the box if it fits, else inside its top edge; shifted left to
     * stay on the image when the box is near the right edge. */
    int64_t ly = (int64_t)y - lh >= 0 ? (int64_t)y - lh : y;
    int64_t lx = x;
    if (lx + lw > img->w) lx = img->w - lw;
    if (lx < 0) lx = 0;
    if (ly > INT32_MAX) return FACE_OK;
    const face_rgb white = {255, 255, 255};
    return face_draw_label(img, (int)lx, (int)ly, text, scale, white, color);
}
