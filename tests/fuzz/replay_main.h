/*
 * replay_main.h - the replay main shared by the image-decoder fuzz targets.
 *
 * Without libFuzzer (FACENET_FUZZ not defined) a target that includes this
 * after defining LLVMFuzzerTestOneInput becomes a small program that feeds it
 * each file named on the command line, e.g. a saved crasher under gdb.
 */
#ifndef FUZZ_REPLAY_MAIN_H
#define FUZZ_REPLAY_MAIN_H

#ifndef FACENET_FUZZ
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif
