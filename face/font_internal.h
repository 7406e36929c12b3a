/*
 * font_internal.h - the built-in bitmap font's glyph table (face/font.c),
 * used by face/draw.c. Nothing outside face/ includes this.
 */
#ifndef FACE_FONT_INTERNAL_H
#define FACE_FONT_INTERNAL_H

#define FACE_FONT_FIRST 32 /* ' ' */
#define FACE_FONT_LAST 126 /* '~' */
#define FACE_FONT_GLYPH_W 5
#define FACE_FONT_GLYPH_H 7

/* [char - 32][row 0..6, top first] a 5-character string, '#' = ink. */
extern const char face_font5x7[95][7][6];

#endif
