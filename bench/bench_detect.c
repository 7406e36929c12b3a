/*
 * bench_detect.c - face_detect's time per photo, 1 and 2 threads.
 *
 * Inputs: gray PGM photos (default: the face-api samples that
 * tests/gen_detect_golden.py --prep writes into build/detect_gray, 640 px and
 * 1920 px wide). Cascade: Debian's haarcascade_frontalface_default.xml.
 * Parameters: scale 1.1, min neighbours 5, min size 30 (the golden runs).
 * Per photo and thread count: 1 warm-up, then REPEATS timed runs; prints the
 * median ms per photo and the mean of those medians per group of photos.
 * bench/bench_detect.py runs OpenCV on the same photos in the same run and
 * prints the ratios.
 *
 * Usage: build/bench/bench_detect [--repeats N] [--scale F] [--threads N] [PGM...]
 * Output lines, for scripts:  photo FILE WxH threads T median_ms M boxes B cpu_ms C
 * (cpu_ms: the calling thread's CPU time, the whole work when T is 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "face/face.h"
#include "ops/ops.h"
#include "tools/cascade_xml.h"

#define CASCADE "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

/* CPU time of the calling thread: with 1 thread all the work is on it, and
 * unlike wall time it does not grow when other processes share the cores. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int repeats = 7, only_threads = 0;
    double scale = 1.1;
    const char *files[64];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
            scale = atof(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            only_threads = atoi(argv[++i]);
        else if (nfiles < 64)
            files[nfiles++] = argv[i];
    }
    static char names[12][64];
    if (nfiles == 0) {
        for (int s = 1; s <= 6; s++)
            for (int k = 0; k < 2; k++) {
                snprintf(names[nfiles], sizeof names[0], "build/detect_gray/faceapi_sample%d_%s.pgm", s,
                         k ? "full" : "640");
                struct stat st;
                if (stat(names[nfiles], &st) == 0) {
                    files[nfiles] = names[nfiles];
                    nfiles++;
                }
            }
    }
    if (nfiles == 0) {
        printf("bench_detect: SKIPPED, no photos (run /usr/bin/python3 tests/gen_detect_golden.py --prep "
               "build/detect_gray, or name PGM files)\n");
        return 0;
    }
    if (repeats < 1) repeats = 1;
    face_cascade *c = NULL;
    face_err err = {{0}};
    if (tools_cascade_load_any(CASCADE, &c, &err) != FACE_OK) {
        printf("bench_detect: SKIPPED, %s: %s\n", CASCADE, err.msg);
        return 0;
    }
    printf("bench_detect: ISA %s, scale %.2f, min neighbours 5, min size 30, %d repeats (median)\n",
           ops_isa_name(ops_isa_active()), scale, repeats);
    face_rect boxes[1024];
    double *t = malloc((size_t)repeats * sizeof *t), *tc = malloc((size_t)repeats * sizeof *tc);
    for (int threads = 1; threads <= 2; threads++) {
        if (only_threads && threads != only_threads) continue;
        for (int f = 0; f < nfiles; f++) {
            face_image img = {0, 0, 0, NULL};
            if (face_image_load(files[f], &img, &err) != FACE_OK || img.channels != 1) {
                printf("bench_detect: %s: %s\n", files[f], img.px ? "not gray" : err.msg);
                face_image_free(&img);
                continue;
            }
            face_detect_params p;
            face_detect_params_init(&p);
            p.scale_factor = scale;
            p.min_neighbors = 5;
            p.min_w = p.min_h = 30;
            p.threads = threads;
            int n = 0;
            face_detect(c, img.px, img.w, img.h, (size_t)img.w, &p, boxes, 1024, &n, &err); /* warm-up */
            for (int r = 0; r < repeats; r++) {
                double t0 = now_ms(), c0 = cpu_ms();
                face_detect(c, img.px, img.w, img.h, (size_t)img.w, &p, boxes, 1024, &n, &err);
                tc[r] = cpu_ms() - c0;
                t[r] = now_ms() - t0;
            }
            qsort(t, (size_t)repeats, sizeof *t, cmp_double);
            qsort(tc, (size_t)repeats, sizeof *tc, cmp_double);
            printf("photo %s %dx%d threads %d median_ms %.2f boxes %d cpu_ms %.2f\n", files[f], img.w, img.h,
                   threads, t[repeats / 2], n, tc[repeats / 2]);
            fflush(stdout);
            face_image_free(&img);
        }
    }
    free(t);
    free(tc);
    face_cascade_free(c);
    return 0;
}
