/*
 * eval.h - the arithmetic of `facenet-run eval`, apart from any model so
 * that tests can check it exactly: LFW pairs files, best-threshold
 * accuracy with cross-validation, ROC, TAR at a FAR, EER, the ROC as SVG,
 * and dlib imglab XML boxes with precision/recall at an IoU.
 *
 * Nothing here prints. Fallible functions return 0, or -1 with a one-line
 * reason in the caller's buffer ("line 7: ...": the caller adds the file).
 *
 * Decision rule everywhere: a pair is called "same person" when its
 * distance is STRICTLY below the threshold (as face_match_decide).
 *
 * Threshold search (eval_best_threshold): the candidates are every midpoint
 * between two consecutive DISTINCT sorted distances, plus min - 1 (all
 * pairs "different") and max + 1 (all "same"). Equal distances are never
 * split, so ties cannot make the result depend on the input order. The
 * candidate with the highest accuracy wins; among equally accurate ones the
 * SMALLEST threshold (fewest false accepts) wins.
 */
#ifndef TOOLS_EVAL_H
#define TOOLS_EVAL_H

#include <stddef.h>

/* ==== LFW pairs files ====================================================== */

/*
 * The official format (LFW README, "View 1" and "View 2"):
 *   header:  "N"        one set: N same-person pairs, then N different pairs
 *            "S N"      S sets (folds), each N same then N different
 *   same:    NAME <ws> I <ws> J          image NAME/NAME_%04d.jpg, I and J
 *   diff:    NAME1 <ws> I <ws> NAME2 <ws> J
 * Fields are separated by tabs or spaces; "\r\n" line ends are accepted;
 * blank lines are allowed only after the last pair. Names may not contain
 * '/' or be "." or ".." (they become path components).
 */
#define EVAL_MAX_PAIRS 10000000u /* S * N * 2 cap, checked before allocating */
#define EVAL_MAX_NAME 255        /* bytes of a person's name */
#define EVAL_MAX_IMAGE_NUM 9999  /* NAME_%04d.jpg */

typedef struct eval_pair {
    char *name_a, *name_b; /* malloc'd; equal strings for a same pair */
    int num_a, num_b;      /* 1..EVAL_MAX_IMAGE_NUM */
    int same;              /* 1: same-person pair */
    int fold;              /* 0..n_folds-1: the set the pair is in */
    int line;              /* 1-based line in the file */
} eval_pair;

typedef struct eval_pairs {
    eval_pair *pairs; /* [n] in file order */
    size_t n;
    int n_folds;      /* S (1 for a View 1 file) */
    int per_fold;     /* N: same pairs per fold (as many different ones) */
} eval_pairs;

int eval_pairs_parse(const char *text, size_t len, eval_pairs *out, char *err, size_t err_len);
/* The file: too-large files (> 256 MB) are refused; err has no path. */
int eval_pairs_load(const char *path, eval_pairs *out, char *err, size_t err_len);
void eval_pairs_free(eval_pairs *p);

/* ==== thresholds, accuracy, ROC ============================================ */

/* Pairs to score: dist[i] and same[i] (1/0), for i where use == NULL or
 * use[i] != 0. */
typedef struct eval_set {
    const double *dist; /* [n] */
    const int *same;    /* [n] */
    const int *use;     /* [n] or NULL: which pairs belong to the set */
    size_t n;
} eval_set;

/* Fraction of the set's pairs decided right at threshold t (0 for an empty set). */
double eval_accuracy(const eval_set *s, double t);

/* The best threshold over the candidates described at the top; *acc its
 * accuracy on the set. -1 for an empty set or a non-finite distance. */
int eval_best_threshold(const eval_set *s, double *threshold, double *acc, char *err,
                        size_t err_len);

/* K-fold cross-validation: for each fold k, the threshold is chosen on the
 * pairs of the other folds and the accuracy measured on fold k. */
#define EVAL_MAX_FOLDS 100
typedef struct eval_cv {
    int k;
    double threshold[EVAL_MAX_FOLDS]; /* [k] */
    double accuracy[EVAL_MAX_FOLDS];  /* [k] */
    double mean, std;                 /* std with the k-1 denominator (LFW README's sigma) */
    double sem;                       /* standard error of the mean: std / sqrt(k) */
    double mean_threshold;
} eval_cv;

/* fold: [n] 0..k-1. Every fold must have at least one pair, k 2..EVAL_MAX_FOLDS. */
int eval_cross_validate(const double *dist, const int *same, const int *fold, size_t n, int k,
                        eval_cv *out, char *err, size_t err_len);

/* One ROC point: among pairs of the set, the fraction of different pairs
 * accepted (FAR) and of same pairs accepted (TAR) at threshold t. */
typedef struct eval_roc_point {
    double threshold, far, tar;
} eval_roc_point;

/* The ROC at every candidate threshold (ascending), *n_out points
 * (*pts malloc'd). The set needs at least one same and one different pair. */
int eval_roc(const eval_set *s, eval_roc_point **pts, size_t *n_out, char *err, size_t err_len);

/* The highest TAR among ROC points with FAR <= far_max (0 if none). With D
 * different pairs FAR moves in steps of 1/D, so FAR <= 1e-3 means no false
 * accept at all when D < 1000. *threshold (may be NULL) gets that point's. */
double eval_tar_at_far(const eval_roc_point *pts, size_t n, double far_max, double *threshold);

/* Equal error rate: the first ROC point (ascending thresholds) where FAR >=
 * FRR (= 1 - TAR), linearly interpolated with the point before it: on the
 * segment from (FAR0, FRR0) to (FAR1, FRR1) the place where the two are
 * equal. */
double eval_eer(const eval_roc_point *pts, size_t n);

/* ==== ROC as SVG =========================================================== */

typedef struct eval_plot {
    const char *title;
    const eval_roc_point *pts; /* [n] ascending thresholds */
    size_t n;
    size_t n_diff;             /* different pairs: sets the FAR axis' left end */
    int has_op;                /* 1: mark the operating point */
    double op_far, op_tar, op_threshold;
} eval_plot;

/* The SVG document (*out malloc'd, NUL-terminated): a 640x480 picture, FAR
 * on a log axis with decade ticks from 10^floor(log10(1/n_diff)) to 1 (FAR
 * 0 is drawn at the left edge), TAR on a linear axis from 0 (or a lower
 * 0.1 step that the curve stays above at the axis' left end) to 1. */
int eval_plot_svg(const eval_plot *p, char **out, char *err, size_t err_len);

/* ==== detection truth (dlib imglab XML) ==================================== */

/*
 * What is read: every <image file='...'> element and the <box top='' left=''
 * width='' height='' [ignore='1']/> elements inside it (either quote; other
 * attributes and elements such as <part> are skipped). Boxes with
 * ignore='1' are "don't care": a detection matching one is neither a hit
 * nor a false alarm, and missing it is no miss.
 */
#define EVAL_MAX_TRUTH_IMAGES 1000000
#define EVAL_MAX_TRUTH_BOXES 10000000

typedef struct eval_box {
    int x, y, w, h;
    int ignore;
} eval_box;

typedef struct eval_truth_image {
    char *file;      /* as in the XML, entities &amp; &apos; &quot; &lt; &gt; decoded */
    eval_box *boxes; /* [n_boxes] */
    int n_boxes;
} eval_truth_image;

typedef struct eval_truth {
    eval_truth_image *images; /* [n] */
    int n;
} eval_truth;

int eval_truth_parse(const char *text, size_t len, eval_truth *out, char *err, size_t err_len);
int eval_truth_load(const char *path, eval_truth *out, char *err, size_t err_len);
void eval_truth_free(eval_truth *t);

double eval_iou(const eval_box *a, const eval_box *b);

/* Greedy matching of one image's detections to its truth: pairs by
 * descending IoU (ties: lower truth index, then lower detection index),
 * each box used once, IoU >= min_iou. matched_truth[i] (may be NULL, [n_truth])
 * gets the detection index or -1. Counts only non-ignored truth. */
typedef struct eval_det_counts {
    int hits;         /* detections matched to a counted truth box */
    int false_alarms; /* detections matched to nothing */
    int misses;       /* counted truth boxes with no detection */
    int ignored;      /* detections matched to an ignore box */
} eval_det_counts;

int eval_match_boxes(const eval_box *truth, int n_truth, const eval_box *det, int n_det,
                     double min_iou, int *matched_truth, eval_det_counts *c, char *err,
                     size_t err_len);

#endif
