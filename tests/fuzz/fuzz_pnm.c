/*
 * fuzz_pnm.c - libFuzzer target for the PGM/PPM decoder (face/pnm.c).
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Run:   build/fuzz/fuzz_pnm -max_total_time=600 CORPUS_DIR tests/data/images/pnm_*
 * Without libFuzzer (FACENET_FUZZ not defined) the main of tests/fuzz/replay_main.h replays
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
    face_status st = face_pnm_decode(data, size, &img, &err);
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

#include "tests/fuzz/replay_main.h"
