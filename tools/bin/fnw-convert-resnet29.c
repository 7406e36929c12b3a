/*
 * fnw-convert-resnet29 - convert dlib's ResNet-29 face descriptor from the
 * tfjs files of npm @vladmandic/face-api into our model file (.fnw).
 *
 *   fnw-convert-resnet29 [--no-fold] [--source TEXT] MANIFEST.json OUT.fnw
 *
 * MANIFEST.json is model/face_recognition_model-weights_manifest.json of the
 * package (its .bin next to it). `make models` runs this (tools/fetch-models.sh).
 */
#include <stdio.h>
#include <string.h>

#include "tools/cli.h"
#include "tools/convert_internal.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: fnw-convert-resnet29 [--no-fold] [--source TEXT] MANIFEST.json OUT.fnw\n"
               "  --no-fold      keep each scale layer as its own AFFINE node (default: folded\n"
               "                 into the convolution before it)\n"
               "  --source TEXT  where the weights came from, stored in the file's metadata\n");
}

int main(int argc, char **argv)
{
    cvt_fold fold = CVT_FOLD;
    const char *source = "npm @vladmandic/face-api@1.7.15 model/face_recognition_model*";
    const char *paths[2];
    int n_paths = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(argv[i], "--no-fold")) {
            fold = CVT_KEEP;
        } else if (!strcmp(argv[i], "--source") && i + 1 < argc) {
            source = argv[++i];
        } else if (argv[i][0] == '-' || n_paths == 2) {
            fprintf(stderr, "fnw-convert-resnet29: unexpected argument '%s'\n", argv[i]);
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
        fprintf(stderr, "fnw-convert-resnet29: %s\n", err);
        return CLI_EXIT_FATAL;
    }
    wts_writer *w;
    int rc = cvt_faceapi_resnet29(&tw, fold, source, &w, err, sizeof err);
    tfjs_free(&tw);
    if (rc != 0) {
        fprintf(stderr, "fnw-convert-resnet29: %s: %s\n", paths[0], err);
        return CLI_EXIT_FATAL;
    }
    wts_err werr;
    wts_status s = wts_writer_save(w, paths[1], &werr);
    wts_writer_destroy(w);
    if (s != WTS_OK) {
        fprintf(stderr, "fnw-convert-resnet29: %s\n", werr.msg);
        return CLI_EXIT_FATAL;
    }
    printf("fnw-convert-resnet29: wrote %s (%s)\n", paths[1],
           fold == CVT_FOLD ? "scale layers folded" : "scale layers kept");
    return CLI_EXIT_OK;
}
