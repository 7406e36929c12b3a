/*
 * cascade_xml.c - a small XML reader made for OpenCV's cascade files, and
 * the mapping from their elements to a face_cascade_def.
 *
 * The reader builds a tree of elements (name, line, content range) and
 * ignores attributes, comments, processing instructions and DOCTYPEs. It
 * knows nothing of entities or CDATA: cascade files have neither, and a
 * number list containing one fails as a bad number, with its line. Depth and
 * element count are capped, so hostile input costs bounded memory and time.
 *
 * What is read (OpenCV's CascadeClassifierImpl::Data::read and
 * HaarEvaluator::read define the meaning):
 *   <cascade> stageType BOOST, featureType HAAR, width, height,
 *     featureParams/maxCatCount 0,
 *     stages/_: stageThreshold, weakClassifiers/_: internalNodes (groups of
 *       4: left right feature threshold), leafValues,
 *     features/_: rects/_ ("x y w h weight", 2 or 3 of them), tilted (0/1,
 *       absent means 0).
 * Numbers are read as C doubles (strtod: correctly rounded) and narrowed to
 * float, as OpenCV's FileStorage does, so thresholds match OpenCV's bit for bit.
 */
#include "tools/cascade_xml.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct xnode {
    size_t name, name_len;      /* element name in the document */
    size_t content, content_end; /* between the start tag's '>' and the end tag's '<' */
    int line;                    /* of the start tag, from 1 */
    int parent, first_child, last_child, next; /* indices, -1: none */
} xnode;

typedef struct xdoc {
    const char *s;
    size_t len;
    xnode *nodes; /* [n] in document order */
    int n, cap;
} xdoc;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static face_status fail(face_err *err, face_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

static int starts(const xdoc *d, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i + n <= d->len && memcmp(d->s + i, lit, n) == 0;
}

/* Index just past the next occurrence of lit at or after i, or len + 1 if none. */
static size_t skip_past(const xdoc *d, size_t i, const char *lit, int *line)
{
    size_t n = strlen(lit);
    for (; i + n <= d->len; i++) {
        if (memcmp(d->s + i, lit, n) == 0) return i + n;
        if (d->s[i] == '\n') (*line)++;
    }
    return d->len + 1;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

static face_status add_node(xdoc *d, int parent, size_t name, size_t name_len, int line, int *idx,
                            face_err *err)
{
    if (d->n == d->cap) {
        /* Each element needs at least 4 bytes ("<a/>"), so this bounds growth by the input. */
        if ((size_t)d->cap >= d->len / 4 + 16 || d->cap > INT_MAX / 2)
            return fail(err, FACE_EFORMAT, "cascade XML: line %d: too many elements", line);
        int ncap = d->cap ? d->cap * 2 : 1024;
        xnode *nn = realloc(d->nodes, (size_t)ncap * sizeof *nn);
        if (!nn) return fail(err, FACE_ENOMEM, "cascade XML: out of memory");
        d->nodes = nn;
        d->cap = ncap;
    }
    xnode *x = &d->nodes[d->n];
    x->name = name;
    x->name_len = name_len;
    x->content = x->content_end = 0;
    x->line = line;
    x->parent = parent;
    x->first_child = x->last_child = x->next = -1;
    if (parent >= 0) {
        xnode *p = &d->nodes[parent];
        if (p->last_child >= 0)
            d->nodes[p->last_child].next = d->n;
        else
            p->first_child = d->n;
        p->last_child = d->n;
    }
    *idx = d->n++;
    return FACE_OK;
}

static face_status parse_doc(xdoc *d, face_err *err)
{
    int stack[MAX_DEPTH];
    int depth = 0, line = 1;
    size_t i = 0;
    while (i < d->len) {
        char c = d->s[i];
        if (c == '\n') line++;
        if (c != '<') {
            i++;
            continue;
        }
        int at = line;
        if (starts(d, i, "<!--")) {
            i = skip_past(d, i + 4, "-->", &line);
            if (i > d->len) return fail(err, FACE_EFORMAT, "cascade XML: line %d: comment never ends", at);
            continue;
        }
        if (starts(d, i, "<?")) {
            i = skip_past(d, i + 2, "?>", &line);
            if (i > d->len) return fail(err, FACE_EFORMAT, "cascade XML: line %d: '<?' never ends", at);
            continue;
        }
        if (starts(d, i, "<!")) {
            i = skip_past(d, i + 2, ">", &line);
            if (i > d->len) return fail(err, FACE_EFORMAT, "cascade XML: line %d: '<!' never ends", at);
            continue;
        }
        int closing = i + 1 < d->len && d->s[i + 1] == '/';
        size_t name = i + 1 + (size_t)closing, e = name;
        while (e < d->len && is_name_char(d->s[e])) e++;
        if (e == name) return fail(err, FACE_EFORMAT, "cascade XML: line %d: '<' not followed by a name", at);
        /* Find the end of the tag, skipping attribute values in quotes. */
        size_t j = e;
        char quote = 0;
        for (; j < d->len; j++) {
            char q = d->s[j];
            if (q == '\n') line++;
            if (quote) {
                if (q == quote) quote = 0;
            } else if (q == '"' || q == '\'') {
                quote = q;
            } else if (q == '>') {
                break;
            }
        }
        if (j >= d->len)
            return fail(err, FACE_EFORMAT, "cascade XML: line %d: tag <%.*s never ends (truncated file?)", at,
                        (int)(e - name), d->s + name);
        int self_closing = j > e && d->s[j - 1] == '/';
        if (closing) {
            if (depth == 0)
                return fail(err, FACE_EFORMAT, "cascade XML: line %d: </%.*s> closes nothing", at,
                            (int)(e - name), d->s + name);
            xnode *open = &d->nodes[stack[depth - 1]];
            if (open->name_len != e - name || memcmp(d->s + open->name, d->s + name, e - name) != 0)
                return fail(err, FACE_EFORMAT, "cascade XML: line %d: </%.*s> closes <%.*s> of line %d", at,
                            (int)(e - name), d->s + name, (int)open->name_len, d->s + open->name,
                            open->line);
            open->content_end = i;
            depth--;
        } else {
            int idx = -1;
            face_status st = add_node(d, depth ? stack[depth - 1] : -1, name, e - name, at, &idx, err);
            if (st != FACE_OK) return st;
            d->nodes[idx].content = d->nodes[idx].content_end = j + 1;
            if (!self_closing) {
                if (depth == MAX_DEPTH)
                    return fail(err, FACE_EFORMAT, "cascade XML: line %d: elements nested deeper than %d", at,
                                MAX_DEPTH);
                stack[depth++] = idx;
            }
        }
        i = j + 1;
    }
    if (depth)
        return fail(err, FACE_EFORMAT, "cascade XML: <%.*s> of line %d is never closed (truncated file?)",
                    (int)d->nodes[stack[depth - 1]].name_len, d->s + d->nodes[stack[depth - 1]].name,
                    d->nodes[stack[depth - 1]].line);
    if (d->n == 0) return fail(err, FACE_EFORMAT, "cascade XML: no element at all");
    return FACE_OK;
}

static int name_is(const xdoc *d, int n, const char *name)
{
    size_t l = strlen(name);
    return d->nodes[n].name_len == l && memcmp(d->s + d->nodes[n].name, name, l) == 0;
}

static int child(const xdoc *d, int n, const char *name)
{
    for (int c = d->nodes[n].first_child; c >= 0; c = d->nodes[c].next)
        if (name_is(d, c, name)) return c;
    return -1;
}

static int count_children(const xdoc *d, int n)
{
    int k = 0;
    for (int c = d->nodes[n].first_child; c >= 0; c = d->nodes[c].next) k++;
    return k;
}

/* A cursor over the whitespace-separated tokens of an element's content
 * (comments skipped). */
typedef struct tokens {
    const xdoc *d;
    size_t i, end;
    int node;
} tokens;

static tokens tokens_of(const xdoc *d, int n)
{
    tokens t = {d, d->nodes[n].content, d->nodes[n].content_end, n};
    return t;
}

/* Next token into buf (NUL-terminated); 0 at the end, -1 if too long or a child element is in the way. */
static int next_token(tokens *t, char *buf, size_t cap)
{
    const char *s = t->d->s;
    for (;;) {
        while (t->i < t->end && (s[t->i] == ' ' || s[t->i] == '\t' || s[t->i] == '\n' || s[t->i] == '\r'))
            t->i++;
        if (t->i + 4 <= t->end && memcmp(s + t->i, "<!--", 4) == 0) {
            int dummy = 0;
            size_t k = skip_past(t->d, t->i + 4, "-->", &dummy);
            t->i = k > t->end ? t->end : k;
            continue;
        }
        break;
    }
    if (t->i >= t->end) return 0;
    size_t b = t->i;
    while (t->i < t->end && s[t->i] != ' ' && s[t->i] != '\t' && s[t->i] != '\n' && s[t->i] != '\r' &&
           s[t->i] != '<')
        t->i++;
    if (t->i == b) return -1; /* a '<' that is not a comment: an element inside a number list */
    if (t->i - b >= cap) return -1;
    memcpy(buf, s + b, t->i - b);
    buf[t->i - b] = 0;
    return 1;
}

static face_status bad(const xdoc *d, int n, face_err *err, const char *what)
{
    return fail(err, FACE_EFORMAT, "cascade XML: line %d: <%.*s>: %s", d->nodes[n].line,
                (int)d->nodes[n].name_len, d->s + d->nodes[n].name, what);
}

static int parse_int(const char *tok, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(tok, &end, 10);
    if (end == tok || *end || errno || v < INT_MIN || v > INT_MAX) return 0;
    *out = (int)v;
    return 1;
}

static int parse_real(const char *tok, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(tok, &end);
    if (end == tok || *end || errno == ERANGE) return 0;
    *out = v;
    return 1;
}

/* The element's content as exactly one int. */
static face_status one_int(const xdoc *d, int n, int *out, face_err *err)
{
    char buf[64];
    tokens t = tokens_of(d, n);
    if (next_token(&t, buf, sizeof buf) != 1 || !parse_int(buf, out)) return bad(d, n, err, "expected an integer");
    if (next_token(&t, buf, sizeof buf) != 0) return bad(d, n, err, "expected one integer, found more");
    return FACE_OK;
}

static face_status one_real(const xdoc *d, int n, double *out, face_err *err)
{
    char buf[64];
    tokens t = tokens_of(d, n);
    if (next_token(&t, buf, sizeof buf) != 1 || !parse_real(buf, out)) return bad(d, n, err, "expected a number");
    if (next_token(&t, buf, sizeof buf) != 0) return bad(d, n, err, "expected one number, found more");
    return FACE_OK;
}

static face_status one_word(const xdoc *d, int n, char *buf, size_t cap, face_err *err)
{
    tokens t = tokens_of(d, n);
    if (next_token(&t, buf, cap) != 1) return bad(d, n, err, "expected a word");
    char extra[8];
    if (next_token(&t, extra, sizeof extra) != 0) return bad(d, n, err, "expected one word, found more");
    return FACE_OK;
}

static face_status need_child(const xdoc *d, int n, const char *name, int *out, face_err *err)
{
    *out = child(d, n, name);
    if (*out < 0)
        return fail(err, FACE_EFORMAT, "cascade XML: line %d: <%.*s> has no <%s>", d->nodes[n].line,
                    (int)d->nodes[n].name_len, d->s + d->nodes[n].name, name);
    return FACE_OK;
}

/* Float from a double the way C++'s (float) cast does: round to nearest.
 * Values beyond float's range are an error rather than infinity. */
static int narrow(double v, float *out)
{
    if (v > 3.4028234663852886e38 || v < -3.4028234663852886e38) return 0;
    *out = (float)v;
    return 1;
}

/* Grow-on-demand arrays for the def while reading. */
static int reserve(void **p, int *cap, int need, size_t elem)
{
    if (need <= *cap) return 1;
    int ncap = *cap ? *cap : 64;
    while (ncap < need) {
        if (ncap > INT_MAX / 2) return 0;
        ncap *= 2;
    }
    void *np = realloc(*p, (size_t)ncap * elem);
    if (!np) return 0;
    *p = np;
    *cap = ncap;
    return 1;
}

static face_status read_stages(const xdoc *d, int stages_node, face_cascade_def *def, face_err *err)
{
    int n_stages = count_children(d, stages_node);
    if (n_stages < 1) return bad(d, stages_node, err, "no stages");
    def->stages = calloc((size_t)n_stages, sizeof *def->stages);
    if (!def->stages) return fail(err, FACE_ENOMEM, "cascade XML: out of memory");
    def->n_stages = n_stages;
    int cap_trees = 0, cap_nodes = 0, cap_leaves = 0, n_leaves = 0;
    char buf[64];
    int si = 0;
    for (int s = d->nodes[stages_node].first_child; s >= 0; s = d->nodes[s].next, si++) {
        int thr_node, weak_node;
        face_status st = need_child(d, s, "stageThreshold", &thr_node, err);
        if (st == FACE_OK) st = need_child(d, s, "weakClassifiers", &weak_node, err);
        if (st != FACE_OK) return st;
        double thr = 0.0;
        if ((st = one_real(d, thr_node, &thr, err)) != FACE_OK) return st;
        if (!narrow(thr, &def->stages[si].threshold)) return bad(d, thr_node, err, "out of float range");
        int nt = 0;
        for (int w = d->nodes[weak_node].first_child; w >= 0; w = d->nodes[w].next, nt++) {
            int in_node, leaf_node;
            if ((st = need_child(d, w, "internalNodes", &in_node, err)) != FACE_OK) return st;
            if ((st = need_child(d, w, "leafValues", &leaf_node, err)) != FACE_OK) return st;
            if (!reserve((void **)&def->tree_nodes, &cap_trees, def->n_trees + 1, sizeof *def->tree_nodes))
                return fail(err, FACE_ENOMEM, "cascade XML: out of memory");
            /* internalNodes: groups of 4 numbers. */
            tokens t = tokens_of(d, in_node);
            int k = 0, r, nodes_here = 0;
            face_cascade_node node = {0, 0, 0, 0.0f};
            while ((r = next_token(&t, buf, sizeof buf)) == 1) {
                int ok;
                double v;
                switch (k) {
                case 0: ok = parse_int(buf, &node.left); break;
                case 1: ok = parse_int(buf, &node.right); break;
                case 2: ok = parse_int(buf, &node.feature); break;
                default: ok = parse_real(buf, &v) && narrow(v, &node.threshold); break;
                }
                if (!ok) {
                    char msg[128];
                    snprintf(msg, sizeof msg, "'%s' is not a valid %s (node %d, item %d)", buf,
                             k < 3 ? "integer" : "number", nodes_here, k);
                    return bad(d, in_node, err, msg);
                }
                if (++k == 4) {
                    if (!reserve((void **)&def->nodes, &cap_nodes, def->n_nodes + 1, sizeof *def->nodes))
                        return fail(err, FACE_ENOMEM, "cascade XML: out of memory");
                    def->nodes[def->n_nodes++] = node;
                    nodes_here++;
                    k = 0;
                }
            }
            if (r < 0) return bad(d, in_node, err, "a token is too long or an element is inside");
            if (k != 0 || nodes_here == 0)
                return bad(d, in_node, err, "needs groups of 4 numbers (left right feature threshold)");
            def->tree_nodes[def->n_trees++] = nodes_here;
            /* leafValues: exactly nodes + 1 numbers. */
            t = tokens_of(d, leaf_node);
            int leaves_here = 0;
            while ((r = next_token(&t, buf, sizeof buf)) == 1) {
                double v;
                float f;
                if (!parse_real(buf, &v) || !narrow(v, &f)) {
                    char msg[128];
                    snprintf(msg, sizeof msg, "'%s' is not a valid number", buf);
                    return bad(d, leaf_node, err, msg);
                }
                if (!reserve((void **)&def->leaves, &cap_leaves, n_leaves + 1, sizeof *def->leaves))
                    return fail(err, FACE_ENOMEM, "cascade XML: out of memory");
                def->leaves[n_leaves++] = f;
                leaves_here++;
            }
            if (r < 0) return bad(d, leaf_node, err, "a token is too long or an element is inside");
            if (leaves_here != nodes_here + 1) {
                char msg[128];
                snprintf(msg, sizeof msg, "%d leaf values for %d nodes (a tree needs nodes + 1)", leaves_here,
                         nodes_here);
                return bad(d, leaf_node, err, msg);
            }
        }
        if (nt == 0) return bad(d, weak_node, err, "no weak classifiers");
        def->stages[si].n_trees = nt;
    }
    return FACE_OK;
}

static face_status read_features(const xdoc *d, int feats_node, face_cascade_def *def, face_err *err)
{
    int n = count_children(d, feats_node);
    if (n < 1) return bad(d, feats_node, err, "no features");
    def->features = calloc((size_t)n, sizeof *def->features);
    if (!def->features) return fail(err, FACE_ENOMEM, "cascade XML: out of memory");
    def->n_features = n;
    char buf[64];
    int fi = 0;
    for (int f = d->nodes[feats_node].first_child; f >= 0; f = d->nodes[f].next, fi++) {
        face_haar_feature *ft = &def->features[fi];
        int rects;
        face_status st = need_child(d, f, "rects", &rects, err);
        if (st != FACE_OK) return st;
        int ri = 0;
        for (int r = d->nodes[rects].first_child; r >= 0; r = d->nodes[r].next, ri++) {
            if (ri == 3) return bad(d, rects, err, "more than 3 rectangles");
            tokens t = tokens_of(d, r);
            int v[4];
            double wgt;
            int ok = 1;
            for (int k = 0; k < 4 && ok; k++) ok = next_token(&t, buf, sizeof buf) == 1 && parse_int(buf, &v[k]);
            ok = ok && next_token(&t, buf, sizeof buf) == 1 && parse_real(buf, &wgt) &&
                 narrow(wgt, &ft->rect[ri].weight);
            ok = ok && next_token(&t, buf, sizeof buf) == 0;
            if (!ok) return bad(d, r, err, "a rectangle is \"x y w h weight\" (4 integers and a number)");
            ft->rect[ri].x = v[0];
            ft->rect[ri].y = v[1];
            ft->rect[ri].w = v[2];
            ft->rect[ri].h = v[3];
        }
        if (ri < 2) return bad(d, rects, err, "fewer than 2 rectangles");
        int tilted_node = child(d, f, "tilted");
        ft->tilted = 0;
        if (tilted_node >= 0) {
            int tv;
            if ((st = one_int(d, tilted_node, &tv, err)) != FACE_OK) return st;
            ft->tilted = tv != 0; /* OpenCV: (int)node["tilted"] != 0 */
        }
    }
    return FACE_OK;
}

static face_status read_cascade(const xdoc *d, int root, face_cascade_def *def, face_err *err)
{
    char word[32];
    int n;
    face_status st;
    if (child(d, root, "stageType") < 0) {
        if (child(d, root, "size") >= 0 && child(d, root, "stages") >= 0)
            return fail(err, FACE_EUNSUPPORTED,
                        "cascade XML: line %d: <%.*s> is an old-format (opencv-haar-classifier) cascade; "
                        "only the opencv_traincascade format is supported",
                        d->nodes[root].line, (int)d->nodes[root].name_len, d->s + d->nodes[root].name);
        return need_child(d, root, "stageType", &n, err);
    }
    if ((st = need_child(d, root, "stageType", &n, err)) != FACE_OK) return st;
    if ((st = one_word(d, n, word, sizeof word, err)) != FACE_OK) return st;
    if (strcmp(word, "BOOST") != 0) return bad(d, n, err, "only BOOST is known");
    if ((st = need_child(d, root, "featureType", &n, err)) != FACE_OK) return st;
    if ((st = one_word(d, n, word, sizeof word, err)) != FACE_OK) return st;
    if (strcmp(word, "HAAR") != 0)
        return fail(err, FACE_EUNSUPPORTED, "cascade XML: line %d: featureType %s: only HAAR is supported",
                    d->nodes[n].line, word);
    if ((st = need_child(d, root, "width", &n, err)) != FACE_OK) return st;
    if ((st = one_int(d, n, &def->win_w, err)) != FACE_OK) return st;
    if ((st = need_child(d, root, "height", &n, err)) != FACE_OK) return st;
    if ((st = one_int(d, n, &def->win_h, err)) != FACE_OK) return st;
    int fp;
    if ((st = need_child(d, root, "featureParams", &fp, err)) != FACE_OK) return st;
    int mc = child(d, fp, "maxCatCount");
    if (mc >= 0) {
        int cats;
        if ((st = one_int(d, mc, &cats, err)) != FACE_OK) return st;
        if (cats != 0) return bad(d, mc, err, "categorical (LBP-style) nodes are not supported for HAAR");
    }
    int stages, feats;
    if ((st = need_child(d, root, "stages", &stages, err)) != FACE_OK) return st;
    if ((st = read_stages(d, stages, def, err)) != FACE_OK) return st;
    if ((st = need_child(d, root, "features", &feats, err)) != FACE_OK) return st;
    return read_features(d, feats, def, err);
}

face_status tools_cascade_xml_parse(const char *xml, size_t len, face_cascade_def *def, face_err *err)
{
    if (!def || (!xml && len)) return fail(err, FACE_EINVAL, "tools_cascade_xml_parse: NULL argument");
    memset(def, 0, sizeof *def);
    if (len > TOOLS_CASCADE_XML_MAX_BYTES)
        return fail(err, FACE_ELIMIT, "cascade XML: %zu bytes, over the cap of %zu", len,
                    TOOLS_CASCADE_XML_MAX_BYTES);
    xdoc d = {xml, len, NULL, 0, 0};
    face_status st = parse_doc(&d, err);
    if (st == FACE_OK) {
        /* OpenCV reads the first element inside <opencv_storage>. */
        int top = 0;
        if (name_is(&d, 0, "opencv_storage")) top = d.nodes[0].first_child;
        if (top < 0)
            st = fail(err, FACE_EFORMAT, "cascade XML: <opencv_storage> is empty");
        else
            st = read_cascade(&d, top, def, err);
    }
    free(d.nodes);
    if (st != FACE_OK) face_cascade_def_free(def);
    return st;
}

static face_status read_file(const char *path, char **out, size_t *out_len, face_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, FACE_EIO, "cannot open: %s", strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    face_status st = FACE_OK;
    for (;;) {
        if (len == cap) {
            if (cap > TOOLS_CASCADE_XML_MAX_BYTES) {
                st = fail(err, FACE_ELIMIT, "file is over %zu bytes", TOOLS_CASCADE_XML_MAX_BYTES);
                break;
            }
            size_t ncap = cap ? cap * 2 : 1 << 16;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                st = fail(err, FACE_ENOMEM, "out of memory reading the file");
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) st = fail(err, FACE_EIO, "read error");
            break;
        }
    }
    fclose(f);
    if (st != FACE_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = len;
    return FACE_OK;
}

face_status tools_cascade_xml_load(const char *path, face_cascade_def *def, face_err *err)
{
    char *buf;
    size_t len;
    face_status st = read_file(path, &buf, &len, err);
    if (st != FACE_OK) return st;
    st = tools_cascade_xml_parse(buf, len, def, err);
    free(buf);
    return st;
}

face_status tools_cascade_load_any(const char *path, face_cascade **out, face_err *err)
{
    char *buf;
    size_t len;
    face_status st = read_file(path, &buf, &len, err);
    if (st != FACE_OK) return st;
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')) i++;
    if (i + 3 <= len && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        i += 3; /* UTF-8 byte order mark */
    if (i < len && buf[i] == '<') {
        face_cascade_def def;
        st = tools_cascade_xml_parse(buf, len, &def, err);
        if (st == FACE_OK) {
            st = face_cascade_from_def(&def, out, err);
            face_cascade_def_free(&def);
        }
    } else {
        st = face_cascade_decode((const uint8_t *)buf, len, out, err);
    }
    free(buf);
    return st;
}
