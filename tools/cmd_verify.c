/*
 * cmd_verify.c - facenet-run verify A B: are the faces of two photos the
 * same person? The largest face of each, embedded (tools/pipeline.c); same
 * person when their distance is under the threshold.
 */
#include "tools/cli.h"
#include "tools/pipeline_cli.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facenet-run verify A B [--threshold T] [--json] [options]\n"
            "\n"
            "Compare the largest face of image A with the largest face of image B.\n"
            "A small image (at most %dx%d) in which no face is found is taken whole\n"
            "as a face crop. Prints\n"
            "  distance D: same person (threshold T)      or\n"
            "  distance D: different people (threshold T)\n"
            "and with --json {\"a\": \"A\", \"b\": \"B\", \"distance\": D, \"threshold\": T,\n"
            "\"same\": true|false}.\n"
            "\n"
            "options:\n"
            "  --threshold T        same person when distance < T (default: the model's,\n"
            "                       0.6 for the default model)\n"
            "  --json               the answer as one JSON line\n"
            "  --whole-image        both images are face crops: no detection\n"
            "%s"
            "\n"
            "exit codes: 0 compared (the answer is in the output, same or different),\n"
            "            1 an image is unreadable or has no face (reported), 2 bad command\n"
            "            line, 3 model or cascade unusable\n",
            PIPE_CROP_MAX_SIDE, PIPE_CROP_MAX_SIDE, pcli_opts_help);
}

/* Decode path and check it can hold a face; 0, or 1 after reporting why not. */
static int load_one(const char *path, face_image *img)
{
    face_err fe = {{0}};
    char err[1024];
    if (face_image_load(path, img, &fe) != FACE_OK) {
        fprintf(stderr, "facenet-run verify: %s: %s\n", path, fe.msg);
        return 1;
    }
    if (pipe_image_usable(img, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run verify: %s: %s\n", path, err);
        face_image_free(img);
        return 1;
    }
    return 0;
}

/* The embedding of the largest face of img into emb ([dim]); 0, or 1 after
 * reporting why there is none. */
static int embed_one(pipeline *p, const char *path, const face_image *img, int flags, float *emb)
{
    pipe_result r;
    int found = 0;
    char err[1024];
    if (pipe_run(p, img, flags, &r, &found, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run verify: %s: %s\n", path, err);
        return 1;
    }
    if (r.n == 0) {
        fprintf(stderr, "facenet-run verify: %s: no face found in the %dx%d image\n", path, img->w,
                img->h);
        return 1;
    }
    if (found > 1)
        fprintf(stderr,
                "facenet-run verify: warning: %s: %d faces found, using the largest (%d,%d %dx%d)\n",
                path, found, r.faces[0].box.x, r.faces[0].box.y, r.faces[0].box.w,
                r.faces[0].box.h);
    memcpy(emb, r.faces[0].emb, sizeof *emb * (size_t)pipe_dim(p));
    pipe_result_free(&r);
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    pipe_opts po;
    pipe_opts_init(&po);
    const char *img[2] = {NULL, NULL};
    int n_img = 0, json = 0, whole = 0;
    double threshold = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = pcli_parse_opt("verify", argc, argv, &i, &po);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--whole-image")) {
            whole = 1;
        } else if (!strcmp(a, "--threshold") && i + 1 < argc) {
            if (pcli_double(argv[++i], &threshold) != 0 || threshold < 0) {
                fprintf(stderr, "facenet-run verify: --threshold %s: want a number >= 0\n", argv[i]);
                return CLI_EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "facenet-run verify: unknown option or missing value: %s\n", a);
            usage(stderr);
            return CLI_EXIT_USAGE;
        } else if (n_img < 2) {
            img[n_img++] = a;
        } else {
            fprintf(stderr, "facenet-run verify: two images, A and B (got a third: %s)\n", a);
            return CLI_EXIT_USAGE;
        }
    }
    if (n_img != 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    face_image im[2] = {{0, 0, 0, NULL}, {0, 0, 0, NULL}};
    int bad = load_one(img[0], &im[0]);
    bad += load_one(img[1], &im[1]);
    pipeline *p = bad ? NULL : pcli_open("verify", &po);
    if (!bad && !p) {
        face_image_free(&im[0]);
        face_image_free(&im[1]);
        return CLI_EXIT_FATAL;
    }
    int dim = p ? pipe_dim(p) : 1;
    float *emb = malloc(sizeof *emb * 2 * (size_t)dim); /* [2][dim] */
    if (!emb) {
        face_image_free(&im[0]);
        face_image_free(&im[1]);
        pipe_close(p);
        return CLI_EXIT_FATAL;
    }
    int flags = PIPE_LARGEST_ONLY | (whole ? PIPE_WHOLE_ALWAYS : PIPE_WHOLE_IF_NONE);
    if (!bad) bad = embed_one(p, img[0], &im[0], flags, emb);
    if (!bad) bad = embed_one(p, img[1], &im[1], flags, emb + dim);
    face_image_free(&im[0]);
    face_image_free(&im[1]);
    int rc = CLI_EXIT_PARTIAL;
    if (!bad) {
        float thr = threshold >= 0 ? (float)threshold : pipe_threshold(p);
        float d = face_distance(emb, emb + dim, dim, pipe_metric(p));
        int same = d < thr;
        if (json) {
            printf("{\"a\": ");
            pcli_json_string(stdout, img[0]);
            printf(", \"b\": ");
            pcli_json_string(stdout, img[1]);
            printf(", \"distance\": %.6g, \"threshold\": %.6g, \"same\": %s}\n", (double)d,
                   (double)thr, same ? "true" : "false");
        } else {
            printf("distance %.4f: %s (threshold %.4g)\n", (double)d,
                   same ? "same person" : "different people", (double)thr);
        }
        rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FATAL;
    }
    free(emb);
    pipe_close(p);
    return rc;
}
