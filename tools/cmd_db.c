/*
 * cmd_db.c - facenet-run db list|rm|merge|export: look after a gallery
 * file (format: face/GALLERY_FORMAT.md) without a model. Every change is
 * written with face_gallery_save, so an interrupted command leaves the old
 * gallery or the new one.
 */
#include "tools/cli.h"

#include "face/face.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_DEFAULT "faces.db"

static void db_usage(FILE *f)
{
    fprintf(f,
            "usage: facenet-run db list [--entries] [--db FILE]\n"
            "       facenet-run db rm NAME... [--db FILE]\n"
            "       facenet-run db merge A B [--out FILE]\n"
            "       facenet-run db export [--db FILE]\n"
            "\n"
            "Look after a gallery of enrolled faces (default file: " DB_DEFAULT ").\n"
            "  list     the model, then each person and how many photos they have;\n"
            "           --entries: one line per photo instead, NAME<tab>FILE\n"
            "  rm       remove every entry of each NAME\n"
            "  merge    add B's entries to A (both made by the same model; an entry\n"
            "           whose name and file A already has is skipped); --out FILE\n"
            "           writes the merged gallery there and leaves A as it was\n"
            "  export   one JSON object per line on stdout:\n"
            "           {\"name\": \"...\", \"file\": \"...\", \"embedding\": [...]}\n"
            "Changes are saved atomically (temp file, fsync, rename).\n"
            "\n"
            "exit codes: 0 done, 1 rm: some NAME had no entries (the others were\n"
            "            removed), 2 bad command line, 3 a gallery could not be read\n"
            "            or written (nothing changed)\n");
}

static face_gallery *load_or_report(const char *path)
{
    face_gallery *g = NULL;
    face_err err = {{0}};
    face_status st = face_gallery_load(path, &g, &err);
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run db: %s: %s (%s)\n", path, err.msg, face_strerror(st));
        return NULL;
    }
    return g;
}

static int save_or_report(const face_gallery *g, const char *path)
{
    face_err err = {{0}};
    face_status st = face_gallery_save(g, path, &err);
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run db: %s: %s (%s)\n", path, err.msg, face_strerror(st));
        return CLI_EXIT_FATAL;
    }
    return CLI_EXIT_OK;
}

static int db_list(const char *path, int entries)
{
    face_gallery *g = load_or_report(path);
    if (!g) return CLI_EXIT_FATAL;
    size_t n = face_gallery_count(g), people = face_gallery_person_count(g);
    printf("# %s: model '%s', %d-D, %zu entr%s, %zu %s\n", path, face_gallery_model_id(g),
           face_gallery_dim(g), n, n == 1 ? "y" : "ies", people, people == 1 ? "person" : "people");
    if (entries) {
        for (size_t i = 0; i < n; i++) {
            face_gallery_entry e = face_gallery_get(g, i);
            printf("%s\t%s\n", e.name, e.file);
        }
    } else {
        /* People in first-enrolled order, with their photo counts. */
        size_t *photos = calloc(people ? people : 1, sizeof *photos); /* [people] */
        if (!photos) {
            fprintf(stderr, "facenet-run db: out of memory\n");
            face_gallery_free(g);
            return CLI_EXIT_FATAL;
        }
        for (size_t i = 0; i < n; i++) photos[face_gallery_get(g, i).person]++;
        for (size_t p = 0; p < people; p++)
            printf("%s\t%zu\n", face_gallery_person_name(g, p), photos[p]);
        free(photos);
    }
    face_gallery_free(g);
    return CLI_EXIT_OK;
}

static int db_rm(const char *path, char **names, int n_names)
{
    face_gallery *g = load_or_report(path);
    if (!g) return CLI_EXIT_FATAL;
    int missing = 0;
    size_t total = 0;
    for (int i = 0; i < n_names; i++) {
        size_t removed = 0;
        face_gallery_remove(g, names[i], &removed);
        if (removed == 0) {
            fprintf(stderr, "facenet-run db: %s: no entries named '%s'\n", path, names[i]);
            missing++;
        } else {
            fprintf(stderr, "facenet-run db: %s: removed %zu entr%s of '%s'\n", path, removed,
                    removed == 1 ? "y" : "ies", names[i]);
        }
        total += removed;
    }
    int rc = total ? save_or_report(g, path) : CLI_EXIT_OK;
    face_gallery_free(g);
    if (rc != CLI_EXIT_OK) return rc;
    return missing ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}

static int db_merge(const char *a_path, const char *b_path, const char *out_path)
{
    face_gallery *a = load_or_report(a_path);
    if (!a) return CLI_EXIT_FATAL;
    face_gallery *b = load_or_report(b_path);
    if (!b) {
        face_gallery_free(a);
        return CLI_EXIT_FATAL;
    }
    size_t added = 0;
    face_err err = {{0}};
    face_status st = face_gallery_merge(a, b, &added, &err);
    int rc = CLI_EXIT_OK;
    if (st != FACE_OK) {
        fprintf(stderr, "facenet-run db: merging %s into %s: %s (%s)\n", b_path, a_path, err.msg,
                face_strerror(st));
        rc = CLI_EXIT_FATAL;
    } else {
        const char *dst = out_path ? out_path : a_path;
        rc = save_or_report(a, dst);
        if (rc == CLI_EXIT_OK)
            fprintf(stderr, "facenet-run db: %s: %zu entries (%zu new from %s)\n", dst,
                    face_gallery_count(a), added, b_path);
    }
    face_gallery_free(a);
    face_gallery_free(b);
    return rc;
}

/* Names and files are UTF-8 without control characters (the gallery
 * guarantees it), so only the quote and the backslash need escaping. */
static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

static int db_export(const char *path)
{
    face_gallery *g = load_or_report(path);
    if (!g) return CLI_EXIT_FATAL;
    int dim = face_gallery_dim(g);
    for (size_t i = 0; i < face_gallery_count(g); i++) {
        face_gallery_entry e = face_gallery_get(g, i);
        fputs("{\"name\": ", stdout);
        json_string(e.name);
        fputs(", \"file\": ", stdout);
        json_string(e.file);
        fputs(", \"embedding\": [", stdout);
        /* %.9g: enough digits to give back the same float32. */
        for (int j = 0; j < dim; j++) printf(j ? ", %.9g" : "%.9g", (double)e.emb[j]);
        fputs("]}\n", stdout);
    }
    face_gallery_free(g);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "facenet-run db: export: cannot write to stdout\n");
        return CLI_EXIT_FATAL;
    }
    return CLI_EXIT_OK;
}

int cmd_db(int argc, char **argv)
{
    const char *db = DB_DEFAULT, *out = NULL;
    int entries = 0, db_given = 0;
    /* Positional arguments, in order (the action first); at most argc. */
    char *pos[64];
    int n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            db_usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--db") || !strcmp(a, "--out")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "facenet-run db: %s needs a file name\n", a);
                return CLI_EXIT_USAGE;
            }
            if (!strcmp(a, "--db")) {
                db = argv[++i];
                db_given = 1;
            } else {
                out = argv[++i];
            }
        } else if (!strncmp(a, "--db=", 5)) {
            db = a + 5;
            db_given = 1;
        } else if (!strncmp(a, "--out=", 6)) {
            out = a + 6;
        } else if (!strcmp(a, "--entries")) {
            entries = 1;
        } else if (!strcmp(a, "--")) {
            /* Everything after is positional (a person called "-x"). */
            for (i++; i < argc; i++) {
                if (n_pos == (int)(sizeof pos / sizeof pos[0])) {
                    fprintf(stderr, "facenet-run db: too many arguments (at most %d)\n", n_pos);
                    return CLI_EXIT_USAGE;
                }
                pos[n_pos++] = argv[i];
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "facenet-run db: unknown option '%s'\n", a);
            db_usage(stderr);
            return CLI_EXIT_USAGE;
        } else {
            if (n_pos == (int)(sizeof pos / sizeof pos[0])) {
                fprintf(stderr, "facenet-run db: too many arguments (at most %d)\n", n_pos);
                return CLI_EXIT_USAGE;
            }
            pos[n_pos++] = argv[i];
        }
    }
    if (n_pos == 0) {
        db_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *action = pos[0];
    int want_out = !strcmp(action, "merge"), want_entries = !strcmp(action, "list");
    const char *stray = out && !want_out           ? "--out"
                        : entries && !want_entries ? "--entries"
                        : db_given && want_out     ? "--db (merge names its galleries)"
                                                   : NULL;
    if (stray) {
        fprintf(stderr, "facenet-run db %s: %s does not apply here\n", action, stray);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(action, "list") || !strcmp(action, "export")) {
        if (n_pos != 1) {
            fprintf(stderr, "facenet-run db %s: unexpected argument '%s'\n", action, pos[1]);
            return CLI_EXIT_USAGE;
        }
        return action[0] == 'l' ? db_list(db, entries) : db_export(db);
    }
    if (!strcmp(action, "rm")) {
        if (n_pos < 2) {
            fprintf(stderr, "facenet-run db rm: which NAME?\n");
            return CLI_EXIT_USAGE;
        }
        return db_rm(db, pos + 1, n_pos - 1);
    }
    if (!strcmp(action, "merge")) {
        if (n_pos != 3) {
            fprintf(stderr, "facenet-run db merge: needs two galleries, A and B\n");
            return CLI_EXIT_USAGE;
        }
        return db_merge(pos[1], pos[2], out);
    }
    fprintf(stderr, "facenet-run db: unknown action '%s' (list, rm, merge, export)\n", action);
    db_usage(stderr);
    return CLI_EXIT_USAGE;
}
