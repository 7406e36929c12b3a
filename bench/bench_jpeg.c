/*
 * bench_jpeg.c - JPEG decode time of our decoder on a folder of photos.
 *
 * Usage: build/bench/bench_jpeg [DIR [repeats]]
 *   DIR defaults to $FACENET_JPEG_BENCH_DIR; without either, the bench
 *   prints that it skipped and exits 0 (make bench stays green).
 *   The reference set is the six 1920-px photos of npm
 *   @vladmandic/face-api@1.7.15 (package/demo/sample*.jpg, not committed);
 *   bench/bench_jpeg.sh fetches them and times libjpeg-turbo (PIL) in the
 *   same run.
 * Each file is read into memory once; then 2 warm-up decodes and `repeats`
 * (default 15) timed decodes; the median CPU time (CLOCK_PROCESS_CPUTIME_ID)
 * is printed, with megapixels/s.
 * Output lines "file <name> <w>x<h> median_ms <t> mpix_s <r>" are parsed by
 * bench_jpeg.sh.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "face/face.h"

/* CPU time of this (single-threaded) process: on a shared, loaded machine
 * wall time mostly measures the wait for a core. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
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
    fclose(f);
    *len = n;
    return buf;
}

static int is_jpeg_name(const char *n)
{
    size_t l = strlen(n);
    return (l > 4 && (strcmp(n + l - 4, ".jpg") == 0 || strcmp(n + l - 4, ".JPG") == 0)) ||
           (l > 5 && strcmp(n + l - 5, ".jpeg") == 0);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("FACENET_JPEG_BENCH_DIR");
    int repeats = argc > 2 ? atoi(argv[2]) : 15;
    if (repeats < 1) repeats = 1;
    if (!dir) {
        printf("bench_jpeg: skipped (no DIR argument and FACENET_JPEG_BENCH_DIR unset; see bench/bench_jpeg.sh)\n");
        return 0;
    }
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("bench_jpeg: skipped (cannot open %s)\n", dir);
        return 0;
    }
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && n < 256)
        if (is_jpeg_name(de->d_name)) names[n++] = strdup(de->d_name);
    closedir(dp);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    double *t = malloc((size_t)repeats * sizeof *t);
    double total_ms = 0, total_mpix = 0;
    int bad = 0;
    printf("bench_jpeg: %d files in %s, 2 warm-up + %d timed decodes each, median CPU time\n", n, dir, repeats);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len;
        uint8_t *data = read_all(path, &len);
        if (!data) {
            printf("file %s unreadable\n", names[i]);
            bad = 1;
            continue;
        }
        face_image img;
        face_err err;
        int w = 0, h = 0;
        for (int r = 0; r < 2 + repeats; r++) {
            double t0 = now_s();
            face_status s = face_jpeg_decode(data, len, &img, &err);
            double t1 = now_s();
            if (s != FACE_OK) {
                printf("file %s error %s: %s\n", names[i], face_strerror(s), err.msg);
                bad = 1;
                break;
            }
            w = img.w;
            h = img.h;
            face_image_free(&img);
            if (r >= 2) t[r - 2] = (t1 - t0) * 1e3;
        }
        free(data);
        if (!w) continue;
        qsort(t, (size_t)repeats, sizeof *t, cmp_double);
        double med = t[repeats / 2], mpix = (double)w * h / 1e6;
        printf("file %s %dx%d median_ms %.3f mpix_s %.1f\n", names[i], w, h, med, mpix / (med / 1e3));
        total_ms += med;
        total_mpix += mpix;
    }
    if (total_ms > 0) printf("total median_ms %.3f mpix_s %.1f\n", total_ms, total_mpix / (total_ms / 1e3));
    for (int i = 0; i < n; i++) free(names[i]);
    free(t);
    return bad;
}
