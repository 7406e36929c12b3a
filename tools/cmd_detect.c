/*
 * cmd_detect.c - facenet-run detect: face boxes with a Viola-Jones cascade,
 * the same boxes as OpenCV's CascadeClassifier::detectMultiScale.
 */
#include "tools/cli.h"
#include "tools/cascade_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_OURS "models/haarcascade_frontalface_default.fncascade"
#define DEFAULT_XML "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
#define MAX_BOXES 100000

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facenet-run detect [options] IMAGE...\n"
            "\n"
            "Find faces with a Haar cascade; the boxes are those of OpenCV 4.x's\n"
            "CascadeClassifier::detectMultiScale for the same cascade, gray image and\n"
            "parameters. Colour images become gray with OpenCV's BGR2GRAY weights and\n"
            "rounding; a gray image (PGM, gray PNG/JPEG) is used as it is.\n"
            "\n"
            "options:\n"
            "  --json               one JSON line per image: {\"file\": ..., \"boxes\": [[x, y, w, h], ...]}\n"
            "                       (default: \"FILE: N faces\" then one \"x y w h\" line per box)\n"
            "  --out FILE.png       write the image with the boxes drawn (PNG, or PPM/PGM by\n"
            "                       extension); with several images, FILE-1.png, FILE-2.png, ...\n"
            "  --cascade FILE       our cascade file (.fncascade) or an OpenCV XML cascade,\n"
            "                       converted in memory. Default: " DEFAULT_OURS "\n"
            "                       if present, else " DEFAULT_XML "\n"
            "                       (Debian package opencv-data)\n"
            "  --scale-factor F     pyramid step, > 1 (default 1.1, as OpenCV)\n"
            "  --min-neighbors N    raw hits a box needs, more than N (default 3, as OpenCV;\n"
            "                       0 prints the raw hits ungrouped)\n"
            "  --min-size PX        smallest face, pixels (default 0: the cascade's window)\n"
            "  --max-size PX        largest face, pixels (default 0: the image size)\n"
            "  --threads N          worker threads (default 1; the boxes do not depend on it)\n"
            "\n"
            "exit: 0 ok, 1 some images could not be read (each reported), 2 usage,\n"
            "      3 the cascade is unusable\n");
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi) return 0;
    *out = (int)v;
    return 1;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void put_green(face_image *img, int x, int y)
{
    if (x < 0 || y < 0 || x >= img->w || y >= img->h) return;
    uint8_t *p = img->px + ((size_t)y * img->w + x) * 3;
    p[0] = 0;
    p[1] = 255;
    p[2] = 0;
}

/* A 2-pixel green frame on an RGB image, clipped to it. */
static void draw_box(face_image *img, face_rect r)
{
    for (int t = 0; t < 2; t++) {
        int x0 = r.x + t, y0 = r.y + t, x1 = r.x + r.w - 1 - t, y1 = r.y + r.h - 1 - t;
        for (int x = x0; x <= x1; x++) {
            put_green(img, x, y0);
            put_green(img, x, y1);
        }
        for (int y = y0; y <= y1; y++) {
            put_green(img, x0, y);
            put_green(img, x1, y);
        }
    }
}

static char *out_name(const char *out, int index, int count)
{
    size_t n = strlen(out) + 16;
    char *s = malloc(n);
    if (!s) return NULL;
    if (count <= 1) {
        snprintf(s, n, "%s", out);
        return s;
    }
    const char *dot = strrchr(out, '.');
    const char *slash = strrchr(out, '/');
    if (!dot || (slash && dot < slash)) dot = out + strlen(out);
    snprintf(s, n, "%.*s-%d%s", (int)(dot - out), out, index, dot);
    return s;
}

static face_status annotate(const char *path, const face_image *img, const face_rect *boxes, int n,
                            face_err *err)
{
    face_image rgb = {img->w, img->h, 3, malloc((size_t)img->w * img->h * 3)};
    if (!rgb.px) return FACE_ENOMEM;
    for (size_t i = 0; i < (size_t)img->w * img->h; i++)
        for (int k = 0; k < 3; k++) rgb.px[3 * i + k] = img->channels == 3 ? img->px[3 * i + k] : img->px[i];
    for (int i = 0; i < n; i++) draw_box(&rgb, boxes[i]);
    face_status st = face_image_save(path, &rgb, err);
    face_image_free(&rgb);
    return st;
}

int cmd_detect(int argc, char **argv)
{
    int json = 0, nimages = 0;
    const char *out = NULL, *cascade = NULL;
    face_detect_params p;
    face_detect_params_init(&p);
    char **images = calloc((size_t)argc + 1, sizeof *images);
    if (!images) return CLI_EXIT_FATAL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int need = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            free(images);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--out") && need) {
            out = argv[++i];
        } else if (!strcmp(a, "--cascade") && need) {
            cascade = argv[++i];
        } else if (!strcmp(a, "--scale-factor") && need) {
            char *end;
            p.scale_factor = strtod(argv[++i], &end);
            if (*end || !(p.scale_factor > 1.0) || p.scale_factor > 100.0) {
                fprintf(stderr, "facenet-run detect: --scale-factor %s: must be a number > 1\n", argv[i]);
                free(images);
                return CLI_EXIT_USAGE;
            }
        } else if ((!strcmp(a, "--min-neighbors") || !strcmp(a, "--min-size") || !strcmp(a, "--max-size") ||
                    !strcmp(a, "--threads")) && need) {
            int v, lo = !strcmp(a, "--threads") ? 1 : 0, hi = !strcmp(a, "--threads") ? 64 : 1 << 20;
            if (!parse_int(argv[++i], lo, hi, &v)) {
                fprintf(stderr, "facenet-run detect: %s %s: must be an integer %d..%d\n", a, argv[i], lo, hi);
                free(images);
                return CLI_EXIT_USAGE;
            }
            if (!strcmp(a, "--min-neighbors")) p.min_neighbors = v;
            else if (!strcmp(a, "--min-size")) p.min_w = p.min_h = v;
            else if (!strcmp(a, "--max-size")) p.max_w = p.max_h = v;
            else p.threads = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "facenet-run detect: unknown option or missing value: %s\n", a);
            usage(stderr);
            free(images);
            return CLI_EXIT_USAGE;
        } else {
            images[nimages++] = argv[i];
        }
    }
    if (nimages == 0) {
        usage(stderr);
        free(images);
        return CLI_EXIT_USAGE;
    }
    if (!cascade) {
        struct stat st;
        cascade = stat(DEFAULT_OURS, &st) == 0 ? DEFAULT_OURS : DEFAULT_XML;
    }
    face_cascade *c = NULL;
    face_err err = {{0}};
    if (tools_cascade_load_any(cascade, &c, &err) != FACE_OK) {
        fprintf(stderr, "facenet-run detect: %s: %s\n", cascade, err.msg);
        free(images);
        return CLI_EXIT_FATAL;
    }
    face_rect *boxes = malloc(MAX_BOXES * sizeof *boxes);
    if (!boxes) {
        face_cascade_free(c);
        free(images);
        return CLI_EXIT_FATAL;
    }
    int bad = 0;
    for (int i = 0; i < nimages; i++) {
        const char *path = images[i];
        face_image img = {0, 0, 0, NULL};
        face_status st = face_image_load(path, &img, &err);
        if (st != FACE_OK) {
            fprintf(stderr, "facenet-run detect: %s: %s\n", path, err.msg);
            bad++;
            continue;
        }
        uint8_t *gray = img.px;
        if (img.channels == 3) {
            gray = malloc((size_t)img.w * img.h);
            if (!gray) {
                fprintf(stderr, "facenet-run detect: %s: out of memory\n", path);
                face_image_free(&img);
                bad++;
                continue;
            }
            face_gray_from_rgb(img.px, (size_t)img.w * img.h, gray);
        }
        int n = 0;
        st = face_detect(c, gray, img.w, img.h, (size_t)img.w, &p, boxes, MAX_BOXES, &n, &err);
        if (gray != img.px) free(gray);
        if (st != FACE_OK) {
            fprintf(stderr, "facenet-run detect: %s: %s\n", path, err.msg);
            face_image_free(&img);
            bad++;
            continue;
        }
        if (n > MAX_BOXES) n = MAX_BOXES;
        if (json) {
            printf("{\"file\": ");
            json_string(stdout, path);
            printf(", \"boxes\": [");
            for (int k = 0; k < n; k++)
                printf("%s[%d, %d, %d, %d]", k ? ", " : "", boxes[k].x, boxes[k].y, boxes[k].w, boxes[k].h);
            printf("]}\n");
        } else {
            printf("%s: %d face%s\n", path, n, n == 1 ? "" : "s");
            for (int k = 0; k < n; k++) printf("%d %d %d %d\n", boxes[k].x, boxes[k].y, boxes[k].w, boxes[k].h);
        }
        if (out) {
            char *name = out_name(out, i + 1, nimages);
            if (!name || annotate(name, &img, boxes, n, &err) != FACE_OK) {
                fprintf(stderr, "facenet-run detect: %s: %s\n", name ? name : out, name ? err.msg : "out of memory");
                bad++;
            }
            free(name);
        }
        face_image_free(&img);
    }
    fflush(stdout);
    free(boxes);
    face_cascade_free(c);
    free(images);
    return bad ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}
