/*
 * fuzz_png.c - libFuzzer target for the PNG decoder (face/png.c + face/inflate.c); a decoded image small enough is re-encoded with face_png_encode (face/deflate.c) and must decode back to the same pixels. Built with FACENET_FUZZ, the decoder skips CRC-32 and Adler-32 checks so mutations reach the inflater and filters.
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Run:   build/fuzz/fuzz_png -max_total_time=600 CORPUS_DIR tests/data/images/png_*
 * Without libFuzzer (FACENET_FUZZ not defined) the main of tests/fuzz/replay_main.h replays
 * the files named on the command line, e.g. a saved crasher under gdb.
 */
#include "face/face.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    face_image img = {0};
    face_err err = {{0}};
    face_status st = face_png_decode(data, size, &img, &err);
    if (st != FACE_OK) {
        /* Every failure must say why, and leave no image behind. */
        if (err.msg[0] == '\0' || img.px != NULL) abort();
        return 0;
    }
    size_t n = (size_t)img.w * (size_t)img.h * (size_t)img.channels;
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) sum += img.px[i]; /* touch every pixel: MSan/ASan see them */
    if (img.w <= 0 || img.h <= 0 || (img.channels != 1 && img.channels != 3)) abort();
    if (n <= 65536) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        face_image back = {0};
        if (face_png_encode(&img, &bytes, &len, &err) != FACE_OK) abort();
        if (face_png_decode(bytes, len, &back, &err) != FACE_OK) abort();
        if (back.w != img.w || back.h != img.h || back.channels != img.channels ||
            memcmp(back.px, img.px, n) != 0)
            abort();
        face_image_free(&back);
        free(bytes);
    }
    face_image_free(&img);
    return (int)(sum & 0);
}

#include "tests/fuzz/replay_main.h"
