/*
 * pipeline_cli.c - command-line pieces shared by enroll, identify, verify
 * (see pipeline_cli.h).
 */
#include "tools/pipeline_cli.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char pcli_opts_help[] =
    "  --model FILE         embedding model (default " PIPE_DEFAULT_MODEL ", made by\n"
    "                       `make models`)\n"
    "  --cascade FILE       Haar cascade, ours (.fncascade) or OpenCV's XML (default\n"
    "                       " PIPE_DEFAULT_CASCADE " if present, else\n"
    "                       " PIPE_DEFAULT_CASCADE_XML ")\n"
    "  --landmarks FILE     68-point landmark model for alignment (default\n"
    "                       " PIPE_DEFAULT_LANDMARKS ")\n"
    "  --align MODE         landmarks: 68 landmarks, then dlib's 150x150 face chip;\n"
    "                       box: the detection box cropped and resized (the article's\n"
    "                       way, less accurate); auto (default): landmarks when the\n"
    "                       landmark model file exists, else box. Galleries remember\n"
    "                       the aligner: one made with `box` is refused with `landmarks`\n"
    "  --threads N          threads for the detector and the networks, 1..64 (default 1)\n"
    "  --scale-factor F     detector pyramid step, > 1 (default 1.1)\n"
    "  --min-neighbors N    raw detections a face needs, more than N (default 5)\n"
    "  --min-size PX        smallest face looked for, pixels (default: 24, the cascade's)\n"
    "  --max-drift D        a box is a face only if its landmarks settle: the last of\n"
    "                       three landmark passes moves eyes and mouth by at most D eye\n"
    "                       distances (default 0.2; real faces move < 0.07, the\n"
    "                       cascade's false alarms 0.3 and more); < 0: keep every box\n"
    "  --upsample           look for faces on the image doubled in size: finds faces\n"
    "                       smaller than 24 pixels, 4x slower detection\n";

int pcli_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int pcli_double(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int pcli_parse_opt(const char *cmd, int argc, char **argv, int *i, pipe_opts *o)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--upsample")) {
        o->upsample = 1;
        return 1;
    }
    static const char *const with_value[] = {"--model",         "--cascade",    "--landmarks",
                                             "--align",         "--threads",    "--scale-factor",
                                             "--min-neighbors", "--min-size",   "--max-drift"};
    size_t k, nk = sizeof with_value / sizeof with_value[0];
    for (k = 0; k < nk; k++)
        if (!strcmp(a, with_value[k])) break;
    if (k == nk) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "facenet-run %s: %s needs a value\n", cmd, a);
        return -1;
    }
    const char *v = argv[++*i];
    long n;
    double d;
    if (!strcmp(a, "--model")) {
        o->model = v;
    } else if (!strcmp(a, "--cascade")) {
        o->cascade = v;
    } else if (!strcmp(a, "--landmarks")) {
        o->landmarks = v;
    } else if (!strcmp(a, "--align")) {
        if (!strcmp(v, "auto")) {
            o->align = PIPE_ALIGN_AUTO;
        } else if (!strcmp(v, "landmarks")) {
            o->align = PIPE_ALIGN_LANDMARKS;
        } else if (!strcmp(v, "box")) {
            o->align = PIPE_ALIGN_BOX;
        } else {
            fprintf(stderr, "facenet-run %s: --align %s: want auto, landmarks or box\n", cmd, v);
            return -1;
        }
    } else if (!strcmp(a, "--threads")) {
        if (pcli_int(v, 1, 64, &n) != 0) {
            fprintf(stderr, "facenet-run %s: --threads %s: want an integer 1..64\n", cmd, v);
            return -1;
        }
        o->threads = (int)n;
    } else if (!strcmp(a, "--scale-factor")) {
        if (pcli_double(v, &d) != 0 || !(d > 1.0) || d > 100.0) {
            fprintf(stderr, "facenet-run %s: --scale-factor %s: want a number > 1 (and <= 100)\n",
                    cmd, v);
            return -1;
        }
        o->scale_factor = d;
    } else if (!strcmp(a, "--min-neighbors")) {
        if (pcli_int(v, 0, 1000, &n) != 0) {
            fprintf(stderr, "facenet-run %s: --min-neighbors %s: want an integer 0..1000\n", cmd, v);
            return -1;
        }
        o->min_neighbors = (int)n;
    } else if (!strcmp(a, "--max-drift")) {
        if (pcli_double(v, &d) != 0) {
            fprintf(stderr, "facenet-run %s: --max-drift %s: want a number (< 0: no check)\n", cmd,
                    v);
            return -1;
        }
        o->max_drift = d;
    } else {
        if (pcli_int(v, 0, FACE_IMAGE_MAX_DIM, &n) != 0) {
            fprintf(stderr, "facenet-run %s: --min-size %s: want an integer 0..%d\n", cmd, v,
                    FACE_IMAGE_MAX_DIM);
            return -1;
        }
        o->min_size = (int)n;
    }
    return 1;
}

pipeline *pcli_open(const char *cmd, const pipe_opts *o)
{
    pipeline *p = NULL;
    char err[1024];
    if (pipe_open(o, &p, err, sizeof err) != 0) {
        fprintf(stderr, "facenet-run %s: %s\n", cmd, err);
        return NULL;
    }
    return p;
}

void pcli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

void pcli_list_free(pcli_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

int pcli_list_add(pcli_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **items = realloc(l->items, cap * sizeof *items);
        if (!items) return -1;
        l->items = items;
        l->cap = cap;
    }
    char *c = malloc(strlen(s) + 1);
    if (!c) return -1;
    strcpy(c, s);
    l->items[l->n++] = c;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *pcli_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int slash = la > 0 && a[la - 1] != '/';
    char *s = malloc(la + (size_t)slash + lb + 1);
    if (!s) return NULL;
    memcpy(s, a, la);
    if (slash) s[la] = '/';
    memcpy(s + la + slash, b, lb + 1);
    return s;
}

int pcli_dir_entries(const char *dir, int dirs_only, pcli_list *out)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char *full = pcli_join(dir, e->d_name);
        if (!full) {
            rc = -1;
            errno = ENOMEM;
            break;
        }
        struct stat st;
        /* stat, not lstat: a symlink counts as what it points to; a broken
         * one is listed as a file, so that it gets reported */
        int is_dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        free(full);
        if (is_dir == dirs_only && pcli_list_add(out, e->d_name) != 0) {
            rc = -1;
            errno = ENOMEM;
            break;
        }
    }
    closedir(d);
    if (out->n > 1) qsort(out->items, out->n, sizeof *out->items, cmp_str);
    return rc;
}

void pcli_progress_init(pcli_progress *pr, size_t total)
{
    pr->total = total;
    pr->on = total > 0 && isatty(fileno(stderr));
}

void pcli_progress_show(pcli_progress *pr, size_t done, const char *label)
{
    if (!pr->on) return;
    enum { BAR = 30 };
    char bar[BAR + 1];
    size_t fill = pr->total ? done * BAR / pr->total : BAR;
    for (size_t i = 0; i < BAR; i++) bar[i] = i < fill ? '#' : ' ';
    bar[BAR] = '\0';
    /* \033[K clears what a longer previous label left on the line */
    fprintf(stderr, "\r[%s] %zu/%zu %.40s\033[K", bar, done, pr->total, label);
    fflush(stderr);
}

void pcli_progress_clear(pcli_progress *pr)
{
    if (pr->on) fputs("\r\033[K", stderr);
}

int pcli_to_rgb(const face_image *img, face_image *rgb)
{
    size_t n = (size_t)img->w * img->h;
    rgb->w = img->w;
    rgb->h = img->h;
    rgb->channels = 3;
    rgb->px = malloc(n * 3);
    if (!rgb->px) return -1;
    if (img->channels == 3) {
        memcpy(rgb->px, img->px, n * 3);
    } else {
        for (size_t i = 0; i < n; i++) rgb->px[3 * i] = rgb->px[3 * i + 1] = rgb->px[3 * i + 2] = img->px[i];
    }
    return 0;
}
