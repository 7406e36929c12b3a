/*
 * test_resnet29.c - the default model end to end: models/dlib_resnet29.fnw
 * (from `make models`) on real face chips against golden embeddings from an
 * independent reference (tests/ref_resnet29.py: float64 PyTorch reading the
 * package's tfjs files; itself checked against the package under tfjs to
 * 2e-7, see tests/ref_resnet29_tfjs.mjs).
 *
 * Needs, and otherwise skips with a message saying which is missing:
 * - models/dlib_resnet29.fnw (`make models`);
 * - the PPM files in build/testdata/resnet29/, the chips decoded by PIL. When they are
 *   missing the test runs `tests/ref_resnet29.py ppm` itself, which needs
 *   ../shared (or $FACENET_SHARED) and python3-pil.
 * Each PPM's pixels must hash (FNV-1a 64) to the value in the golden file,
 * so that the comparison is of the same pixels. A synthetic test card (made
 * here and in the script by the same formula) is compared whenever the
 * model is there, so CI, without ../shared, still checks the numbers.
 *
 * Tolerance: max abs error <= 1e-4 per component (the bound). The
 * embeddings are ~0.1 in size and come out of 29 float32 convolutions with
 * reductions of up to 3*3*256 = 2304 terms; float32 accumulation error over
 * that is ~1e-6 relative, two orders of magnitude below the bound. The
 * measured maximum is printed.
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

#include "face/face.h"
#include "tools/convert_internal.h"
#include "tools/embedder_internal.h"
#include "weights/weights.h"

#define MODEL "models/dlib_resnet29.fnw"
#define MANIFEST "models/cache/face-api-1.7.15/model/face_recognition_model-weights_manifest.json"
#define TARBALL "models/cache/vladmandic-face-api-1.7.15.tgz"
#define GOLDEN "tests/golden/resnet29_embeddings.txt"
#define PPM_DIR "build/testdata/resnet29"
#define DIM 128
#define MAX_CHIPS 16
#define TOLERANCE 1e-4

typedef struct chip {
    char name[96];
    uint64_t hash;
    float emb[DIM];
} chip;

static chip chips[MAX_CHIPS];
static int n_chips;

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static void read_golden(void)
{
    FILE *f = fopen(GOLDEN, "r");
    assert_non_null(f);
    char line[8192];
    n_chips = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        assert_true(n_chips < MAX_CHIPS);
        chip *c = &chips[n_chips++];
        char *p = line, *end;
        int len = 0;
        assert_int_equal(sscanf(p, "%95s %n", c->name, &len), 1);
        p += len;
        c->hash = strtoull(p, &end, 16);
        assert_true(end != p);
        p = end;
        for (int i = 0; i < DIM; i++) {
            c->emb[i] = strtof(p, &end);
            assert_true(end != p);
            p = end;
        }
    }
    fclose(f);
    assert_true(n_chips > 0);
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

/* Make sure the PPMs exist; return 0 (and say why) when they cannot. */
static int have_ppms(void)
{
    char path[256];
    int n = snprintf(path, sizeof path, "%s/%s.ppm", PPM_DIR, chips[0].name);
    assert_true(n > 0 && (size_t)n < sizeof path);
    if (file_exists(path)) return 1;
    printf("    %s missing: running /usr/bin/python3 tests/ref_resnet29.py ppm\n", path);
    fflush(stdout);
    int rc = system("/usr/bin/python3 tests/ref_resnet29.py ppm");
    if (rc == 0 && file_exists(path)) return 1;
    printf("    SKIPPED: no decoded chips in %s (needs ../shared/data/identities/dlib_johns or "
           "$FACENET_SHARED, and python3-pil)\n",
           PPM_DIR);
    return 0;
}

#define SYNTHETIC "synthetic_pattern"

/* The test card of tests/ref_resnet29.py synthetic_pattern(). */
static void synthetic_pattern(face_image *img)
{
    img->w = img->h = 150;
    img->channels = 3;
    img->px = malloc(150 * 150 * 3);
    assert_non_null(img->px);
    for (int y = 0; y < 150; y++)
        for (int x = 0; x < 150; x++)
            for (int c = 0; c < 3; c++)
                img->px[(y * 150 + x) * 3 + c] =
                    (uint8_t)((7 * x + 13 * y + 71 * c + ((x * y) % 31) * 5) % 256);
}

/* Embed the synthetic card and, when real is set, up to max_chips chips with
 * the model at path; return the max abs error against the golden, or -1
 * when nothing could be compared. */
static double compare_all(const char *path, int real, int max_chips)
{
    embedder *e;
    char err[512];
    int rc = embedder_open(path, 1, &e, err, sizeof err);
    if (rc != 0) printf("    %s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(embedder_meta(e)->output_dim, DIM);
    double worst = 0;
    int done = 0;
    int real_done = 0;
    for (int k = 0; k < n_chips; k++) {
        char ppm[256];
        face_image img;
        if (!strcmp(chips[k].name, SYNTHETIC)) {
            synthetic_pattern(&img);
            snprintf(ppm, sizeof ppm, "%s", SYNTHETIC);
        } else {
            if (!real || real_done == max_chips) continue;
            real_done++;
            int n = snprintf(ppm, sizeof ppm, "%s/%s.ppm", PPM_DIR, chips[k].name);
            assert_true(n > 0 && (size_t)n < sizeof ppm);
            face_err ferr;
            face_status fs = face_image_load(ppm, &img, &ferr);
            if (fs != FACE_OK) printf("    %s: %s\n", ppm, ferr.msg);
            assert_int_equal(fs, FACE_OK);
        }
        uint64_t h = fnv1a64(img.px, (size_t)img.w * img.h * img.channels);
        if (h != chips[k].hash) {
            printf("    SKIPPED %s: pixels hash to %016llx, the golden's to %016llx (a different "
                   "JPEG decoder made the PPM; regenerate with tests/ref_resnet29.py)\n",
                   ppm, (unsigned long long)h, (unsigned long long)chips[k].hash);
            face_image_free(&img);
            continue;
        }
        float emb[DIM];
        rc = embedder_run(e, &img, emb, err, sizeof err);
        face_image_free(&img);
        assert_int_equal(rc, 0);
        double chip_worst = 0;
        for (int i = 0; i < DIM; i++) {
            double d = fabs((double)emb[i] - chips[k].emb[i]);
            if (d > chip_worst) chip_worst = d;
        }
        if (chip_worst > worst) worst = chip_worst;
        done++;
    }
    embedder_close(e);
    return done ? worst : -1;
}

static void test_golden_embeddings(void **state)
{
    (void)state;
    if (!file_exists(MODEL)) {
        printf("    SKIPPED: %s absent (run `make models`)\n", MODEL);
        skip();
    }
    read_golden();
    int real = have_ppms();
    double worst = compare_all(MODEL, real, MAX_CHIPS);
    assert_true(worst >= 0);
    printf("    %s: %s, max abs error %.3g (bound %g)\n", MODEL,
           real ? "10 chips and the synthetic card" : "the synthetic card only", worst, TOLERANCE);
    assert_true(worst <= TOLERANCE);
}

/* The same network with every scale layer kept as its own AFFINE node must
 * give the same embeddings: folding is exact up to rounding. */
static void test_unfolded_model(void **state)
{
    (void)state;
    if (!file_exists(MANIFEST)) {
        printf("    SKIPPED: %s absent (run `make models`)\n", MANIFEST);
        skip();
    }
    read_golden();
    int real = have_ppms();
    tfjs_weights tw;
    char err[512];
    int rc = tfjs_load(MANIFEST, &tw, err, sizeof err);
    if (rc != 0) printf("    %s\n", err);
    assert_int_equal(rc, 0);
    wts_writer *w;
    rc = cvt_faceapi_resnet29(&tw, CVT_KEEP, "test", &w, err, sizeof err);
    tfjs_free(&tw);
    assert_int_equal(rc, 0);
    const char *path = "build/test_resnet29_nofold.fnw";
    wts_err werr;
    assert_int_equal(wts_writer_save(w, path, &werr), WTS_OK);
    wts_writer_destroy(w);
    double worst = compare_all(path, real, 3);
    remove(path);
    assert_true(worst >= 0);
    printf("    unfolded model: max abs error %.3g (bound %g)\n", worst, TOLERANCE);
    assert_true(worst <= TOLERANCE);
}

/* ./facenet-run of this build: tests/../facenet-run next to this test binary. */
static char cli[512];

static int run_cli(const char *args, const char *out, const char *errf)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s > %s 2> %s", cli, args, out, errf);
    int rc = system(cmd);
    return rc >= 256 ? rc >> 8 : rc; /* the exit code on POSIX shells */
}

/* facenet-run embed --aligned --json: one JSON line per good image, one
 * message per bad one, exit code 1 when any failed; usage and model errors. */
static void test_embed_cli(void **state)
{
    (void)state;
    const char *out = "build/test_embed_out.txt", *errf = "build/test_embed_err.txt";
    if (!file_exists(cli)) {
        printf("    SKIPPED: %s not built (make builds it)\n", cli);
        skip();
    }
    assert_int_equal(run_cli("embed --aligned --json", out, errf), 2);  /* no images */
    assert_int_equal(run_cli("embed --json x.ppm", out, errf), 2);      /* no --aligned */
    assert_int_equal(run_cli("embed --aligned --model build/no.fnw x.ppm", out, errf), 3);
    if (!file_exists(MODEL)) {
        printf("    SKIPPED the embedding part: %s absent (run `make models`)\n", MODEL);
        return;
    }
    read_golden();
    if (!have_ppms()) return;
    char args[1024];
    snprintf(args, sizeof args, "embed --aligned --json %s/%s.ppm build/no_such_image.ppm %s/%s.ppm",
             PPM_DIR, chips[0].name, PPM_DIR, chips[1].name);
    assert_int_equal(run_cli(args, out, errf), 1);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    static char line[16384];
    double worst = 0;
    for (int k = 0; k < 2; k++) {
        assert_non_null(fgets(line, sizeof line, f));
        char want[256];
        snprintf(want, sizeof want, "{\"file\": \"%s/%s.ppm\", \"embedding\": [", PPM_DIR,
                 chips[k].name);
        assert_int_equal(strncmp(line, want, strlen(want)), 0);
        char *p = line + strlen(want), *end;
        for (int i = 0; i < DIM; i++) {
            double v = strtod(p, &end);
            assert_true(end != p);
            if (fabs(v - chips[k].emb[i]) > worst) worst = fabs(v - chips[k].emb[i]);
            p = end;
            while (*p == ',' || *p == ' ') p++;
        }
        assert_string_equal(p, "]}\n");
    }
    assert_null(fgets(line, sizeof line, f));
    fclose(f);
    f = fopen(errf, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "build/no_such_image.ppm"));
    assert_null(fgets(line, sizeof line, f)); /* exactly one line */
    fclose(f);
    printf("    facenet-run embed --json: max abs error %.3g (bound %g)\n", worst, TOLERANCE);
    assert_true(worst <= TOLERANCE);
    remove(out);
    remove(errf);
}

/* `make models` must refuse a tarball whose sha256 is not the pinned one. */
static void test_tampered_tarball_refused(void **state)
{
    (void)state;
    if (!file_exists(TARBALL)) {
        printf("    SKIPPED: %s absent (run `make models`)\n", TARBALL);
        skip();
    }
    FILE *in = fopen(TARBALL, "rb");
    FILE *out = fopen("build/test_tampered.tgz", "wb");
    assert_non_null(in);
    assert_non_null(out);
    int ch;
    long pos = 0;
    while ((ch = fgetc(in)) != EOF) {
        if (pos++ == 4096) ch ^= 0x01; /* one flipped bit */
        fputc(ch, out);
    }
    fclose(in);
    fclose(out);
    int rc = system("sh tools/fetch-models.sh --verify build/test_tampered.tgz 2>&1 | "
                    "grep -q 'refusing this tarball'");
    assert_int_equal(rc, 0);
    rc = system("sh tools/fetch-models.sh --verify build/test_tampered.tgz >/dev/null 2>&1");
    assert_int_not_equal(rc, 0);
    rc = system("sh tools/fetch-models.sh --verify " TARBALL " >/dev/null");
    assert_int_equal(rc, 0);
    remove("build/test_tampered.tgz");
}

int main(int argc, char **argv)
{
    /* argv[0] is BUILD/tests/test_resnet29: the CLI is BUILD/facenet-run */
    (void)argc;
    snprintf(cli, sizeof cli, "%s", argv[0]);
    char *slash = strrchr(cli, '/');
    if (slash) *slash = '\0';
    slash = strrchr(cli, '/');
    if (slash)
        snprintf(slash + 1, sizeof cli - (size_t)(slash + 1 - cli), "facenet-run");
    else
        snprintf(cli, sizeof cli, "./facenet-run");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_embeddings),
        cmocka_unit_test(test_unfolded_model),
        cmocka_unit_test(test_embed_cli),
        cmocka_unit_test(test_tampered_tarball_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
