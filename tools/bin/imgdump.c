/*
 * imgdump - decode images with our decoders and dump the pixels, for
 * tests/compare_images.py (which compares them with PIL).
 *
 *   imgdump FILE...        decode each FILE
 *   imgdump -              read file names, one a line, from stdin
 *
 * For each file, stdout gets one header line and then the pixels:
 *   "OK <w> <h> <channels>\n" followed by w*h*channels bytes ([h][w][c]), or
 *   "ERR <status name>: <reason>\n".
 * Exit status: 0 when every file decoded, 1 otherwise, 2 on usage errors.
 */
#include "face/face.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dump_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("ERR i/o error: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        free(buf);
        printf("ERR i/o error: cannot read %s\n", path);
        return 1;
    }
    face_image img;
    face_err err;
    face_status s = face_image_decode(buf, len, &img, &err);
    free(buf);
    if (s != FACE_OK) {
        printf("ERR %s: %s\n", face_strerror(s), err.msg);
        return 1;
    }
    printf("OK %d %d %d\n", img.w, img.h, img.channels);
    fwrite(img.px, 1, (size_t)img.w * (size_t)img.h * (size_t)img.channels, stdout);
    face_image_free(&img);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: imgdump FILE... | imgdump - (names on stdin)\n");
        return 2;
    }
    int bad = 0;
    if (strcmp(argv[1], "-") == 0) {
        char line[4096];
        while (fgets(line, sizeof line, stdin)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0]) bad |= dump_file(line);
            fflush(stdout);
        }
    } else {
        for (int i = 1; i < argc; i++) bad |= dump_file(argv[i]);
    }
    return bad;
}
