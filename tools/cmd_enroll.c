/*
 * cmd_enroll.c - facenet-run enroll DIR: one gallery entry per photo of
 * DIR/<person>/, the largest face of each (tools/pipeline.c), saved
 * atomically with face_gallery_save after each person and at the end, so a
 * killed enroll keeps the old gallery or a newer complete one.
 */
#include "tools/cli.h"
#include "tools/pipeline_cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DB_DEFAULT "faces.db"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facenet-run enroll DIR [--db FILE] [options]\n"
            "\n"
            "Add the people in DIR to a gallery: DIR/<person>/<photos>, the folder name\n"
            "is the person's name. Each photo should show one face: the largest face\n"
            "found is enrolled, with a warning when there are several. A photo with no\n"
            "face found is skipped with a warning, except a small one (at most %dx%d,\n"
            "e.g. a face crop such as LFW's or a 150x150 chip): then the whole image is\n"
            "taken as the face (said in the summary). Photos already in the gallery\n"
            "(same person, same path) are skipped, so enroll can be run again after\n"
            "adding photos or after an interruption. Unreadable files are reported,\n"
            "one line each, and skipped.\n"
            "\n"
            "The gallery is written atomically (temp file, fsync, rename) after each\n"
            "person and at the end: killing enroll loses at most the current person.\n"
            "\n"
            "options:\n"
            "  --db FILE            gallery file (default " DB_DEFAULT "; created if missing)\n"
            "  --whole-image        every photo is a face crop: no detection, the whole\n"
            "                       image is the face\n"
            "%s"
            "  -q, --quiet          no progress bar and no warnings, only errors and the summary\n"
            "\n"
            "exit codes: 0 done, 1 done but some photos were unreadable or had no face\n"
            "            (each reported), 2 bad command line, 3 nothing done: DIR, the\n"
            "            model, the cascade or the gallery unusable (gallery unchanged)\n",
            PIPE_CROP_MAX_SIDE, PIPE_CROP_MAX_SIDE, pcli_opts_help);
}

typedef struct enroll_stats {
    size_t photos, added, known, bad, no_face, several, whole;
    size_t misplaced; /* files and folders outside the DIR/<person>/<photo> layout */
} enroll_stats;

/* The model and the gallery are opened at the first photo that decodes:
 * a batch of nothing but bad files is reported without any model. */
typedef struct enroll_ctx {
    pipe_opts po;
    const char *db;
    int quiet;
    pipeline *p;     /* NULL until needed */
    face_gallery *g; /* NULL until needed */
    enroll_stats s;
} enroll_ctx;

static int save(const face_gallery *g, const char *db)
{
    face_err err = {{0}};
    face_status st = face_gallery_save(g, db, &err);
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run enroll: %s: %s (%s)\n", db, err.msg, face_strerror(st));
        return -1;
    }
    return 0;
}

/* The gallery in db, or a new one when the file does not exist. */
static face_gallery *open_gallery(const char *db, const pipeline *p)
{
    face_gallery *g = NULL;
    face_err err = {{0}};
    struct stat sb;
    if (stat(db, &sb) != 0 && errno == ENOENT) {
        if (face_gallery_create(pipe_model_id(p), pipe_dim(p), &g, &err) != FACE_OK) {
            fprintf(stderr, "facenet-run enroll: %s\n", err.msg);
            return NULL;
        }
        return g;
    }
    face_status st = face_gallery_load(db, &g, &err);
    if (st == FACE_OK) st = face_gallery_check_model(g, pipe_model_id(p), pipe_dim(p), &err);
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run enroll: %s: %s (%s)\n", db, err.msg, face_strerror(st));
        face_gallery_free(g);
        return NULL;
    }
    return g;
}

/* 0 when the pipeline and the gallery are open, -1 after reporting why not. */
static int ensure_open(enroll_ctx *c, size_t total, size_t people)
{
    if (c->g) return 0;
    if (!c->p) c->p = pcli_open("enroll", &c->po);
    if (!c->p) return -1;
    c->g = open_gallery(c->db, c->p);
    if (!c->g) return -1;
    if (!c->quiet)
        fprintf(stderr, "facenet-run enroll: %zu photos of %zu people; aligner: %s\n", total,
                people, pipe_aligner_name(c->p));
    return 0;
}

/* One photo: 1 added, 0 skipped (reported), -1 fatal (out of memory). */
static int enroll_photo(enroll_ctx *c, const char *person, const char *path, int flags,
                        pcli_progress *pr, size_t total, size_t people)
{
    enroll_stats *s = &c->s;
    int quiet = c->quiet;
    if (c->g && face_gallery_find(c->g, person, path) >= 0) {
        s->known++;
        return 0;
    }
    face_image img = {0, 0, 0, NULL};
    face_err fe = {{0}};
    char err[1024];
    if (face_image_load(path, &img, &fe) != FACE_OK) {
        pcli_progress_clear(pr);
        fprintf(stderr, "facenet-run enroll: %s: %s\n", path, fe.msg);
        s->bad++;
        return 0;
    }
    if (pipe_image_usable(&img, err, sizeof err) != 0) {
        pcli_progress_clear(pr);
        fprintf(stderr, "facenet-run enroll: %s: %s\n", path, err);
        face_image_free(&img);
        s->bad++;
        return 0;
    }
    if (ensure_open(c, total, people) != 0) {
        face_image_free(&img);
        return -1;
    }
    if (face_gallery_find(c->g, person, path) >= 0) {
        face_image_free(&img);
        s->known++;
        return 0;
    }
    face_gallery *g = c->g;
    pipe_result r;
    int found = 0;
    int rc = pipe_run(c->p, &img, flags, &r, &found, err, sizeof err);
    int w = img.w, h = img.h;
    face_image_free(&img);
    if (rc != 0) {
        pcli_progress_clear(pr);
        fprintf(stderr, "facenet-run enroll: %s: %s\n", path, err);
        s->bad++;
        return 0;
    }
    if (r.n == 0) {
        pcli_progress_clear(pr);
        if (found > 0)
            fprintf(stderr,
                    "facenet-run enroll: %s: no face in the %dx%d image (%d detector box%s, "
                    "none whose landmarks settle), skipped\n",
                    path, w, h, found, found == 1 ? "" : "es");
        else
            fprintf(stderr, "facenet-run enroll: %s: no face found in the %dx%d image, skipped\n",
                    path, w, h);
        s->no_face++;
        return 0;
    }
    const pipe_face *f = &r.faces[0];
    if (f->whole_image) {
        s->whole++;
        if (!quiet) {
            pcli_progress_clear(pr);
            fprintf(stderr,
                    "facenet-run enroll: note: %s: no face found, the whole %dx%d image taken as "
                    "the face\n",
                    path, w, h);
        }
    } else if (found > 1) {
        s->several++;
        if (!quiet) {
            pcli_progress_clear(pr);
            fprintf(stderr,
                    "facenet-run enroll: warning: %s: %d faces found, enrolled the largest "
                    "(%d,%d %dx%d)\n",
                    path, found, f->box.x, f->box.y, f->box.w, f->box.h);
        }
    }
    face_status st = face_gallery_add(g, person, path, f->emb, &fe);
    pipe_result_free(&r);
    if (st == FACE_ENOMEM) {
        fprintf(stderr, "facenet-run enroll: out of memory\n");
        return -1;
    }
    if (st != FACE_OK) {
        pcli_progress_clear(pr);
        fprintf(stderr, "facenet-run enroll: %s: %s\n", path, fe.msg);
        s->bad++;
        return 0;
    }
    s->added++;
    return 1;
}

int cmd_enroll(int argc, char **argv)
{
    enroll_ctx c;
    memset(&c, 0, sizeof c);
    pipe_opts_init(&c.po);
    c.db = DB_DEFAULT;
    const char *dir = NULL;
    int whole = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = pcli_parse_opt("enroll", argc, argv, &i, &c.po);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--db") && i + 1 < argc) {
            c.db = argv[++i];
        } else if (!strcmp(a, "--whole-image")) {
            whole = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            c.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "facenet-run enroll: unknown option or missing value: %s\n", a);
            usage(stderr);
            return CLI_EXIT_USAGE;
        } else if (!dir) {
            dir = a;
        } else {
            fprintf(stderr, "facenet-run enroll: one DIR only (got %s and %s)\n", dir, a);
            return CLI_EXIT_USAGE;
        }
    }
    if (!dir) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }

    /* Everything to do is listed first: the progress bar needs the total. */
    pcli_list people = {0}, loose = {0};
    if (pcli_dir_entries(dir, 1, &people) != 0 || pcli_dir_entries(dir, 0, &loose) != 0) {
        fprintf(stderr, "facenet-run enroll: %s: cannot read the directory: %s\n", dir,
                strerror(errno));
        pcli_list_free(&people);
        pcli_list_free(&loose);
        return CLI_EXIT_FATAL;
    }
    for (size_t i = 0; i < loose.n; i++)
        fprintf(stderr,
                "facenet-run enroll: %s/%s: not in a person's folder (DIR/<person>/<photos>), "
                "skipped\n",
                dir, loose.items[i]);
    c.s.misplaced = loose.n;
    pcli_list_free(&loose);
    if (people.n == 0) {
        fprintf(stderr, "facenet-run enroll: %s: no person folders in it (want DIR/<person>/<photos>)\n",
                dir);
        pcli_list_free(&people);
        return CLI_EXIT_FATAL;
    }
    pcli_list *photos = calloc(people.n, sizeof *photos); /* [people.n] file names */
    if (!photos) {
        pcli_list_free(&people);
        return CLI_EXIT_FATAL;
    }
    size_t total = 0;
    for (size_t i = 0; i < people.n; i++) {
        char *pdir = pcli_join(dir, people.items[i]);
        pcli_list sub = {0};
        if (!pdir || pcli_dir_entries(pdir, 0, &photos[i]) != 0 ||
            pcli_dir_entries(pdir, 1, &sub) != 0) {
            fprintf(stderr, "facenet-run enroll: %s: cannot read the directory: %s\n",
                    pdir ? pdir : people.items[i], strerror(errno));
            c.s.bad++;
        }
        for (size_t k = 0; k < sub.n; k++)
            fprintf(stderr, "facenet-run enroll: %s/%s: a folder inside a person's folder, skipped\n",
                    pdir, sub.items[k]);
        c.s.misplaced += sub.n;
        pcli_list_free(&sub);
        free(pdir);
        total += photos[i].n;
    }

    int rc = CLI_EXIT_OK;
    int flags = PIPE_LARGEST_ONLY | (whole ? PIPE_WHOLE_ALWAYS : PIPE_WHOLE_IF_NONE);
    pcli_progress pr;
    pcli_progress_init(&pr, c.quiet ? 0 : total);
    size_t done = 0;
    for (size_t i = 0; i < people.n && rc == CLI_EXIT_OK; i++) {
        size_t added_before = c.s.added;
        for (size_t k = 0; k < photos[i].n && rc == CLI_EXIT_OK; k++) {
            char *pdir = pcli_join(dir, people.items[i]);
            char *path = pdir ? pcli_join(pdir, photos[i].items[k]) : NULL;
            free(pdir);
            pcli_progress_show(&pr, done, path ? path : "");
            if (!path || enroll_photo(&c, people.items[i], path, flags, &pr, total, people.n) < 0)
                rc = CLI_EXIT_FATAL;
            free(path);
            c.s.photos++;
            done++;
        }
        if (rc == CLI_EXIT_OK && c.s.added > added_before && save(c.g, c.db) != 0)
            rc = CLI_EXIT_FATAL;
    }
    pcli_progress_show(&pr, done, "");
    pcli_progress_clear(&pr);
    if (rc == CLI_EXIT_OK) {
        enroll_stats *s = &c.s;
        fprintf(stderr,
                "facenet-run enroll: %zu photos: %zu enrolled, %zu already in the gallery, "
                "%zu without a face, %zu unreadable or refused",
                s->photos, s->added, s->known, s->no_face, s->bad);
        if (s->several) fprintf(stderr, ", %zu with several faces (largest taken)", s->several);
        if (s->whole) fprintf(stderr, ", %zu taken whole as face crops", s->whole);
        if (s->misplaced)
            fprintf(stderr, "; %zu entr%s outside DIR/<person>/<photo> skipped", s->misplaced,
                    s->misplaced == 1 ? "y" : "ies");
        fputc('\n', stderr);
        if (c.g)
            fprintf(stderr, "facenet-run enroll: %s: %zu entries, %zu people, model %s\n", c.db,
                    face_gallery_count(c.g), face_gallery_person_count(c.g),
                    face_gallery_model_id(c.g));
        else
            fprintf(stderr, "facenet-run enroll: %s: not touched (no usable photo)\n", c.db);
        if (s->no_face || s->bad || s->misplaced) rc = CLI_EXIT_PARTIAL;
    }
    face_gallery_free(c.g);
    pipe_close(c.p);
    for (size_t i = 0; i < people.n; i++) pcli_list_free(&photos[i]);
    free(photos);
    pcli_list_free(&people);
    return rc;
}
