/*
 * fuzz_cascade.c - libFuzzer target for the cascade file reader
 * (face/cascade.c). Built with FACENET_FUZZ the reader skips the CRC-32
 * check, so mutations reach every field check. A file that decodes must be
 * safe to run: the cascade is run on a small noisy image (ASan and UBSan
 * watch every integral-image read), and it must encode back to the same bytes.
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Seed:  build/cascade-convert /usr/share/opencv4/haarcascades/haarcascade_eye.xml CORPUS/eye.fncascade
 * Run:   build/fuzz/fuzz_cascade -max_total_time=600 CORPUS
 */
#include "face/face.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    face_cascade *c = NULL;
    face_err err = {{0}};
    face_status st = face_cascade_decode(data, size, &c, &err);
    if (st != FACE_OK) {
        if (err.msg[0] == '\0' || c != NULL) abort(); /* every refusal says why */
        return 0;
    }
    const face_cascade_def *d = face_cascade_get_def(c);
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (face_cascade_encode(d, &bytes, &len, &err) != FACE_OK) abort();
    /* the CRC is not checked under FACENET_FUZZ: compare all but it */
    if (len != size || memcmp(bytes, data, len - 4) != 0) abort();
    free(bytes);
    if (d->n_nodes <= 4000) {
        enum { W = 48, H = 40 };
        uint8_t img[W * H];
        uint32_t s = 1;
        for (int i = 0; i < W * H; i++) {
            s = s * 1664525u + 1013904223u;
            img[i] = (uint8_t)(s >> 24);
        }
        face_detect_params p;
        face_detect_params_init(&p);
        p.min_neighbors = 0;
        face_rect boxes[16];
        int n = 0;
        if (face_detect(c, img, W, H, W, &p, boxes, 16, &n, &err) != FACE_OK) abort();
    }
    face_cascade_free(c);
    return 0;
}
