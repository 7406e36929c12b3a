/*
 * cmd_embed.c - facenet-run embed: the embedding of each face crop.
 *
 *   facenet-run embed --aligned [--json] [--model FILE] [--threads N] IMAGE...
 *
 * --aligned treats every image as an already-cropped face: it is resized to
 * the model's input with bilinear sampling, preprocessed as the model file
 * says and run (tools/embedder.c). Without --aligned the faces would have to
 * be found first, which needs the detector (not in this command yet).
 *
 * Output, one line per image on stdout, in the order given:
 *   --json:  {"file": "NAME", "embedding": [x1, ..., xD]}
 *   else:    NAME<TAB>x1 x2 ... xD
 * Numbers are printed with 9 significant digits (float32 round-trips).
 * A file that cannot be read or decoded gets one line on stderr and the rest
 * go on; the exit code is then 1 (see tools/cli.h).
 */
#include "tools/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define HAVE_ISATTY 1
#else
#define HAVE_ISATTY 0
#endif

#include "face/face.h"
#include "tools/embedder_internal.h"

#define DEFAULT_MODEL "models/dlib_resnet29.fnw"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facenet-run embed --aligned [--json] [--model FILE] [--threads N] IMAGE...\n"
            "Prints the embedding of each image, one line per image.\n"
            "  --aligned      each image is an already-cropped face: resize it to the model's\n"
            "                 input (bilinear), normalise, run (required for now: finding\n"
            "                 faces first needs the detector)\n"
            "  --json         {\"file\": \"...\", \"embedding\": [...]} per line (default: the\n"
            "                 file name, a tab, the numbers separated by spaces)\n"
            "  --model FILE   model file (default %s, made by `make models`)\n"
            "  --threads N    threads per image, 1..64 (default 1)\n"
            "Images: PPM/PGM, PNG, BMP, JPEG (detected from the bytes).\n"
            "Exit: 0 all done, 1 some images failed (each reported), 2 usage, 3 model unusable.\n",
            DEFAULT_MODEL);
}

/* s as the inside of a JSON string. */
static void json_string(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
}

static int parse_threads(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > 64) return -1;
    *out = (int)v;
    return 0;
}

int cmd_embed(int argc, char **argv)
{
    int aligned = 0, json = 0, threads = 1;
    const char *model = DEFAULT_MODEL;
    int first_file = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--aligned")) {
            aligned = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--model") && i + 1 < argc) {
            model = argv[++i];
        } else if ((!strcmp(a, "--threads") || !strcmp(a, "-t")) && i + 1 < argc) {
            if (parse_threads(argv[++i], &threads) != 0) {
                fprintf(stderr, "facenet-run embed: --threads %s: want 1..64\n", argv[i]);
                return CLI_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--")) {
            first_file = i + 1;
            break;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "facenet-run embed: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return CLI_EXIT_USAGE;
        } else {
            first_file = i;
            break;
        }
    }
    if (first_file >= argc) {
        fprintf(stderr, "facenet-run embed: no images given\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!aligned) {
        fprintf(stderr, "facenet-run embed: finding faces needs the detector, which this command "
                        "does not use yet: pass --aligned for images that are face crops\n");
        return CLI_EXIT_USAGE;
    }

    embedder *e;
    char err[600];
    if (embedder_open(model, threads, &e, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run embed: %s\n", err);
        return CLI_EXIT_FATAL;
    }
    const int dim = embedder_meta(e)->output_dim;
    float *emb = malloc(sizeof *emb * (size_t)dim);
    if (!emb) {
        fprintf(stderr, "facenet-run embed: out of memory\n");
        embedder_close(e);
        return CLI_EXIT_FATAL;
    }
    int n_files = argc - first_file, bad = 0;
    int progress = HAVE_ISATTY && n_files > 1;
#if HAVE_ISATTY
    progress = progress && isatty(fileno(stderr)) && !isatty(fileno(stdout));
#endif
    for (int k = 0; k < n_files; k++) {
        const char *path = argv[first_file + k];
        if (progress) fprintf(stderr, "\rembed: %d/%d", k + 1, n_files);
        face_image img;
        face_err ferr;
        face_status fs = face_image_load(path, &img, &ferr);
        if (fs != FACE_OK) {
            fprintf(stderr, "%sfacenet-run embed: %s: %s\n", progress ? "\n" : "", path, ferr.msg);
            bad++;
            continue;
        }
        int rc = embedder_run(e, &img, emb, err, sizeof err);
        face_image_free(&img);
        for (int i = 0; rc == 0 && i < dim; i++)
            if (!isfinite(emb[i])) {
                snprintf(err, sizeof err, "embedding component %d is not finite", i);
                rc = -1;
            }
        if (rc != 0) {
            fprintf(stderr, "%sfacenet-run embed: %s: %s\n", progress ? "\n" : "", path, err);
            bad++;
            continue;
        }
        if (json) {
            fputs("{\"file\": \"", stdout);
            json_string(stdout, path);
            fputs("\", \"embedding\": [", stdout);
            for (int i = 0; i < dim; i++) printf(i ? ", %.9g" : "%.9g", (double)emb[i]);
            fputs("]}\n", stdout);
        } else {
            fputs(path, stdout);
            for (int i = 0; i < dim; i++) printf(i ? " %.9g" : "\t%.9g", (double)emb[i]);
            fputc('\n', stdout);
        }
    }
    if (progress) fputc('\n', stderr);
    free(emb);
    embedder_close(e);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "facenet-run embed: cannot write the output\n");
        return CLI_EXIT_FATAL;
    }
    return bad ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}
