/*
 * eval.c - pairs files, thresholds, ROC, SVG, detection truth (eval.h).
 */
#include "tools/eval.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES (256u << 20)

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* A whole file, NUL-terminated, at most MAX_FILE_BYTES. */
static int read_file(const char *path, char **out, size_t *len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, err_len, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (cap >= MAX_FILE_BYTES) {
                free(buf);
                fclose(f);
                return fail(err, err_len, "file is larger than %u bytes", MAX_FILE_BYTES);
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return fail(err, err_len, "out of memory");
    if (bad) {
        free(buf);
        return fail(err, err_len, "read error");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* ==== pairs files ========================================================== */

/* One line split into at most 5 fields (a 5th means "too many"). */
#define MAX_FIELDS 5
typedef struct line_fields {
    const char *f[MAX_FIELDS];
    size_t len[MAX_FIELDS];
    int n;
} line_fields;

static void split_line(const char *s, size_t len, line_fields *lf)
{
    lf->n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
        if (i == len) break;
        size_t start = i;
        while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') i++;
        if (lf->n < MAX_FIELDS) {
            lf->f[lf->n] = s + start;
            lf->len[lf->n] = i - start;
        }
        if (lf->n < MAX_FIELDS) lf->n++;
    }
}

/* A decimal integer field, lo..hi; -1 when it is not one. */
static int field_int(const char *s, size_t len, long lo, long hi, long *out)
{
    if (len == 0 || len > 18) return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* A person's name as a path component; -1 with a reason. */
static int check_name(const char *s, size_t len, int line, int col, char *err, size_t err_len)
{
    if (len > EVAL_MAX_NAME)
        return fail(err, err_len, "line %d, field %d: name of %zu bytes, longer than %d", line, col,
                    len, EVAL_MAX_NAME);
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return fail(err, err_len, "line %d, field %d: name '%.*s' is not allowed (it is a path)",
                    line, col, (int)len, s);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
            return fail(err, err_len,
                        "line %d, field %d: name '%.*s' holds byte 0x%02x (no slashes or control "
                        "characters in a name)",
                        line, col, (int)len, s, c);
    }
    return 0;
}

static char *dup_field(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

void eval_pairs_free(eval_pairs *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        if (p->pairs[i].name_b != p->pairs[i].name_a) free(p->pairs[i].name_b);
        free(p->pairs[i].name_a);
    }
    free(p->pairs);
    memset(p, 0, sizeof *p);
}

/* Show a line in a message: at most 60 bytes of it. */
static int show_len(size_t len)
{
    return len > 60 ? 60 : (int)len;
}

int eval_pairs_parse(const char *text, size_t len, eval_pairs *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    int line = 0;
    long sets = 0, per = 0;
    size_t total = 0, done = 0;
    eval_pairs r = {0};
    /* one line per turn; `continue` moves on to the next, the end of the
     * text (end == len) stops after its last line */
    for (size_t pos = 0, end = 0; pos <= len; pos = end + 1) {
        if (pos == len && pos > 0 && text[pos - 1] == '\n') break; /* no line after the last \n */
        end = pos;
        while (end < len && text[end] != '\n') end++;
        line++;
        const char *ls = text + pos;
        size_t ll = end - pos;
        for (size_t i = 0; i < ll; i++)
            if (ls[i] == '\0') {
                eval_pairs_free(&r);
                return fail(err, err_len, "line %d: a NUL byte at column %zu: not a text file",
                            line, i + 1);
            }
        line_fields lf;
        split_line(ls, ll, &lf);
        if (line == 1) {
            if (lf.n == 1 && field_int(lf.f[0], lf.len[0], 1, EVAL_MAX_PAIRS, &per) == 0) {
                sets = 1;
            } else if (lf.n == 2 && field_int(lf.f[0], lf.len[0], 1, EVAL_MAX_FOLDS, &sets) == 0 &&
                       field_int(lf.f[1], lf.len[1], 1, EVAL_MAX_PAIRS, &per) == 0) {
            } else {
                return fail(err, err_len,
                            "line 1: header '%.*s': want \"N\" (N same then N different pairs) "
                            "or \"S N\" (S sets of them, S 1..%d), N 1..%u",
                            show_len(ll), ls, EVAL_MAX_FOLDS, EVAL_MAX_PAIRS);
            }
            if ((unsigned long)sets * (unsigned long)per * 2u > EVAL_MAX_PAIRS)
                return fail(err, err_len, "line 1: header says %ld x %ld x 2 pairs, over the cap of %u",
                            sets, per, EVAL_MAX_PAIRS);
            total = (size_t)sets * (size_t)per * 2u;
            r.pairs = calloc(total, sizeof *r.pairs);
            if (!r.pairs) return fail(err, err_len, "out of memory for %zu pairs", total);
            r.n_folds = (int)sets;
            r.per_fold = (int)per;
            continue;
        }
        if (lf.n == 0) {
            if (done < total) {
                eval_pairs_free(&r);
                return fail(err, err_len,
                            "line %d: blank line, but only %zu of the header's %zu pairs came "
                            "before it (blank lines only after the last pair)",
                            line, done, total);
            }
            continue;
        }
        if (done == total) {
            eval_pairs_free(&r);
            return fail(err, err_len, "line %d: '%.*s' after the header's %zu pairs (%ld set%s of "
                        "%ld + %ld)", line, show_len(ll), ls, total, sets, sets == 1 ? "" : "s",
                        per, per);
        }
        size_t in_set = done % ((size_t)per * 2);
        int same = in_set < (size_t)per;
        eval_pair *p = &r.pairs[done];
        p->line = line;
        p->same = same;
        p->fold = (int)(done / ((size_t)per * 2));
        int want = same ? 3 : 4, set_no = p->fold + 1;
        if (lf.n != want) {
            eval_pairs_free(&r); /* p is gone from here on */
            return fail(err, err_len,
                        "line %d: '%.*s' has %s%d fields, want %d: pair %zu of set %d is a %s "
                        "pair \"%s\"",
                        line, show_len(ll), ls, lf.n == MAX_FIELDS ? "at least " : "", lf.n, want,
                        in_set + 1, set_no, same ? "same-person" : "different-person",
                        same ? "NAME I J" : "NAME1 I NAME2 J");
        }
        long a, b;
        int ia = 1, ib = same ? 2 : 3, nb = same ? 0 : 2;
        if (check_name(lf.f[0], lf.len[0], line, 1, err, err_len) != 0 ||
            (!same && check_name(lf.f[nb], lf.len[nb], line, 3, err, err_len) != 0)) {
            eval_pairs_free(&r);
            return -1;
        }
        if (field_int(lf.f[ia], lf.len[ia], 1, EVAL_MAX_IMAGE_NUM, &a) != 0 ||
            field_int(lf.f[ib], lf.len[ib], 1, EVAL_MAX_IMAGE_NUM, &b) != 0) {
            int bad = field_int(lf.f[ia], lf.len[ia], 1, EVAL_MAX_IMAGE_NUM, &a) != 0 ? ia : ib;
            eval_pairs_free(&r);
            return fail(err, err_len, "line %d, field %d: '%.*s' is not an image number 1..%d",
                        line, bad + 1, show_len(lf.len[bad]), lf.f[bad], EVAL_MAX_IMAGE_NUM);
        }
        p->num_a = (int)a;
        p->num_b = (int)b;
        p->name_a = dup_field(lf.f[0], lf.len[0]);
        p->name_b = same ? p->name_a : dup_field(lf.f[nb], lf.len[nb]);
        done++;
        if (!p->name_a || !p->name_b) {
            r.n = done;
            eval_pairs_free(&r);
            return fail(err, err_len, "out of memory");
        }
        r.n = done;
        if (same && a == b) {
            eval_pairs_free(&r);
            return fail(err, err_len, "line %d: a same-person pair of image %ld with itself", line,
                        a);
        }
    }
    if (done < total) {
        size_t in_set = done % ((size_t)per * 2);
        int eof_line = line + (len > 0 && text[len - 1] == '\n');
        eval_pairs_free(&r);
        return fail(err, err_len,
                    "line %d: the file ends after %zu pairs, the header promised %zu (set %zu "
                    "has %zu of its %ld + %ld)",
                    eof_line, done, total, done / ((size_t)per * 2) + 1, in_set, per, per);
    }
    *out = r;
    return 0;
}

int eval_pairs_load(const char *path, eval_pairs *out, char *err, size_t err_len)
{
    char *text;
    size_t len;
    if (read_file(path, &text, &len, err, err_len) != 0) return -1;
    int rc = eval_pairs_parse(text, len, out, err, err_len);
    free(text);
    return rc;
}

/* ==== thresholds =========================================================== */

static int in_set(const eval_set *s, size_t i)
{
    return !s->use || s->use[i];
}

double eval_accuracy(const eval_set *s, double t)
{
    size_t right = 0, n = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!in_set(s, i)) continue;
        n++;
        if ((s->dist[i] < t) == (s->same[i] != 0)) right++;
    }
    return n ? (double)right / (double)n : 0.0;
}

typedef struct scored {
    double d;
    int same;
} scored;

static int by_distance(const void *a, const void *b)
{
    double x = ((const scored *)a)->d, y = ((const scored *)b)->d;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The set's pairs sorted by distance (*out malloc'd), counts of each kind. */
static int sorted_set(const eval_set *s, scored **out, size_t *n_out, size_t *n_same,
                      char *err, size_t err_len)
{
    size_t n = 0, ns = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!in_set(s, i)) continue;
        if (!isfinite(s->dist[i]))
            return fail(err, err_len, "pair %zu: distance %g is not finite", i + 1, s->dist[i]);
        n++;
        ns += s->same[i] != 0;
    }
    if (n == 0) return fail(err, err_len, "no pairs to choose a threshold on");
    scored *v = malloc(sizeof *v * n);
    if (!v) return fail(err, err_len, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (in_set(s, i)) {
            v[k].d = s->dist[i];
            v[k].same = s->same[i] != 0;
            k++;
        }
    qsort(v, n, sizeof *v, by_distance);
    *out = v;
    *n_out = n;
    *n_same = ns;
    return 0;
}

/*
 * The sweep shared by the threshold search and the ROC: candidate c (in
 * ascending order) accepts the pairs before position next[c] in the sorted
 * list. visit gets the threshold and how many same/different pairs it
 * accepts.
 */
typedef void (*sweep_fn)(void *ctx, double t, size_t same_acc, size_t diff_acc);

static void sweep(const scored *v, size_t n, sweep_fn fn, void *ctx)
{
    size_t same_acc = 0, diff_acc = 0;
    fn(ctx, v[0].d - 1.0, 0, 0);
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j].d == v[i].d) {
            same_acc += v[j].same;
            diff_acc += !v[j].same;
            j++;
        }
        double t = j < n ? v[i].d + (v[j].d - v[i].d) / 2 : v[n - 1].d + 1.0;
        fn(ctx, t, same_acc, diff_acc);
        i = j;
    }
}

typedef struct best_ctx {
    size_t n, n_same;
    size_t best_right;
    double best_t;
    int have;
} best_ctx;

static void best_visit(void *ctx, double t, size_t same_acc, size_t diff_acc)
{
    best_ctx *b = ctx;
    size_t n_diff = b->n - b->n_same;
    size_t right = same_acc + (n_diff - diff_acc);
    /* strictly better only: the first (smallest) threshold keeps a tie */
    if (!b->have || right > b->best_right) {
        b->best_right = right;
        b->best_t = t;
        b->have = 1;
    }
}

int eval_best_threshold(const eval_set *s, double *threshold, double *acc, char *err,
                        size_t err_len)
{
    scored *v;
    size_t n, ns;
    if (sorted_set(s, &v, &n, &ns, err, err_len) != 0) return -1;
    best_ctx b = {n, ns, 0, 0.0, 0};
    sweep(v, n, best_visit, &b);
    free(v);
    *threshold = b.best_t;
    *acc = (double)b.best_right / (double)n;
    return 0;
}

int eval_cross_validate(const double *dist, const int *same, const int *fold, size_t n, int k,
                        eval_cv *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    if (k < 2 || k > EVAL_MAX_FOLDS)
        return fail(err, err_len, "%d folds: want 2..%d", k, EVAL_MAX_FOLDS);
    int *use = malloc(sizeof *use * (n ? n : 1));
    if (!use) return fail(err, err_len, "out of memory");
    out->k = k;
    for (int f = 0; f < k; f++) {
        size_t in_fold = 0;
        for (size_t i = 0; i < n; i++) {
            if (fold[i] < 0 || fold[i] >= k) {
                free(use);
                return fail(err, err_len, "pair %zu: fold %d outside 0..%d", i + 1, fold[i], k - 1);
            }
            use[i] = fold[i] != f;
            in_fold += fold[i] == f;
        }
        if (in_fold == 0) {
            free(use);
            return fail(err, err_len, "fold %d has no pairs", f + 1);
        }
        eval_set train = {dist, same, use, n};
        double t, train_acc;
        if (eval_best_threshold(&train, &t, &train_acc, err, err_len) != 0) {
            free(use);
            return -1;
        }
        for (size_t i = 0; i < n; i++) use[i] = fold[i] == f;
        eval_set test = {dist, same, use, n};
        out->threshold[f] = t;
        out->accuracy[f] = eval_accuracy(&test, t);
    }
    free(use);
    double sum = 0, tsum = 0;
    for (int f = 0; f < k; f++) {
        sum += out->accuracy[f];
        tsum += out->threshold[f];
    }
    out->mean = sum / k;
    out->mean_threshold = tsum / k;
    double ss = 0;
    for (int f = 0; f < k; f++) ss += (out->accuracy[f] - out->mean) * (out->accuracy[f] - out->mean);
    out->std = sqrt(ss / (k - 1));
    out->sem = out->std / sqrt((double)k);
    return 0;
}

/* ==== ROC ================================================================== */

typedef struct roc_ctx {
    eval_roc_point *pts;
    size_t n_pts, n_same, n_diff;
} roc_ctx;

static void roc_visit(void *ctx, double t, size_t same_acc, size_t diff_acc)
{
    roc_ctx *r = ctx;
    eval_roc_point *p = &r->pts[r->n_pts++];
    p->threshold = t;
    p->tar = (double)same_acc / (double)r->n_same;
    p->far = (double)diff_acc / (double)r->n_diff;
}

int eval_roc(const eval_set *s, eval_roc_point **pts, size_t *n_out, char *err, size_t err_len)
{
    scored *v;
    size_t n, ns;
    if (sorted_set(s, &v, &n, &ns, err, err_len) != 0) return -1;
    if (ns == 0 || ns == n) {
        free(v);
        return fail(err, err_len, "a ROC needs same and different pairs (%zu same of %zu)", ns, n);
    }
    roc_ctx r = {malloc(sizeof *r.pts * (n + 1)), 0, ns, n - ns};
    if (!r.pts) {
        free(v);
        return fail(err, err_len, "out of memory");
    }
    sweep(v, n, roc_visit, &r);
    free(v);
    *pts = r.pts;
    *n_out = r.n_pts;
    return 0;
}

double eval_tar_at_far(const eval_roc_point *pts, size_t n, double far_max, double *threshold)
{
    double best = 0, bt = n ? pts[0].threshold : 0;
    for (size_t i = 0; i < n; i++)
        if (pts[i].far <= far_max && pts[i].tar > best) {
            best = pts[i].tar;
            bt = pts[i].threshold;
        }
    if (threshold) *threshold = bt;
    return best;
}

double eval_eer(const eval_roc_point *pts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double far1 = pts[i].far, frr1 = 1 - pts[i].tar;
        if (far1 < frr1) continue;
        if (i == 0) return (far1 + frr1) / 2;
        double far0 = pts[i - 1].far, frr0 = 1 - pts[i - 1].tar;
        /* far0 + s (far1 - far0) == frr0 + s (frr1 - frr0) */
        double den = (far1 - far0) - (frr1 - frr0);
        double s = den > 0 ? (frr0 - far0) / den : 0;
        return far0 + s * (far1 - far0);
    }
    return n ? pts[n - 1].far : 0;
}

/* ==== SVG ================================================================== */

/* A growing string. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)k + 1;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
}

/* Text for an SVG text node: & < > escaped, control bytes dropped. */
static void sb_text(sbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '&')
            sb_printf(b, "&amp;");
        else if (*p == '<')
            sb_printf(b, "&lt;");
        else if (*p == '>')
            sb_printf(b, "&gt;");
        else if (*p >= 0x20 && *p != 0x7f)
            sb_printf(b, "%c", *p);
    }
}

/* The plot area inside the 640x480 picture. */
#define SVG_W 640
#define SVG_H 480
#define PL 80.0  /* left */
#define PR 600.0 /* right */
#define PT 50.0  /* top */
#define PB 410.0 /* bottom */

int eval_plot_svg(const eval_plot *p, char **out, char *err, size_t err_len)
{
    if (!p->pts || p->n == 0 || p->n_diff == 0)
        return fail(err, err_len, "nothing to plot (%zu ROC points, %zu different pairs)", p->n,
                    p->n_diff);
    int lo_dec = (int)floor(log10(1.0 / (double)p->n_diff));
    if (lo_dec > -1) lo_dec = -1;
    if (lo_dec < -12) lo_dec = -12;
    double xmin = pow(10.0, lo_dec);
    /* TAR axis: from the 0.1 step below the curve's TAR at the left edge */
    double tar_at_left = eval_tar_at_far(p->pts, p->n, xmin, NULL);
    double ymin = floor(tar_at_left * 10.0 - 1e-9) / 10.0;
    if (ymin < 0) ymin = 0;
    if (ymin > 0.9) ymin = 0.9;

    sbuf b = {malloc(4096), 0, 4096, 0};
    if (!b.s) return fail(err, err_len, "out of memory");
    sb_printf(&b,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
              "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">\n"
              "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
              SVG_W, SVG_H, SVG_W, SVG_H, SVG_W, SVG_H);
    sb_printf(&b, "<text x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
                  "font-weight=\"bold\">", SVG_W / 2);
    sb_text(&b, p->title ? p->title : "ROC");
    sb_printf(&b, "</text>\n");

    /* grid, ticks and labels: FAR decades (minor ticks at 2..9), TAR tenths */
    for (int d = lo_dec; d <= 0; d++) {
        double x = PL + (PR - PL) * (double)(d - lo_dec) / (double)(-lo_dec);
        sb_printf(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#dddddd\"/>\n",
                  x, PT, x, PB);
        sb_printf(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n",
                  x, PB, x, PB + 6);
        sb_printf(&b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">1e%d</text>\n", x,
                  PB + 21, d);
        for (int m = 2; d < 0 && m <= 9; m++) {
            double xm = x + (PR - PL) * log10((double)m) / (double)(-lo_dec);
            sb_printf(&b,
                      "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n",
                      xm, PB, xm, PB + 3);
        }
    }
    int steps = (int)lround((1.0 - ymin) * 10.0);
    for (int k = 0; k <= steps; k++) {
        double v = ymin + k / 10.0;
        double y = PB - (PB - PT) * (v - ymin) / (1.0 - ymin);
        sb_printf(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#dddddd\"/>\n",
                  PL, y, PR, y);
        sb_printf(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"black\"/>\n",
                  PL - 6, y, PL, y);
        sb_printf(&b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">%.1f</text>\n", PL - 9,
                  y + 4, v);
    }
    sb_printf(&b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                  "stroke=\"black\"/>\n", PL, PT, PR - PL, PB - PT);
    sb_printf(&b, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">False accept rate (FAR, "
                  "log scale)</text>\n", (PL + PR) / 2, SVG_H - 20);
    sb_printf(&b, "<text x=\"20\" y=\"%.0f\" text-anchor=\"middle\" transform=\"rotate(-90 20 "
                  "%.0f)\">True accept rate (TAR)</text>\n", (PT + PB) / 2, (PT + PB) / 2);

    /* the curve: a step line through every ROC point, clipped to the axes */
    sb_printf(&b, "<clipPath id=\"plot\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
                  "height=\"%.0f\"/></clipPath>\n", PL, PT, PR - PL, PB - PT);
    sb_printf(&b, "<polyline clip-path=\"url(#plot)\" fill=\"none\" stroke=\"#1f5fbf\" "
                  "stroke-width=\"2\" points=\"");
    double lx = log10(xmin);
    for (size_t i = 0; i < p->n; i++) {
        double far = p->pts[i].far < xmin ? xmin : p->pts[i].far;
        double x = PL + (PR - PL) * (log10(far) - lx) / (-lx);
        double tar = p->pts[i].tar < ymin ? ymin - 0.02 : p->pts[i].tar;
        double y = PB - (PB - PT) * (tar - ymin) / (1.0 - ymin);
        sb_printf(&b, "%.2f,%.2f ", x, y);
    }
    sb_printf(&b, "\"/>\n");
    if (p->has_op) {
        double far = p->op_far < xmin ? xmin : p->op_far;
        double x = PL + (PR - PL) * (log10(far) - lx) / (-lx);
        double tar = p->op_tar < ymin ? ymin : p->op_tar;
        double y = PB - (PB - PT) * (tar - ymin) / (1.0 - ymin);
        sb_printf(&b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"6\" fill=\"#d62728\"/>\n", x, y);
        sb_printf(&b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" fill=\"#d62728\">threshold "
                      "%.4f: FAR %.4f, TAR %.4f</text>\n",
                  x + (x > (PL + PR) / 2 ? -10.0 : 10.0), y + 22, x > (PL + PR) / 2 ? "end" : "start",
                  p->op_threshold, p->op_far, p->op_tar);
    }
    sb_printf(&b, "</svg>\n");
    if (b.oom) {
        free(b.s);
        return fail(err, err_len, "out of memory");
    }
    *out = b.s;
    return 0;
}

/* ==== dlib imglab XML ====================================================== */

void eval_truth_free(eval_truth *t)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) {
        free(t->images[i].file);
        free(t->images[i].boxes);
    }
    free(t->images);
    memset(t, 0, sizeof *t);
}

static int line_of(const char *text, size_t pos)
{
    int line = 1;
    for (size_t i = 0; i < pos; i++) line += text[i] == '\n';
    return line;
}

/* The value of attribute `name` in the tag text[s..e) (s just after '<'),
 * decoded into a malloc'd string; NULL in *out when absent. -1 on a
 * malformed value. */
static int tag_attr(const char *text, size_t s, size_t e, const char *name, char **out,
                    char *err, size_t err_len)
{
    *out = NULL;
    size_t nl = strlen(name);
    size_t i = s;
    while (i < e && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') i++;
    while (i < e) {
        while (i < e && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
            i++;
        size_t ns = i;
        while (i < e && text[i] != '=' && text[i] != ' ' && text[i] != '/' && text[i] != '>') i++;
        size_t nlen = i - ns;
        if (i >= e || text[i] != '=') {
            if (nlen == 0) i++;
            continue;
        }
        i++;
        if (i >= e || (text[i] != '\'' && text[i] != '"'))
            return fail(err, err_len, "line %d: attribute '%.*s' without a quoted value",
                        line_of(text, ns), (int)(nlen > 40 ? 40 : nlen), text + ns);
        char q = text[i++];
        size_t vs = i;
        while (i < e && text[i] != q) i++;
        if (i >= e)
            return fail(err, err_len, "line %d: attribute '%.*s' value has no closing quote",
                        line_of(text, ns), (int)(nlen > 40 ? 40 : nlen), text + ns);
        size_t ve = i++;
        if (nlen != nl || memcmp(text + ns, name, nl) != 0) continue;
        char *v = malloc(ve - vs + 1);
        if (!v) return fail(err, err_len, "out of memory");
        size_t k = 0;
        for (size_t j = vs; j < ve;) {
            static const char *const ent[5] = {"&amp;", "&apos;", "&quot;", "&lt;", "&gt;"};
            static const char rep[5] = {'&', '\'', '"', '<', '>'};
            int done = 0;
            for (int t = 0; t < 5 && text[j] == '&'; t++) {
                size_t el = strlen(ent[t]);
                if (ve - j >= el && memcmp(text + j, ent[t], el) == 0) {
                    v[k++] = rep[t];
                    j += el;
                    done = 1;
                    break;
                }
            }
            if (!done) v[k++] = text[j++];
        }
        v[k] = '\0';
        *out = v;
        return 0;
    }
    return 0;
}

/* An integer attribute, required; lo..hi. */
static int int_attr(const char *text, size_t s, size_t e, const char *name, long lo, long hi,
                    int *out, char *err, size_t err_len)
{
    char *v;
    if (tag_attr(text, s, e, name, &v, err, err_len) != 0) return -1;
    if (!v)
        return fail(err, err_len, "line %d: <box> without a %s attribute", line_of(text, s), name);
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    int bad = end == v || *end || errno || x < lo || x > hi;
    if (bad) {
        fail(err, err_len, "line %d: box %s='%.40s': want an integer %ld..%ld", line_of(text, s),
             name, v, lo, hi);
        free(v);
        return -1;
    }
    free(v);
    *out = (int)x;
    return 0;
}

static int tag_is(const char *text, size_t s, size_t e, const char *name)
{
    size_t nl = strlen(name);
    if (e - s < nl || memcmp(text + s, name, nl) != 0) return 0;
    if (s + nl == e) return 1;
    char c = text[s + nl];
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '>';
}

int eval_truth_parse(const char *text, size_t len, eval_truth *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    eval_truth t = {0};
    int cap_img = 0, cap_box = 0;
    int in_image = 0;
    long total_boxes = 0;
    size_t i = 0;
    while (i < len) {
        if (text[i] != '<') {
            i++;
            continue;
        }
        size_t s = i + 1;
        if (len - s >= 3 && memcmp(text + s, "!--", 3) == 0) {
            size_t j = s + 3;
            while (j + 2 < len && memcmp(text + j, "-->", 3) != 0) j++;
            if (j + 2 >= len) {
                eval_truth_free(&t);
                return fail(err, err_len, "line %d: comment never closed", line_of(text, i));
            }
            i = j + 3;
            continue;
        }
        size_t e = s;
        char q = 0;
        while (e < len && (q || text[e] != '>')) {
            if (!q && (text[e] == '\'' || text[e] == '"'))
                q = text[e];
            else if (q && text[e] == q)
                q = 0;
            e++;
        }
        if (e >= len) {
            eval_truth_free(&t);
            return fail(err, err_len, "line %d: tag never closed with '>'", line_of(text, i));
        }
        i = e + 1;
        if (tag_is(text, s, e, "image")) {
            if (in_image) {
                eval_truth_free(&t);
                return fail(err, err_len, "line %d: <image> inside another <image>",
                            line_of(text, s));
            }
            if (t.n >= EVAL_MAX_TRUTH_IMAGES) {
                eval_truth_free(&t);
                return fail(err, err_len, "line %d: more than %d images", line_of(text, s),
                            EVAL_MAX_TRUTH_IMAGES);
            }
            if (t.n == cap_img) {
                int nc = cap_img ? cap_img * 2 : 16;
                eval_truth_image *ni = realloc(t.images, sizeof *ni * (size_t)nc);
                if (!ni) {
                    eval_truth_free(&t);
                    return fail(err, err_len, "out of memory");
                }
                t.images = ni;
                cap_img = nc;
            }
            eval_truth_image *im = &t.images[t.n];
            memset(im, 0, sizeof *im);
            char *file;
            if (tag_attr(text, s, e, "file", &file, err, err_len) != 0) {
                eval_truth_free(&t);
                return -1;
            }
            if (!file || !file[0]) {
                free(file);
                eval_truth_free(&t);
                return fail(err, err_len, "line %d: <image> without a file attribute",
                            line_of(text, s));
            }
            im->file = file;
            t.n++;
            cap_box = 0;
            in_image = text[e - 1] != '/';
        } else if (tag_is(text, s, e, "/image")) {
            if (!in_image) {
                eval_truth_free(&t);
                return fail(err, err_len, "line %d: </image> without <image>", line_of(text, s));
            }
            in_image = 0;
        } else if (tag_is(text, s, e, "box")) {
            if (!in_image) {
                eval_truth_free(&t);
                return fail(err, err_len, "line %d: <box> outside an <image>", line_of(text, s));
            }
            eval_truth_image *im = &t.images[t.n - 1];
            eval_box bx = {0, 0, 0, 0, 0};
            if (int_attr(text, s, e, "top", -1000000, 1000000, &bx.y, err, err_len) != 0 ||
                int_attr(text, s, e, "left", -1000000, 1000000, &bx.x, err, err_len) != 0 ||
                int_attr(text, s, e, "width", 1, 1000000, &bx.w, err, err_len) != 0 ||
                int_attr(text, s, e, "height", 1, 1000000, &bx.h, err, err_len) != 0) {
                eval_truth_free(&t);
                return -1;
            }
            char *ign;
            if (tag_attr(text, s, e, "ignore", &ign, err, err_len) != 0) {
                eval_truth_free(&t);
                return -1;
            }
            if (ign) {
                bx.ignore = strcmp(ign, "0") != 0;
                if (strcmp(ign, "0") != 0 && strcmp(ign, "1") != 0) {
                    fail(err, err_len, "line %d: box ignore='%.20s': want 0 or 1",
                         line_of(text, s), ign);
                    free(ign);
                    eval_truth_free(&t);
                    return -1;
                }
                free(ign);
            }
            if (++total_boxes > EVAL_MAX_TRUTH_BOXES) {
                eval_truth_free(&t);
                return fail(err, err_len, "line %d: more than %d boxes", line_of(text, s),
                            EVAL_MAX_TRUTH_BOXES);
            }
            if (im->n_boxes == cap_box) {
                int nc = cap_box ? cap_box * 2 : 8;
                eval_box *nb = realloc(im->boxes, sizeof *nb * (size_t)nc);
                if (!nb) {
                    eval_truth_free(&t);
                    return fail(err, err_len, "out of memory");
                }
                im->boxes = nb;
                cap_box = nc;
            }
            im->boxes[im->n_boxes++] = bx;
        }
    }
    if (in_image) {
        eval_truth_free(&t);
        return fail(err, err_len, "line %d: the file ends inside <image>", line_of(text, len));
    }
    if (t.n == 0) return fail(err, err_len, "no <image> elements");
    *out = t;
    return 0;
}

int eval_truth_load(const char *path, eval_truth *out, char *err, size_t err_len)
{
    char *text;
    size_t len;
    if (read_file(path, &text, &len, err, err_len) != 0) return -1;
    int rc = eval_truth_parse(text, len, out, err, err_len);
    free(text);
    return rc;
}

double eval_iou(const eval_box *a, const eval_box *b)
{
    double x0 = fmax(a->x, b->x), y0 = fmax(a->y, b->y);
    double x1 = fmin((double)a->x + a->w, (double)b->x + b->w);
    double y1 = fmin((double)a->y + a->h, (double)b->y + b->h);
    if (x1 <= x0 || y1 <= y0) return 0;
    double inter = (x1 - x0) * (y1 - y0);
    double uni = (double)a->w * a->h + (double)b->w * b->h - inter;
    return uni > 0 ? inter / uni : 0;
}

typedef struct cand {
    double iou;
    int t, d;
} cand;

static int by_iou_desc(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->iou != y->iou) return x->iou > y->iou ? -1 : 1;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->d < y->d ? -1 : x->d > y->d ? 1 : 0;
}

int eval_match_boxes(const eval_box *truth, int n_truth, const eval_box *det, int n_det,
                     double min_iou, int *matched_truth, eval_det_counts *c, char *err,
                     size_t err_len)
{
    memset(c, 0, sizeof *c);
    if (n_truth < 0 || n_det < 0) return fail(err, err_len, "negative box count");
    size_t nc = (size_t)n_truth * (size_t)n_det;
    cand *v = malloc(sizeof *v * (nc ? nc : 1));
    int *tused = calloc((size_t)n_truth + 1, sizeof *tused);
    int *dused = calloc((size_t)n_det + 1, sizeof *dused);
    if (!v || !tused || !dused) {
        free(v);
        free(tused);
        free(dused);
        return fail(err, err_len, "out of memory");
    }
    size_t k = 0;
    for (int t = 0; t < n_truth; t++)
        for (int d = 0; d < n_det; d++) {
            double iou = eval_iou(&truth[t], &det[d]);
            if (iou >= min_iou) v[k++] = (cand){iou, t, d};
        }
    qsort(v, k, sizeof *v, by_iou_desc);
    for (int t = 0; t < n_truth; t++)
        if (matched_truth) matched_truth[t] = -1;
    for (size_t i = 0; i < k; i++) {
        if (tused[v[i].t] || dused[v[i].d]) continue;
        tused[v[i].t] = dused[v[i].d] = 1;
        if (matched_truth) matched_truth[v[i].t] = v[i].d;
        if (truth[v[i].t].ignore)
            c->ignored++;
        else
            c->hits++;
    }
    for (int t = 0; t < n_truth; t++)
        if (!tused[t] && !truth[t].ignore) c->misses++;
    for (int d = 0; d < n_det; d++)
        if (!dused[d]) c->false_alarms++;
    free(v);
    free(tused);
    free(dused);
    return 0;
}
