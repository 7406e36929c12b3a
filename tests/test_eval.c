/*
 * test_eval.c - the arithmetic of `facenet-run eval` (tools/eval.c) on tiny
 * synthetic inputs whose answers are worked out by hand in the comments:
 * threshold choice (midpoints, ties, strict "<"), cross-validation folds,
 * accuracy, ROC, TAR at FAR, EER; every error of the pairs parser with its
 * line number; the imglab XML reader and the box matcher; the SVG writer.
 *
 * Distances are small integers, so every midpoint and accuracy below is
 * exact in binary floating point and compared with ==.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/eval.h"

/* ---- threshold choice ---------------------------------------------------- */

/*
 * same: 1 3 5, different: 4 6 8. Sorted: 1S 3S 4D 5S 6D 8D.
 * candidates and pairs decided right (of 6):
 *   0 (1-1): 3 | 2: 4 | 3.5: 5 | 4.5: 4 | 5.5: 5 | 7: 4 | 9 (8+1): 3
 * best 5/6 at 3.5 and 5.5: the tie goes to the smaller, 3.5.
 */
static const double D1[6] = {1, 3, 5, 4, 6, 8};
static const int S1[6] = {1, 1, 1, 0, 0, 0};

static void test_best_threshold(void **state)
{
    (void)state;
    eval_set s = {D1, S1, NULL, 6};
    double t, acc;
    char err[256];
    assert_int_equal(eval_best_threshold(&s, &t, &acc, err, sizeof err), 0);
    assert_true(t == 3.5);
    assert_true(acc == 5.0 / 6.0);
    /* the same at other thresholds, by the direct count */
    assert_true(eval_accuracy(&s, 5.5) == 5.0 / 6.0);
    assert_true(eval_accuracy(&s, 4.5) == 4.0 / 6.0);
    /* strict: at t == 3 the pair at 3 is "different" */
    assert_true(eval_accuracy(&s, 3.0) == 4.0 / 6.0);
    assert_true(eval_accuracy(&s, 0.0) == 0.5);
}

/*
 * Ties in distance are never split. same: 1 2, different: 2 3.
 * Sorted 1S {2S 2D} 3D. candidates: 0: 2/4 | 1.5: 3/4 | 2.5: 3/4 | 4: 2/4.
 * Best 3/4, smallest: 1.5, whatever the input order.
 */
static void test_threshold_ties(void **state)
{
    (void)state;
    const double d[2][4] = {{1, 2, 2, 3}, {3, 2, 2, 1}};
    const int same[2][4] = {{1, 1, 0, 0}, {0, 0, 1, 1}};
    char err[256];
    for (int k = 0; k < 2; k++) {
        eval_set s = {d[k], same[k], NULL, 4};
        double t, acc;
        assert_int_equal(eval_best_threshold(&s, &t, &acc, err, sizeof err), 0);
        assert_true(t == 1.5);
        assert_true(acc == 0.75);
    }
    /* a subset chosen by use[]: only the pairs at 2 (1 same, 1 different):
     * candidates 1: 1/2, 3: 1/2 -> 1 */
    const int use[4] = {0, 1, 1, 0};
    eval_set s = {d[0], same[0], use, 4};
    double t, acc;
    assert_int_equal(eval_best_threshold(&s, &t, &acc, err, sizeof err), 0);
    assert_true(t == 1.0);
    assert_true(acc == 0.5);
    /* errors: an empty set, a NaN */
    const int none[4] = {0, 0, 0, 0};
    eval_set e = {d[0], same[0], none, 4};
    assert_int_equal(eval_best_threshold(&e, &t, &acc, err, sizeof err), -1);
    assert_string_equal(err, "no pairs to choose a threshold on");
    const double nan_d[2] = {1, NAN};
    const int s2[2] = {1, 0};
    eval_set en = {nan_d, s2, NULL, 2};
    assert_int_equal(eval_best_threshold(&en, &t, &acc, err, sizeof err), -1);
    assert_string_equal(err, "pair 2: distance nan is not finite");
}

/*
 * Three folds of one same + one different pair:
 *   fold 0: S 1, D 5     fold 1: S 2, D 4     fold 2: S 6, D 3
 * fold 0 out: train 2S 3D 4D 6S: candidates 1: 2/4, 2.5: 3/4, 3.5: 2/4,
 *   5: 1/4, 7: 2/4 -> 2.5; fold 0 at 2.5: S1 yes, D5 no -> 1.0
 * fold 1 out: train 1S 3D 5D 6S: 0: 2/4, 2: 3/4, 4: 2/4, 5.5: 1/4, 7: 2/4
 *   -> 2; fold 1 at 2: S2 is not < 2 (wrong), D4 right -> 0.5
 * fold 2 out: train 1S 2S 4D 5D: 0: 2/4, 1.5: 3/4, 3: 4/4, 4.5: 3/4, 6: 2/4
 *   -> 3; fold 2 at 3: S6 wrong, D3 is not < 3 (right) -> 0.5
 * mean 2/3; std (k-1): sqrt(((1/3)^2 + 2 (1/6)^2) / 2) = sqrt(1/12);
 * mean threshold (2.5 + 2 + 3) / 3 = 2.5.
 *
 * The pairs come from a pairs file in the "S N" format, so the parser's
 * fold numbers are checked on the way.
 */
static const char CV_FILE[] = "3\t1\n"
                              "Ann\t1\t2\n"
                              "Bob\t1\tCid\t1\n"
                              "Dan 1 3\n"
                              "Eve 2 Fay 1\n"
                              "Gus\t2\t4\r\n"
                              "Hal\t1\tIda\t9999\r\n";

static void test_cross_validation(void **state)
{
    (void)state;
    eval_pairs p;
    char err[256];
    assert_int_equal(eval_pairs_parse(CV_FILE, strlen(CV_FILE), &p, err, sizeof err), 0);
    assert_int_equal(p.n, 6);
    assert_int_equal(p.n_folds, 3);
    assert_int_equal(p.per_fold, 1);
    const int want_fold[6] = {0, 0, 1, 1, 2, 2}, want_same[6] = {1, 0, 1, 0, 1, 0};
    const double dist_of[6] = {1, 5, 2, 4, 6, 3};
    double d[6];
    int same[6], fold[6];
    for (int i = 0; i < 6; i++) {
        assert_int_equal(p.pairs[i].fold, want_fold[i]);
        assert_int_equal(p.pairs[i].same, want_same[i]);
        assert_int_equal(p.pairs[i].line, i + 2);
        d[i] = dist_of[i];
        same[i] = p.pairs[i].same;
        fold[i] = p.pairs[i].fold;
    }
    assert_string_equal(p.pairs[5].name_a, "Hal");
    assert_string_equal(p.pairs[5].name_b, "Ida");
    assert_int_equal(p.pairs[5].num_b, 9999);
    assert_string_equal(p.pairs[4].name_b, "Gus");
    assert_int_equal(p.pairs[4].num_b, 4);

    eval_cv cv;
    assert_int_equal(eval_cross_validate(d, same, fold, 6, p.n_folds, &cv, err, sizeof err), 0);
    assert_int_equal(cv.k, 3);
    assert_true(cv.threshold[0] == 2.5);
    assert_true(cv.threshold[1] == 2.0);
    assert_true(cv.threshold[2] == 3.0);
    assert_true(cv.accuracy[0] == 1.0);
    assert_true(cv.accuracy[1] == 0.5);
    assert_true(cv.accuracy[2] == 0.5);
    assert_true(fabs(cv.mean - 2.0 / 3.0) < 1e-15);
    assert_true(fabs(cv.std - sqrt(1.0 / 12.0)) < 1e-15);
    assert_true(fabs(cv.sem - sqrt(1.0 / 12.0) / sqrt(3.0)) < 1e-15);
    assert_true(cv.mean_threshold == 2.5);

    /* errors: a fold without pairs, a fold number out of range */
    int fold_gap[6] = {0, 0, 2, 2, 2, 2};
    assert_int_equal(eval_cross_validate(d, same, fold_gap, 6, 3, &cv, err, sizeof err), -1);
    assert_string_equal(err, "fold 2 has no pairs");
    int fold_bad[6] = {0, 0, 1, 1, 2, 3};
    assert_int_equal(eval_cross_validate(d, same, fold_bad, 6, 3, &cv, err, sizeof err), -1);
    assert_string_equal(err, "pair 6: fold 3 outside 0..2");
    assert_int_equal(eval_cross_validate(d, same, fold, 6, 1, &cv, err, sizeof err), -1);
    assert_string_equal(err, "1 folds: want 2..100");
    eval_pairs_free(&p);
}

/* A View 1 style file ("N"), with blank lines at the end and none at all. */
static void test_pairs_view1(void **state)
{
    (void)state;
    const char *files[3] = {"2\nA 1 2\nB 3 4\nC 1 D 2\nE 5 F 6\n\n\n",
                            "2\nA 1 2\nB 3 4\nC 1 D 2\nE 5 F 6",
                            "2\r\nA 1 2\r\nB 3 4\r\nC 1 D 2\r\nE 5 F 6\r\n"};
    for (int k = 0; k < 3; k++) {
        eval_pairs p;
        char err[256] = "";
        assert_int_equal(eval_pairs_parse(files[k], strlen(files[k]), &p, err, sizeof err), 0);
        assert_int_equal(p.n, 4);
        assert_int_equal(p.n_folds, 1);
        assert_int_equal(p.per_fold, 2);
        assert_int_equal(p.pairs[1].same, 1);
        assert_int_equal(p.pairs[2].same, 0);
        assert_string_equal(p.pairs[3].name_a, "E");
        assert_int_equal(p.pairs[3].num_a, 5);
        assert_string_equal(p.pairs[3].name_b, "F");
        assert_int_equal(p.pairs[3].num_b, 6);
        assert_int_equal(p.pairs[3].fold, 0);
        eval_pairs_free(&p);
    }
}

/* Every malformed-file message, with its line number. */
static void test_pairs_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"", "line 1: header '': want \"N\" (N same then N different pairs) or \"S N\" (S sets of "
             "them, S 1..100), N 1..10000000"},
        {"ten\nA 1 2\n", "line 1: header 'ten': want \"N\" (N same then N different pairs) or "
                         "\"S N\" (S sets of them, S 1..100), N 1..10000000"},
        {"0\n", "line 1: header '0': want \"N\" (N same then N different pairs) or \"S N\" (S "
                "sets of them, S 1..100), N 1..10000000"},
        {"1 2 3\n", "line 1: header '1 2 3': want \"N\" (N same then N different pairs) or \"S "
                    "N\" (S sets of them, S 1..100), N 1..10000000"},
        {"101 1\n", "line 1: header '101 1': want \"N\" (N same then N different pairs) or \"S "
                    "N\" (S sets of them, S 1..100), N 1..10000000"},
        {"100 50001\n", "line 1: header says 100 x 50001 x 2 pairs, over the cap of 10000000"},
        {"1\nA 1\nB 1 C 2\n",
         "line 2: 'A 1' has 2 fields, want 3: pair 1 of set 1 is a same-person pair \"NAME I J\""},
        {"1\nA 1 2\nB 1 C\n", "line 3: 'B 1 C' has 3 fields, want 4: pair 2 of set 1 is a "
                              "different-person pair \"NAME1 I NAME2 J\""},
        {"1\nA 1 2 3 4 5\n", "line 2: 'A 1 2 3 4 5' has at least 5 fields, want 3: pair 1 of set "
                             "1 is a same-person pair \"NAME I J\""},
        {"1\nA 1 x\nB 1 C 2\n", "line 2, field 3: 'x' is not an image number 1..9999"},
        {"1\nA 0 2\nB 1 C 2\n", "line 2, field 2: '0' is not an image number 1..9999"},
        {"1\nA 1 2\nB 1 C 10000\n", "line 3, field 4: '10000' is not an image number 1..9999"},
        {"1\nA 1 -2\n", "line 2, field 3: '-2' is not an image number 1..9999"},
        {"1\n.. 1 2\n", "line 2, field 1: name '..' is not allowed (it is a path)"},
        {"1\nA 1 2\nB 1 a/b 2\n", "line 3, field 3: name 'a/b' holds byte 0x2f (no slashes or "
                                  "control characters in a name)"},
        {"1\nA 2 2\nB 1 C 2\n", "line 2: a same-person pair of image 2 with itself"},
        {"1\nA 1 2\n\nB 1 C 2\n", "line 3: blank line, but only 1 of the header's 2 pairs came "
                                  "before it (blank lines only after the last pair)"},
        {"1\nA 1 2\nB 1 C 2\nD 1 2\n",
         "line 4: 'D 1 2' after the header's 2 pairs (1 set of 1 + 1)"},
        {"2 1\nA 1 2\nB 1 C 2\nD 1 2\n",
         "line 5: the file ends after 3 pairs, the header promised 4 (set 2 has 1 of its 1 + 1)"},
        {"1\nA 1 2\n", "line 3: the file ends after 1 pairs, the header promised 2 (set 1 has 1 "
                       "of its 1 + 1)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        eval_pairs p;
        char err[512] = "";
        int rc = eval_pairs_parse(cases[k].text, strlen(cases[k].text), &p, err, sizeof err);
        if (rc != -1 || strcmp(err, cases[k].msg) != 0)
            print_error("case %zu: rc %d, message\n  %s\nwant\n  %s\n", k, rc, err, cases[k].msg);
        assert_int_equal(rc, -1);
        assert_string_equal(err, cases[k].msg);
    }
    /* a NUL byte: the text has an explicit length */
    const char nul[] = "1\nA 1\0 2\nB 1 C 2\n";
    eval_pairs p;
    char err[256];
    assert_int_equal(eval_pairs_parse(nul, sizeof nul - 1, &p, err, sizeof err), -1);
    assert_string_equal(err, "line 2: a NUL byte at column 4: not a text file");
    /* a file that does not exist */
    assert_int_equal(eval_pairs_load("tests/data/no-such-pairs.txt", &p, err, sizeof err), -1);
    assert_string_equal(err, "cannot open: No such file or directory");
}

/* ---- ROC, TAR at FAR, EER ------------------------------------------------ */

/*
 * The set of test_best_threshold (same 1 3 5, different 4 6 8):
 *   t:   0    2    3.5  4.5  5.5  7    9
 *   TAR: 0   1/3  2/3  2/3   1    1    1
 *   FAR: 0    0    0   1/3  1/3  2/3   1
 * TAR at FAR <= 1e-2: 2/3 (t 3.5); at FAR <= 0.4: 1 (t 5.5).
 * EER: first point with FAR >= FRR is t 4.5 (1/3 >= 1/3), from (0, 1/3):
 * the segment meets FAR == FRR at its end: 1/3.
 */
static void test_roc(void **state)
{
    (void)state;
    eval_set s = {D1, S1, NULL, 6};
    eval_roc_point *pts;
    size_t n;
    char err[256];
    assert_int_equal(eval_roc(&s, &pts, &n, err, sizeof err), 0);
    assert_int_equal(n, 7);
    const double t[7] = {0, 2, 3.5, 4.5, 5.5, 7, 9};
    const double tar3[7] = {0, 1, 2, 2, 3, 3, 3}, far3[7] = {0, 0, 0, 1, 1, 2, 3};
    for (int i = 0; i < 7; i++) {
        assert_true(pts[i].threshold == t[i]);
        assert_true(pts[i].tar == tar3[i] / 3);
        assert_true(pts[i].far == far3[i] / 3);
    }
    double th;
    assert_true(eval_tar_at_far(pts, n, 1e-2, &th) == 2.0 / 3.0);
    assert_true(th == 3.5);
    assert_true(eval_tar_at_far(pts, n, 0.4, &th) == 1.0);
    assert_true(th == 5.5);
    assert_true(fabs(eval_eer(pts, n) - 1.0 / 3.0) < 1e-15);
    free(pts);

    /*
     * An EER inside a segment: same 1 3, different 3 (a tie at 3).
     * Points: t 0: FAR 0, FRR 1 | t 2: 0, 1/2 | t 4: 1, 0.
     * From (0, 1/2) to (1, 0): 0 + s = 1/2 - s/2 -> s = 1/3: EER 1/3.
     */
    const double d2[3] = {1, 3, 3};
    const int s2[3] = {1, 1, 0};
    eval_set e2 = {d2, s2, NULL, 3};
    assert_int_equal(eval_roc(&e2, &pts, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_true(fabs(eval_eer(pts, n) - 1.0 / 3.0) < 1e-15);
    free(pts);

    /* only one kind of pair: no ROC */
    const int all_same[3] = {1, 1, 1};
    eval_set e3 = {d2, all_same, NULL, 3};
    assert_int_equal(eval_roc(&e3, &pts, &n, err, sizeof err), -1);
    assert_string_equal(err, "a ROC needs same and different pairs (3 same of 3)");
}

/* ---- SVG ------------------------------------------------------------------ */

static void test_svg(void **state)
{
    (void)state;
    eval_set s = {D1, S1, NULL, 6};
    eval_roc_point *pts;
    size_t n;
    char err[256];
    assert_int_equal(eval_roc(&s, &pts, &n, err, sizeof err), 0);
    /* 1000 different pairs: the FAR axis runs 1e-3 .. 1e0 */
    eval_plot p = {"ROC <test> & more", pts, n, 1000, 1, 1.0 / 3.0, 2.0 / 3.0, 3.5};
    char *svg;
    assert_int_equal(eval_plot_svg(&p, &svg, err, sizeof err), 0);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "ROC &lt;test&gt; &amp; more"));
    assert_non_null(strstr(svg, ">1e-3</text>"));
    assert_non_null(strstr(svg, ">1e0</text>"));
    assert_null(strstr(svg, ">1e-4</text>"));
    assert_non_null(strstr(svg, "False accept rate (FAR, log scale)"));
    assert_non_null(strstr(svg, "True accept rate (TAR)"));
    assert_non_null(strstr(svg, "<polyline"));
    /* TAR axis from 0.6: the 0.1 step below TAR 2/3 at FAR 1e-3 */
    assert_non_null(strstr(svg, ">0.6</text>"));
    assert_null(strstr(svg, ">0.5</text>"));
    /* the operating point: FAR 1/3 -> x = 80 + 520 (log10(1/3) + 3) / 3,
     * TAR 2/3 -> y = 410 - 360 (2/3 - 0.6) / 0.4 */
    char circle[128];
    double x = 80 + 520 * (log10(1.0 / 3.0) + 3) / 3, y = 410 - 360 * (2.0 / 3.0 - 0.6) / 0.4;
    snprintf(circle, sizeof circle, "<circle cx=\"%.2f\" cy=\"%.2f\"", x, y);
    assert_non_null(strstr(svg, circle));
    assert_non_null(strstr(svg, "</svg>\n"));
    free(svg);
    p.n_diff = 0;
    assert_int_equal(eval_plot_svg(&p, &svg, err, sizeof err), -1);
    assert_string_equal(err, "nothing to plot (7 ROC points, 0 different pairs)");
    free(pts);
}

/* ---- detection truth and matching ------------------------------------------ */

static const char XML[] =
    "<?xml version='1.0' encoding='ISO-8859-1'?>\n"
    "<dataset><name>t</name>\n"
    "<!-- <image file='commented.jpg'> -->\n"
    "<images>\n"
    "  <image file='a&amp;b.jpg' width='500' height='332'>\n"
    "    <box top='10' left='20' width='30' height='40'/>\n"
    "    <box top=\"100\" left=\"200\" width=\"50\" height=\"50\" ignore='1'>\n"
    "      <part name='00' x='1' y='2'/>\n"
    "    </box>\n"
    "  </image>\n"
    "  <image file='empty.jpg'/>\n"
    "</images></dataset>\n";

static void test_truth(void **state)
{
    (void)state;
    eval_truth t;
    char err[256];
    assert_int_equal(eval_truth_parse(XML, strlen(XML), &t, err, sizeof err), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.images[0].file, "a&b.jpg");
    assert_int_equal(t.images[0].n_boxes, 2);
    eval_box b0 = t.images[0].boxes[0], b1 = t.images[0].boxes[1];
    assert_int_equal(b0.x, 20);
    assert_int_equal(b0.y, 10);
    assert_int_equal(b0.w, 30);
    assert_int_equal(b0.h, 40);
    assert_int_equal(b0.ignore, 0);
    assert_int_equal(b1.x, 200);
    assert_int_equal(b1.ignore, 1);
    assert_string_equal(t.images[1].file, "empty.jpg");
    assert_int_equal(t.images[1].n_boxes, 0);
    eval_truth_free(&t);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"<dataset></dataset>", "no <image> elements"},
        {"<images>\n<box top='1' left='1' width='1' height='1'/>",
         "line 2: <box> outside an <image>"},
        {"<image file='a'>\n<box top='1' left='1' width='1'/>\n</image>",
         "line 2: <box> without a height attribute"},
        {"<image file='a'>\n<box top='1' left='x' width='1' height='1'/>\n</image>",
         "line 2: box left='x': want an integer -1000000..1000000"},
        {"<image file='a'>\n<box top='1' left='1' width='0' height='1'/>\n</image>",
         "line 2: box width='0': want an integer 1..1000000"},
        {"<image file='a'>\n<box top='1' left='1' width='1' height='1' ignore='2'/>\n</image>",
         "line 2: box ignore='2': want 0 or 1"},
        {"<image file='a'>\n<box top=1 left='1' width='1' height='1'/></image>",
         "line 2: attribute 'top' without a quoted value"},
        {"<image file='a'>\n<box top='1' left='1", "line 2: tag never closed with '>'"},
        {"<image file='a'>\n<image file='b'>", "line 2: <image> inside another <image>"},
        {"<image width='3'/>", "line 1: <image> without a file attribute"},
        {"<image file='a'>\n", "line 2: the file ends inside <image>"},
        {"</image>", "line 1: </image> without <image>"},
        {"<!-- x", "line 1: comment never closed"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char e[256] = "";
        int rc = eval_truth_parse(bad[k].text, strlen(bad[k].text), &t, e, sizeof e);
        if (rc != -1 || strcmp(e, bad[k].msg) != 0)
            print_error("case %zu: rc %d, message\n  %s\nwant\n  %s\n", k, rc, e, bad[k].msg);
        assert_int_equal(rc, -1);
        assert_string_equal(e, bad[k].msg);
    }
}

/*
 * IoU of [0,10)x[0,10) and [5,15)x[0,10): 50 / 150 = 1/3.
 * Matching at 0.5: truth T0 (0,0,10,10), T1 (100,100,10,10) ignore,
 * T2 (50,50,10,10); detections D0 (1,0,10,10): IoU with T0 90/110;
 * D1 (0,1,10,10): IoU with T0 90/110 too (tie: D0, the lower index, wins);
 * D2 (100,100,10,10) on the ignore box; D3 (300,300,5,5) nowhere.
 * -> hits 1 (T0-D0), ignored 1 (T1-D2), misses 1 (T2), false alarms 2 (D1, D3).
 */
static void test_match(void **state)
{
    (void)state;
    eval_box a = {0, 0, 10, 10, 0}, b = {5, 0, 10, 10, 0};
    assert_true(fabs(eval_iou(&a, &b) - 1.0 / 3.0) < 1e-15);
    eval_box far_box = {20, 20, 5, 5, 0};
    assert_true(eval_iou(&a, &far_box) == 0);

    const eval_box truth[3] = {{0, 0, 10, 10, 0}, {100, 100, 10, 10, 1}, {50, 50, 10, 10, 0}};
    const eval_box det[4] = {{1, 0, 10, 10, 0}, {0, 1, 10, 10, 0}, {100, 100, 10, 10, 0},
                             {300, 300, 5, 5, 0}};
    int matched[3];
    eval_det_counts c;
    char err[128];
    assert_int_equal(eval_match_boxes(truth, 3, det, 4, 0.5, matched, &c, err, sizeof err), 0);
    assert_int_equal(c.hits, 1);
    assert_int_equal(c.ignored, 1);
    assert_int_equal(c.misses, 1);
    assert_int_equal(c.false_alarms, 2);
    assert_int_equal(matched[0], 0);
    assert_int_equal(matched[1], 2);
    assert_int_equal(matched[2], -1);
    /* at IoU 0.95 nothing but the exact ignore box matches */
    assert_int_equal(eval_match_boxes(truth, 3, det, 4, 0.95, matched, &c, err, sizeof err), 0);
    assert_int_equal(c.hits, 0);
    assert_int_equal(c.ignored, 1);
    assert_int_equal(c.misses, 2);
    assert_int_equal(c.false_alarms, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_threshold), cmocka_unit_test(test_threshold_ties),
        cmocka_unit_test(test_cross_validation), cmocka_unit_test(test_pairs_view1),
        cmocka_unit_test(test_pairs_errors),   cmocka_unit_test(test_roc),
        cmocka_unit_test(test_svg),            cmocka_unit_test(test_truth),
        cmocka_unit_test(test_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
