/*
 * cmd_identify.c - facenet-run identify IMAGE...: every face of each image,
 * named by its nearest person in the gallery when the distance is under the
 * threshold, "unknown" otherwise; text or JSON lines, and annotated images.
 */
#include "tools/cli.h"
#include "tools/pipeline_cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_DEFAULT "faces.db"
#define MAX_TOP_K 100
/* --group links faces closer than this (unless --threshold): stricter than
 * the model's 0.6 because one wrong link joins two whole groups (single
 * linkage); on face-api's demo photos 0.6 linked different women at 0.57
 * and 0.58. */
#define GROUP_THRESHOLD 0.5f

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facenet-run identify IMAGE... [--db FILE] [--out FILE.png|DIR] [--json]\n"
            "                                     [--threshold T] [--top-k K] [options]\n"
            "       facenet-run identify --group IMAGE... [--out DIR] [--json] [options]\n"
            "\n"
            "Find every face in each image and name it: the enrolled person nearest to\n"
            "it (best photo of each person) when the distance is under the threshold,\n"
            "else \"unknown\". An IMAGE may be a directory: its files, recursively, in\n"
            "name order. A small image (at most %dx%d) in which no face is found is\n"
            "taken whole as one face crop. Unreadable files get one line on stderr and\n"
            "the others go on.\n"
            "\n"
            "output (stdout), per image:\n"
            "  text:    FILE: N faces, then per face \"  x y w h NAME DISTANCE\"\n"
            "  --json:  one line {\"file\": \"...\", \"faces\": [{\"box\": [x, y, w, h],\n"
            "           \"name\": \"...\", \"distance\": d}, ...]}; d is null when the gallery\n"
            "           is empty. With --top-k K > 1 each face also has \"top\": [{\"name\":\n"
            "           \"...\", \"distance\": d}, ...], the K nearest people.\n"
            "\n"
            "options:\n"
            "  --db FILE            gallery made by `facenet-run enroll` (default " DB_DEFAULT ")\n"
            "  --out FILE.png|DIR   write the image with boxes, names and distances drawn\n"
            "                       (green: known, red: unknown). A directory (existing, or\n"
            "                       given with a trailing /, or whenever there are several\n"
            "                       images) gets DIR/<image name>.png; FILE.ppm/.pgm also work\n"
            "  --json               JSON lines as above\n"
            "  --threshold T        same person when distance < T (default: the model's,\n"
            "                       0.6 for the default model)\n"
            "  --top-k K            also list the K nearest people, 1..%d (default 1)\n"
            "  --whole-image        every image is a face crop: no detection\n"
            "  --group              no gallery: group the faces of all the images among\n"
            "                       themselves. Faces of different images closer than the\n"
            "                       threshold (default 0.5 here) are linked;\n"
            "                       linked faces are named person1, person2, ... (in order\n"
            "                       of first appearance, distance to the nearest face of the\n"
            "                       group), a face linked to no other is \"unknown\". Needs\n"
            "                       every face in memory first: O(faces^2) distances\n"
            "%s"
            "\n"
            "exit codes: 0 done, 1 done but some images were unreadable or could not be\n"
            "            written (each reported), 2 bad command line, 3 nothing done:\n"
            "            gallery, model or cascade unusable\n",
            PIPE_CROP_MAX_SIDE, PIPE_CROP_MAX_SIDE, MAX_TOP_K, pcli_opts_help);
}

/* Add path to the list, or the files under it when it is a directory. */
static int collect(const char *path, pcli_list *out, int depth)
{
    struct stat st;
    if (depth < 16 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        pcli_list files = {0}, dirs = {0};
        int rc = 0;
        if (pcli_dir_entries(path, 0, &files) != 0 || pcli_dir_entries(path, 1, &dirs) != 0) {
            fprintf(stderr, "facenet-run identify: %s: cannot read the directory: %s\n", path,
                    strerror(errno));
            rc = 1;
        }
        for (size_t i = 0; i < files.n && rc >= 0; i++) {
            char *full = pcli_join(path, files.items[i]);
            if (!full || pcli_list_add(out, full) != 0) rc = -1;
            free(full);
        }
        for (size_t i = 0; i < dirs.n && rc >= 0; i++) {
            char *full = pcli_join(path, dirs.items[i]);
            int r = full ? collect(full, out, depth + 1) : -1;
            if (r != 0) rc = r;
            free(full);
        }
        pcli_list_free(&files);
        pcli_list_free(&dirs);
        return rc;
    }
    return pcli_list_add(out, path) != 0 ? -1 : 0;
}

/* Where the annotated picture of image index i goes (malloc'd). */
static char *out_path(const char *out, int out_is_dir, const char *image, const pcli_list *written)
{
    if (!out_is_dir) {
        char *s = malloc(strlen(out) + 1);
        if (s) strcpy(s, out);
        return s;
    }
    const char *base = strrchr(image, '/');
    base = base ? base + 1 : image;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    size_t n = strlen(out) + stem + 32;
    char *s = malloc(n);
    if (!s) return NULL;
    /* Two images with the same name (a/x.jpg, b/x.jpg): x.png, x-2.png, ... */
    for (int k = 1;; k++) {
        const char *sep = out[0] && out[strlen(out) - 1] == '/' ? "" : "/";
        if (k == 1)
            snprintf(s, n, "%s%s%.*s.png", out, sep, (int)stem, base);
        else
            snprintf(s, n, "%s%s%.*s-%d.png", out, sep, (int)stem, base, k);
        size_t i;
        for (i = 0; i < written->n; i++)
            if (!strcmp(written->items[i], s)) break;
        if (i == written->n) return s;
    }
}

typedef struct face_answer {
    face_match top[MAX_TOP_K]; /* [n_top] nearest people, nearest first */
    size_t n_top;
    const char *name; /* decision */
} face_answer;

static int annotate(const char *path, const face_image *img, const pipe_result *r,
                    const face_answer *ans)
{
    face_image rgb;
    if (pcli_to_rgb(img, &rgb) != 0) {
        fprintf(stderr, "facenet-run identify: %s: out of memory\n", path);
        return -1;
    }
    const face_rgb green = {0, 170, 0}, red = {210, 0, 0};
    for (int i = 0; i < r->n; i++) {
        const face_rect b = r->faces[i].box;
        char label[FACE_GALLERY_MAX_NAME + 32];
        if (ans[i].n_top)
            snprintf(label, sizeof label, "%s %.2f", ans[i].name, (double)ans[i].top[0].distance);
        else
            snprintf(label, sizeof label, "%s", ans[i].name);
        int known = strcmp(ans[i].name, "unknown") != 0;
        /* draw.c's scale follows the box (1 + w/150); on big photos with
         * small faces that is too small to read: at least 1 + side/500 */
        int side = img->w < img->h ? img->w : img->h;
        int scale = 1 + b.w / 150 > 1 + side / 500 ? 1 + b.w / 150 : 1 + side / 500;
        if (scale > 4) scale = 4;
        face_draw_annotation(&rgb, b.x, b.y, b.w, b.h, label, scale, known ? green : red);
    }
    face_err fe = {{0}};
    face_status st = face_image_save(path, &rgb, &fe);
    face_image_free(&rgb);
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run identify: %s: %s\n", path, fe.msg);
        return -1;
    }
    return 0;
}

static void print_answers(const char *file, const pipe_result *r, const face_answer *ans, int json,
                          size_t top_k)
{
    if (!json) {
        printf("%s: %d face%s\n", file, r->n, r->n == 1 ? "" : "s");
        for (int i = 0; i < r->n; i++) {
            face_rect b = r->faces[i].box;
            printf("  %d %d %d %d %s", b.x, b.y, b.w, b.h, ans[i].name);
            if (ans[i].n_top) printf(" %.4f", (double)ans[i].top[0].distance);
            for (size_t k = 1; k < ans[i].n_top && k < top_k; k++)
                printf(" | %s %.4f", ans[i].top[k].name, (double)ans[i].top[k].distance);
            printf("\n");
        }
        return;
    }
    printf("{\"file\": ");
    pcli_json_string(stdout, file);
    printf(", \"faces\": [");
    for (int i = 0; i < r->n; i++) {
        face_rect b = r->faces[i].box;
        printf("%s{\"box\": [%d, %d, %d, %d], \"name\": ", i ? ", " : "", b.x, b.y, b.w, b.h);
        pcli_json_string(stdout, ans[i].name);
        if (ans[i].n_top)
            printf(", \"distance\": %.6g", (double)ans[i].top[0].distance);
        else
            printf(", \"distance\": null");
        if (top_k > 1) {
            printf(", \"top\": [");
            for (size_t k = 0; k < ans[i].n_top; k++) {
                printf("%s{\"name\": ", k ? ", " : "");
                pcli_json_string(stdout, ans[i].top[k].name);
                printf(", \"distance\": %.6g}", (double)ans[i].top[k].distance);
            }
            printf("]");
        }
        printf("}");
    }
    printf("]}\n");
}

/* The pipeline and the gallery made with its model; 0, or -1 after
 * reporting why not. */
static int open_all(const pipe_opts *po, const char *db, pipeline **p, face_gallery **g)
{
    *p = pcli_open("identify", po);
    if (!*p) return -1;
    face_err fe = {{0}};
    face_status st = face_gallery_load(db, g, &fe);
    if (st == FACE_OK) st = face_gallery_check_model(*g, pipe_model_id(*p), pipe_dim(*p), &fe);
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run identify: %s: %s (%s)%s\n", db, fe.msg, face_strerror(st),
                st == FACE_EIO ? "; make one with `facenet-run enroll DIR --db FILE`" : "");
        face_gallery_free(*g);
        *g = NULL;
        return -1;
    }
    return 0;
}

/* ---- --group: faces grouped among themselves, no gallery ------------------ */

static size_t uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* Every face of every image, then groups: two faces of different images are
 * linked when their distance is under the threshold, a group is a connected set of links
 * (single linkage). Groups of two or more faces are named person1, person2,
 * ... in order of first appearance (green, with the distance to the nearest
 * face of the group); a face linked to no other is "unknown" (red). */
static int run_group(const pcli_list *files, const pipe_opts *po, int whole, double threshold,
                     int json, const char *out, int out_is_dir, int *bad)
{
    size_t nf = files->n;
    pipe_result *res = calloc(nf ? nf : 1, sizeof *res); /* [nf], n == -1: image failed */
    pipeline *p = NULL;
    int rc = CLI_EXIT_OK;
    if (!res) return CLI_EXIT_FATAL;
    pcli_progress pr;
    pcli_progress_init(&pr, nf > 1 && !isatty(fileno(stdout)) ? nf : 0);
    size_t total = 0;
    for (size_t i = 0; i < nf && rc == CLI_EXIT_OK; i++) {
        const char *file = files->items[i];
        pcli_progress_show(&pr, i, file);
        res[i].n = -1;
        face_image img = {0, 0, 0, NULL};
        face_err fe = {{0}};
        char err[1024];
        if (face_image_load(file, &img, &fe) != FACE_OK) {
            pcli_progress_clear(&pr);
            fprintf(stderr, "facenet-run identify: %s: %s\n", file, fe.msg);
            (*bad)++;
            continue;
        }
        if (pipe_image_usable(&img, err, sizeof err) != 0) {
            pcli_progress_clear(&pr);
            fprintf(stderr, "facenet-run identify: %s: %s\n", file, err);
            face_image_free(&img);
            (*bad)++;
            continue;
        }
        if (!p && !(p = pcli_open("identify", po))) {
            face_image_free(&img);
            rc = CLI_EXIT_FATAL;
            break;
        }
        if (pipe_run(p, &img, whole ? PIPE_WHOLE_ALWAYS : PIPE_WHOLE_IF_NONE, &res[i], NULL, err,
                     sizeof err) != 0) {
            pcli_progress_clear(&pr);
            fprintf(stderr, "facenet-run identify: %s: %s\n", file, err);
            res[i].n = -1;
            (*bad)++;
        }
        face_image_free(&img);
        if (res[i].n > 0) total += (size_t)res[i].n;
    }
    pcli_progress_clear(&pr);

    /* faces numbered image by image; links by union-find */
    size_t *parent = malloc(sizeof *parent * (total ? total : 1));  /* [total] */
    float *nearest = malloc(sizeof *nearest * (total ? total : 1)); /* [total] */
    const float **emb = malloc(sizeof *emb * (total ? total : 1));  /* [total] */
    size_t *group = malloc(sizeof *group * (total ? total : 1));    /* [total] person number, 0: none */
    size_t *label = malloc(sizeof *label * (total ? total : 1));    /* [total] by root face */
    size_t *image_of = malloc(sizeof *image_of * (total ? total : 1)); /* [total] file index */
    char(*names)[24] = malloc(sizeof *names * (total + 1));         /* [total + 1] */
    if (rc == CLI_EXIT_OK && (!parent || !nearest || !emb || !group || !label || !image_of || !names)) {
        fprintf(stderr, "facenet-run identify: out of memory\n");
        rc = CLI_EXIT_FATAL;
    }
    if (rc == CLI_EXIT_OK && total > 0) {
        float thr = threshold >= 0 ? (float)threshold : GROUP_THRESHOLD;
        int dim = pipe_dim(p);
        face_metric metric = pipe_metric(p);
        size_t k = 0;
        for (size_t i = 0; i < nf; i++)
            for (int j = 0; j < res[i].n; j++) {
                image_of[k] = i;
                emb[k++] = res[i].faces[j].emb;
            }
        for (size_t a = 0; a < total; a++) {
            parent[a] = a;
            nearest[a] = -1;
        }
        for (size_t a = 0; a < total; a++)
            for (size_t b = a + 1; b < total; b++) {
                /* two faces of one photo are two people: never linked */
                if (image_of[a] == image_of[b]) continue;
                float d = face_distance(emb[a], emb[b], dim, metric);
                if (nearest[a] < 0 || d < nearest[a]) nearest[a] = d;
                if (nearest[b] < 0 || d < nearest[b]) nearest[b] = d;
                if (d < thr) parent[uf_find(parent, a)] = uf_find(parent, b);
            }
        /* person numbers in order of first appearance, kept at each
         * group's root in label[]; lone faces get 0 */
        size_t people = 0;
        snprintf(names[0], sizeof names[0], "unknown");
        for (size_t a = 0; a < total; a++) label[a] = 0;
        for (size_t a = 0; a < total; a++) {
            size_t root = uf_find(parent, a);
            if (!(nearest[a] >= 0 && nearest[a] < thr)) {
                group[a] = 0;
                continue;
            }
            if (label[root] == 0) {
                label[root] = ++people;
                snprintf(names[people], sizeof names[people], "person%zu", people);
            }
            group[a] = label[root];
        }
    }
    pcli_list written = {0};
    size_t k = 0;
    for (size_t i = 0; i < nf && rc == CLI_EXIT_OK; i++) {
        if (res[i].n < 0) continue;
        face_answer *ans = calloc(res[i].n ? (size_t)res[i].n : 1, sizeof *ans);
        if (!ans) {
            rc = CLI_EXIT_FATAL;
            break;
        }
        for (int j = 0; j < res[i].n; j++, k++) {
            ans[j].name = names[group[k]];
            ans[j].n_top = nearest[k] >= 0 ? 1 : 0;
            ans[j].top[0].name = ans[j].name;
            ans[j].top[0].distance = nearest[k];
        }
        print_answers(files->items[i], &res[i], ans, json, 1);
        if (out) {
            face_image img = {0, 0, 0, NULL};
            face_err fe = {{0}};
            char *op = out_path(out, out_is_dir, files->items[i], &written);
            if (face_image_load(files->items[i], &img, &fe) != FACE_OK || !op ||
                pcli_list_add(&written, op) != 0 || annotate(op, &img, &res[i], ans) != 0)
                (*bad)++;
            free(op);
            face_image_free(&img);
        }
        free(ans);
    }
    pcli_list_free(&written);
    for (size_t i = 0; i < nf; i++)
        if (res[i].n > 0) pipe_result_free(&res[i]);
    free(res);
    free(parent);
    free(nearest);
    free(emb);
    free(group);
    free(label);
    free(image_of);
    free(names);
    pipe_close(p);
    return rc;
}

int cmd_identify(int argc, char **argv)
{
    pipe_opts po;
    pipe_opts_init(&po);
    const char *db = DB_DEFAULT, *out = NULL;
    int json = 0, whole = 0, group = 0;
    double threshold = -1;
    long top_k = 1;
    pcli_list args = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = pcli_parse_opt("identify", argc, argv, &i, &po);
        if (r < 0) {
            pcli_list_free(&args);
            return CLI_EXIT_USAGE;
        }
        if (r > 0) continue;
        int need = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            pcli_list_free(&args);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--db") && need) {
            db = argv[++i];
        } else if (!strcmp(a, "--out") && need) {
            out = argv[++i];
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--whole-image")) {
            whole = 1;
        } else if (!strcmp(a, "--group")) {
            group = 1;
        } else if (!strcmp(a, "--threshold") && need) {
            if (pcli_double(argv[++i], &threshold) != 0 || threshold < 0) {
                fprintf(stderr, "facenet-run identify: --threshold %s: want a number >= 0\n",
                        argv[i]);
                pcli_list_free(&args);
                return CLI_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--top-k") && need) {
            if (pcli_int(argv[++i], 1, MAX_TOP_K, &top_k) != 0) {
                fprintf(stderr, "facenet-run identify: --top-k %s: want an integer 1..%d\n",
                        argv[i], MAX_TOP_K);
                pcli_list_free(&args);
                return CLI_EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "facenet-run identify: unknown option or missing value: %s\n", a);
            usage(stderr);
            pcli_list_free(&args);
            return CLI_EXIT_USAGE;
        } else if (pcli_list_add(&args, a) != 0) {
            pcli_list_free(&args);
            return CLI_EXIT_FATAL;
        }
    }
    if (args.n == 0) {
        fprintf(stderr, "facenet-run identify: no images given\n");
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    int bad = 0;
    pcli_list files = {0};
    for (size_t i = 0; i < args.n; i++) {
        int r = collect(args.items[i], &files, 0);
        if (r < 0) {
            fprintf(stderr, "facenet-run identify: out of memory\n");
            pcli_list_free(&args);
            pcli_list_free(&files);
            return CLI_EXIT_FATAL;
        }
        bad += r;
    }
    int out_is_dir = 0;
    if (out) {
        struct stat st;
        size_t ol = strlen(out);
        out_is_dir = (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) || (ol && out[ol - 1] == '/') ||
                     files.n > 1 || args.n > 1;
        if (out_is_dir && mkdir(out, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "facenet-run identify: --out %s: cannot make the directory: %s\n", out,
                    strerror(errno));
            pcli_list_free(&args);
            pcli_list_free(&files);
            return CLI_EXIT_FATAL;
        }
    }

    if (group) {
        int rc = run_group(&files, &po, whole, threshold, json, out, out_is_dir, &bad);
        pcli_list_free(&files);
        pcli_list_free(&args);
        if (fflush(stdout) != 0) rc = CLI_EXIT_FATAL;
        if (rc != CLI_EXIT_OK) return rc;
        return bad ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
    }

    /* The model and the gallery are opened at the first image that decodes:
     * a batch of nothing but bad files is reported without any model. */
    int rc = CLI_EXIT_OK;
    face_gallery *g = NULL;
    pipeline *p = NULL;
    float thr = 0;
    pcli_list written = {0};
    pcli_progress pr;
    pcli_progress_init(&pr, files.n > 1 && !isatty(fileno(stdout)) ? files.n : 0);
    for (size_t fi = 0; fi < files.n && rc == CLI_EXIT_OK; fi++) {
        const char *file = files.items[fi];
        pcli_progress_show(&pr, fi, file);
        face_image img = {0, 0, 0, NULL};
        face_err fe = {{0}};
        if (face_image_load(file, &img, &fe) != FACE_OK) {
            pcli_progress_clear(&pr);
            fprintf(stderr, "facenet-run identify: %s: %s\n", file, fe.msg);
            bad++;
            continue;
        }
        char err[1024];
        if (pipe_image_usable(&img, err, sizeof err) != 0) {
            pcli_progress_clear(&pr);
            fprintf(stderr, "facenet-run identify: %s: %s\n", file, err);
            face_image_free(&img);
            bad++;
            continue;
        }
        if (!g && open_all(&po, db, &p, &g) != 0) {
            face_image_free(&img);
            rc = CLI_EXIT_FATAL;
            break;
        }
        thr = threshold >= 0 ? (float)threshold : pipe_threshold(p);
        pipe_result r;
        if (pipe_run(p, &img, whole ? PIPE_WHOLE_ALWAYS : PIPE_WHOLE_IF_NONE, &r, NULL, err,
                     sizeof err) != 0) {
            pcli_progress_clear(&pr);
            fprintf(stderr, "facenet-run identify: %s: %s\n", file, err);
            face_image_free(&img);
            bad++;
            continue;
        }
        face_answer *ans = calloc(r.n ? (size_t)r.n : 1, sizeof *ans);
        if (!ans) {
            fprintf(stderr, "facenet-run identify: out of memory\n");
            rc = CLI_EXIT_FATAL;
        }
        for (int i = 0; ans && i < r.n; i++) {
            size_t k = (size_t)(top_k > 1 ? top_k : 1);
            if (face_gallery_match(g, r.faces[i].emb, pipe_metric(p), ans[i].top, k, &ans[i].n_top,
                                   &fe) != FACE_OK) {
                fprintf(stderr, "facenet-run identify: %s: matching: %s\n", file, fe.msg);
                ans[i].n_top = 0;
            }
            ans[i].name = face_match_decide(ans[i].top, ans[i].n_top, thr);
        }
        if (ans) {
            pcli_progress_clear(&pr);
            print_answers(file, &r, ans, json, (size_t)top_k);
            fflush(stdout);
            if (out) {
                char *op = out_path(out, out_is_dir, file, &written);
                if (!op || pcli_list_add(&written, op) != 0 || annotate(op, &img, &r, ans) != 0)
                    bad++;
                free(op);
            }
        }
        free(ans);
        pipe_result_free(&r);
        face_image_free(&img);
    }
    pcli_progress_clear(&pr);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "facenet-run identify: cannot write the output\n");
        rc = CLI_EXIT_FATAL;
    }
    face_gallery_free(g);
    pipe_close(p);
    pcli_list_free(&written);
    pcli_list_free(&files);
    pcli_list_free(&args);
    if (rc != CLI_EXIT_OK) return rc;
    return bad ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}
