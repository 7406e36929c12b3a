/*
 * cmd_convert.c - facenet-run convert IN OUT: decode any supported image
 * (format sniffed from the bytes; EXIF orientation applied by the decoder)
 * and write it as PNG, PPM or PGM, chosen by OUT's extension.
 */
#include "tools/cli.h"

#include "face/face.h"

#include <stdio.h>
#include <string.h>

static void convert_usage(FILE *f)
{
    fprintf(f,
            "usage: facenet-run convert IN OUT\n"
            "\n"
            "Decode IN (JPEG, PNG, PGM/PPM P2 P3 P5 P6, BMP; the format is read from\n"
            "the file's bytes, not its name; EXIF orientation is applied) and write\n"
            "OUT in the format its extension names:\n"
            "  .png   PNG (gray stays gray, colour is RGB; alpha was dropped on input)\n"
            "  .ppm   binary PPM (P6, gray input is written as RGB)\n"
            "  .pgm   binary PGM (P5; only for gray input)\n"
            "  .pnm   P5 for gray input, P6 for colour\n"
            "\n"
            "exit codes: 0 written, 1 IN could not be decoded or OUT not written,\n"
            "            2 bad command line\n");
}

int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            convert_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "facenet-run convert: unknown option '%s'\n", argv[i]);
            convert_usage(stderr);
            return CLI_EXIT_USAGE;
        }
        if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            fprintf(stderr, "facenet-run convert: too many arguments ('%s')\n", argv[i]);
            convert_usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (!in || !out) {
        convert_usage(stderr);
        return CLI_EXIT_USAGE;
    }

    face_image img = {0};
    face_err err = {{0}};
    face_status st = face_image_load(in, &img, &err);
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run convert: %s: %s (%s)\n", in, err.msg, face_strerror(st));
        return CLI_EXIT_PARTIAL;
    }
    st = face_image_save(out, &img, &err);
    face_image_free(&img);
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run convert: %s: %s (%s)\n", out, err.msg, face_strerror(st));
        return CLI_EXIT_PARTIAL;
    }
    return CLI_EXIT_OK;
}
