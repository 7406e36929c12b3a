/*
 * fnw-convert-landmarks68 - convert face-api's 68-point landmark net from the
 * tfjs files of npm @vladmandic/face-api into our model file (.fnw).
 *
 *   fnw-convert-landmarks68 [--source TEXT] MANIFEST.json OUT.fnw
 *
 * MANIFEST.json is model/face_landmark_68_model-weights_manifest.json of the
 * package (its .bin next to it). `make models` runs this (tools/fetch-models.sh).
 */
#include <stdio.h>
#include <string.h>

#include "tools/cli.h"
#include "tools/convert_landmarks68_internal.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: fnw-convert-landmarks68 [--source TEXT] MANIFEST.json OUT.fnw\n"
               "  --source TEXT  where the weights came from, stored in the file's metadata\n");
}

int main(int argc, char **argv)
{
    const char *source = "npm @vladmandic/face-api@1.7.15 model/face_landmark_68_model*";
    const char *paths[2];
    int n_paths = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(argv[i], "--source") && i + 1 < argc) {
            source = argv[++i];
        } else if (argv[i][0] == '-' || n_paths == 2) {
            fprintf(stderr, "fnw-convert-landmarks68: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return CLI_EXIT_USAGE;
        } else {
            paths[n_paths++] = argv[i];
        }
    }
    if (n_paths != 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    char err[512];
    tfjs_weights tw;
    if (tfjs_load(paths[0], &tw, err, sizeof err) != 0) {
        fprintf(stderr, "fnw-convert-landmarks68: %s\n", err);
        return CLI_EXIT_FATAL;
    }
    wts_writer *w;
    int rc = cvt_faceapi_landmarks68(&tw, source, &w, err, sizeof err);
    tfjs_free(&tw);
    if (rc != 0) {
        fprintf(stderr, "fnw-convert-landmarks68: %s: %s\n", paths[0], err);
        return CLI_EXIT_FATAL;
    }
    wts_err werr;
    wts_status s = wts_writer_save(w, paths[1], &werr);
    wts_writer_destroy(w);
    if (s != WTS_OK) {
        fprintf(stderr, "fnw-convert-landmarks68: %s\n", werr.msg);
        return CLI_EXIT_FATAL;
    }
    printf("fnw-convert-landmarks68: wrote %s\n", paths[1]);
    return CLI_EXIT_OK;
}
