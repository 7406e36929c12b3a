/*
 * image_internal.h - helpers shared by the image codecs in face/ (image.c,
 * png.c, pnm.c, bmp.c, inflate.c, deflate.c). Nothing outside face/ includes it.
 */
#ifndef FACE_IMAGE_INTERNAL_H
#define FACE_IMAGE_INTERNAL_H

#include "face/face.h"

#include <stddef.h>
#include <stdint.h>

/* printf into err->msg (err may be NULL); returns st so callers can
 * `return face_codec_fail(err, FACE_EFORMAT, "...", ...);`. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
face_status face_codec_fail(face_err *err, face_status st, const char *fmt, ...);

/* Check w, h against FACE_IMAGE_MAX_DIM / FACE_IMAGE_MAX_PIXELS (and > 0).
 * After FACE_OK, w * h * 8 fits easily in 64 bits. */
face_status face_image_check_size(uint64_t w, uint64_t h, const char *what, face_err *err);

/* face_image_check_size, then allocate img->px (zeroed) for w x h x
 * channels. what names the format for the message ("PNG", "BMP", ...).
 * Fills *img only on success. */
face_status face_image_alloc(face_image *img, uint64_t w, uint64_t h, int channels,
                             const char *what, face_err *err);

/* ---- zlib (RFC 1950/1951), used by PNG ---- */

/* Adler-32 of data, continuing from adler (start with 1). */
uint32_t face_adler32(uint32_t adler, const uint8_t *data, size_t len);

/* CRC-32 (ISO-HDLC polynomial, as in PNG and zlib) continuing from crc (start with 0). */
uint32_t face_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* Inflate a zlib stream (2-byte header, deflate blocks, Adler-32 trailer)
 * into out[0..out_cap). The caller knows exactly how many bytes to expect:
 * *out_len gets the number produced. Producing more than out_cap is an
 * error (FACE_EFORMAT), so a hostile stream can never grow a buffer.
 * Bytes after the Adler-32 trailer are ignored. */
face_status face_zlib_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                              size_t *out_len, face_err *err);

/* Deflate in[0..in_len) into a malloc'd zlib stream (*out, *out_len), with
 * LZ77 on hash chains and dynamic Huffman blocks (fixed or stored when
 * smaller). */
face_status face_zlib_deflate(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len,
                              face_err *err);

#endif
