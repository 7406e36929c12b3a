/*
 * fuzz_jpeg.c - libFuzzer target for the JPEG decoder (face/jpeg.c).
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Run:   build/fuzz/fuzz_jpeg -max_total_time=600 CORPUS_DIR tests/data/jpeg
 * Without libFuzzer (FACENET_FUZZ not defined) the small main below replays
 * the files named on the command line, e.g. a saved crasher under gdb.
 */
#include "face/face.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    face_image img = {0};
    face_err err = {{0}};
    face_status st = face_jpeg_decode(data, size, &img, &err);
    if (st != FACE_OK) {
        /* Every failure must say why, and leave no image behind. */
        if (err.msg[0] == '\0' || img.px != NULL) abort();
        return 0;
    }
    size_t n = (size_t)img.w * (size_t)img.h * (size_t)img.channels;
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) sum += img.px[i]; /* touch every pixel: MSan/ASan see them */
    if (img.w <= 0 || img.h <= 0 || (img.channels != 1 && img.channels != 3)) abort();
    face_image_free(&img);
    return (int)(sum & 0);
}

#ifndef FACENET_FUZZ
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            return 1;
        }
        size_t cap = 1 << 20, n = 0, got;
        uint8_t *buf = malloc(cap);
        while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
            n += got;
            if (n == cap) {
                uint8_t *nb = realloc(buf, cap * 2);
                if (!nb) break;
                buf = nb;
                cap *= 2;
            }
        }
        fclose(f);
        if (!buf) return 1;
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        printf("%s: ok\n", argv[i]);
    }
    return 0;
}
#endif
