/*
 * test_gallery.c - the gallery file, its edits, atomic saves under SIGKILL,
 * and matching.
 *
 * The format is checked against tests/data/gallery_v1.db, written by
 * tests/gen_gallery_golden.py from the spec alone (Python struct + zlib),
 * not by our writer. Damaged files are made here from good ones; where a
 * damaged field must still pass its CRC, the CRC is recomputed with the
 * bitwise CRC-32 below (a second, independent implementation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "face/face.h"
#include "tools/cli.h"

#define GOLDEN "tests/data/gallery_v1.db"
#define GOLDEN_MODEL "golden-model:sha256:0123abcd"

/* ---- helpers ------------------------------------------------------------ */

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1u) ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

/* A small PRNG with a printed seed (xorshift32). */
static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static float rng_float(uint32_t *s) /* [-1, 1) */
{
    return (float)(rng_next(s) >> 8) / 8388608.0f - 1.0f;
}

/* Parse bytes, expect failure with status want and a message containing frag. */
static void expect_bad(const uint8_t *d, size_t n, face_status want, const char *frag)
{
    face_gallery *g = NULL;
    face_err err = {{0}};
    face_status st = face_gallery_parse(d, n, &g, &err);
    if (st != want || !strstr(err.msg, frag))
        print_error("got status %d '%s', wanted %d with '%s'\n", (int)st, err.msg, (int)want, frag);
    assert_int_equal(st, want);
    assert_null(g);
    assert_non_null(strstr(err.msg, frag));
}

/* ---- the golden file ---------------------------------------------------- */

static void test_golden_load(void **state)
{
    (void)state;
    face_gallery *g = NULL;
    face_err err = {{0}};
    face_status st = face_gallery_load(GOLDEN, &g, &err);
    if (st != FACE_OK) print_error("%s: %s\n", GOLDEN, err.msg);
    assert_int_equal(st, FACE_OK);
    assert_string_equal(face_gallery_model_id(g), GOLDEN_MODEL);
    assert_int_equal(face_gallery_dim(g), 5);
    assert_int_equal(face_gallery_count(g), 3);
    assert_int_equal(face_gallery_person_count(g), 3);

    face_gallery_entry e = face_gallery_get(g, 0);
    assert_string_equal(e.name, "Ada Lovelace");
    assert_string_equal(e.file, "train/ada/1.jpg");
    const float e0[5] = {0.5f, -1.25f, 3.0f, 0.0f, 1e-3f};
    for (int j = 0; j < 5; j++) assert_true(e.emb[j] == e0[j]);
    e = face_gallery_get(g, 1);
    assert_string_equal(e.name, "Alan Turing");
    assert_string_equal(e.file, "");
    assert_true(e.emb[3] == 65504.0f);
    assert_true(e.emb[4] == 0.0f && signbit(e.emb[4]));
    e = face_gallery_get(g, 2);
    assert_string_equal(e.name, "Ren\xc3\xa9" "e \xe6\x97\xa5");
    assert_string_equal(e.file, "x/Ren\xc3\xa9" "e.png");
    assert_true(e.emb[4] == 2.0f);
    assert_null(face_gallery_get(g, 3).name);

    /* Our writer gives the reference's bytes exactly. */
    size_t glen = 0, len = 0;
    uint8_t *gold = read_file(GOLDEN, &glen);
    assert_non_null(gold);
    uint8_t *mine = NULL;
    assert_int_equal(face_gallery_serialize(g, &mine, &len, &err), FACE_OK);
    assert_int_equal(len, glen);
    assert_memory_equal(mine, gold, len);
    free(mine);
    free(gold);
    face_gallery_free(g);
}

static void test_crc_reference(void **state)
{
    (void)state;
    /* The check value of CRC-32/ISO-HDLC, as zlib computes it. */
    assert_int_equal(crc32_bitwise((const uint8_t *)"123456789", 9), 0xcbf43926u);
    size_t len = 0;
    uint8_t *gold = read_file(GOLDEN, &len);
    assert_non_null(gold);
    /* header_crc sits right after model_id: 28 + 28 bytes. */
    assert_int_equal(rd32(gold + 56), crc32_bitwise(gold, 56));
    free(gold);
}

/* ---- round trip --------------------------------------------------------- */

static face_gallery *make_random(uint32_t seed, int dim, size_t n)
{
    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("rt-model v1", dim, &g, &err), FACE_OK);
    float *emb = malloc((size_t)dim * sizeof *emb);
    assert_non_null(emb);
    for (size_t i = 0; i < n; i++) {
        char name[32], file[64];
        snprintf(name, sizeof name, "person %u", (unsigned)(rng_next(&seed) % 5));
        snprintf(file, sizeof file, "dir/%zu.jpg", i);
        for (int j = 0; j < dim; j++) emb[j] = rng_float(&seed);
        assert_int_equal(face_gallery_add(g, name, file, emb, &err), FACE_OK);
    }
    free(emb);
    return g;
}

static void assert_same_gallery(const face_gallery *a, const face_gallery *b)
{
    assert_string_equal(face_gallery_model_id(a), face_gallery_model_id(b));
    assert_int_equal(face_gallery_dim(a), face_gallery_dim(b));
    assert_int_equal(face_gallery_count(a), face_gallery_count(b));
    assert_int_equal(face_gallery_person_count(a), face_gallery_person_count(b));
    for (size_t i = 0; i < face_gallery_count(a); i++) {
        face_gallery_entry x = face_gallery_get(a, i), y = face_gallery_get(b, i);
        assert_string_equal(x.name, y.name);
        assert_string_equal(x.file, y.file);
        assert_memory_equal(x.emb, y.emb, (size_t)face_gallery_dim(a) * sizeof(float));
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    print_message("round trip: seed %u, dim 130, 40 entries\n", seed);
    face_gallery *g = make_random(seed, 130, 40);
    uint8_t *buf = NULL;
    size_t len = 0;
    face_err err = {{0}};
    assert_int_equal(face_gallery_serialize(g, &buf, &len, &err), FACE_OK);
    face_gallery *h = NULL;
    assert_int_equal(face_gallery_parse(buf, len, &h, &err), FACE_OK);
    assert_same_gallery(g, h);
    face_gallery_free(h);

    /* Through a file, twice (the second save replaces the first). */
    char dir[] = "/tmp/test_gallery_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/faces.db", dir);
    assert_int_equal(face_gallery_save(g, path, &err), FACE_OK);
    assert_int_equal(face_gallery_save(g, path, &err), FACE_OK);
    h = NULL;
    assert_int_equal(face_gallery_load(path, &h, &err), FACE_OK);
    assert_same_gallery(g, h);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, (off_t)len);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* Replacing a file keeps its permission bits. */
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(face_gallery_save(g, path, &err), FACE_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    face_gallery_free(h);

    /* An empty gallery round-trips too. */
    face_gallery *e = NULL;
    assert_int_equal(face_gallery_create("m", 1, &e, &err), FACE_OK);
    assert_int_equal(face_gallery_save(e, path, &err), FACE_OK);
    h = NULL;
    assert_int_equal(face_gallery_load(path, &h, &err), FACE_OK);
    assert_int_equal(face_gallery_count(h), 0);
    assert_string_equal(face_gallery_model_id(h), "m");
    face_gallery_free(h);
    face_gallery_free(e);

    /* Only faces.db is left: no temp files. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) files++;
    closedir(d);
    assert_int_equal(files, 1);

    /* A directory that does not exist: a clear error, nothing written. */
    char bad[96];
    snprintf(bad, sizeof bad, "%s/nope/faces.db", dir);
    assert_int_equal(face_gallery_save(g, bad, &err), FACE_EIO);
    assert_non_null(strstr(err.msg, "temp file"));
    assert_int_equal(face_gallery_load(bad, &h, &err), FACE_EIO);

    unlink(path);
    rmdir(dir);
    free(buf);
    face_gallery_free(g);
}

/* ---- validation ---------------------------------------------------------- */

static void test_every_truncation_fails(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *gold = read_file(GOLDEN, &len);
    assert_non_null(gold);
    for (size_t n = 0; n < len; n++) {
        face_gallery *g = NULL;
        face_err err = {{0}};
        face_status st = face_gallery_parse(gold, n, &g, &err);
        if (st != FACE_EFORMAT) print_error("cut at %zu: status %d\n", n, (int)st);
        assert_int_equal(st, FACE_EFORMAT);
        assert_null(g);
        assert_true(strlen(err.msg) > 10);
    }
    /* Cut between entries: count promises more than there is. */
    expect_bad(gold, 60 + 4 + 12 + 4 + 15 + 20 + 4, FACE_EFORMAT, "count is 3");
    /* With count = 2 (header CRC fixed) a cut inside entry 1's embedding
     * (offsets 138..157) gets past the count check: the message says where. */
    wr32(gold + 20, 2);
    wr32(gold + 56, crc32_bitwise(gold, 56));
    expect_bad(gold, 150, FACE_EFORMAT, "offset 138: file ends inside entry 1's embedding");
    expect_bad(gold, 150, FACE_EFORMAT, "truncated");
    free(gold);
}

static void test_every_flipped_byte_fails(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *gold = read_file(GOLDEN, &len);
    assert_non_null(gold);
    const uint8_t masks[] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < len; i++)
        for (size_t m = 0; m < sizeof masks; m++) {
            gold[i] ^= masks[m];
            face_gallery *g = NULL;
            face_err err = {{0}};
            face_status st = face_gallery_parse(gold, len, &g, &err);
            if (st == FACE_OK) print_error("byte %zu ^ 0x%02x accepted\n", i, masks[m]);
            assert_int_not_equal(st, FACE_OK);
            assert_null(g);
            gold[i] ^= masks[m];
        }
    /* A flipped embedding byte: the CRC names the entry. */
    gold[100] ^= 0x10;
    expect_bad(gold, len, FACE_EFORMAT, "entry 0's entry_crc");
    gold[100] ^= 0x10;
    /* A flipped model id byte: the header CRC. */
    gold[40] ^= 0x01;
    expect_bad(gold, len, FACE_EFORMAT, "header_crc");
    free(gold);
}

static void test_header_errors(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *gold = read_file(GOLDEN, &len);
    assert_non_null(gold);
    uint8_t *d = malloc(len + 8);
    assert_non_null(d);

    memcpy(d, gold, len);
    memcpy(d, "GIF89a\x01\x00", 8);
    expect_bad(d, len, FACE_EFORMAT, "magic is \"GIF89a\\x01\\x00\"");
    expect_bad(d, len, FACE_EFORMAT, "not a gallery file");

    memcpy(d, gold, len);
    wr32(d + 8, 2);
    expect_bad(d, len, FACE_EUNSUPPORTED, "version is 2, this build reads version 1");
    wr32(d + 8, 0);
    expect_bad(d, len, FACE_EFORMAT, "offset 8: version is 0");

    memcpy(d, gold, len);
    wr32(d + 12, 4);
    expect_bad(d, len, FACE_EFORMAT, "offset 12: flags");

    memcpy(d, gold, len);
    wr32(d + 16, 0);
    expect_bad(d, len, FACE_EFORMAT, "offset 16: header's dim is 0, must be 1..4096");
    wr32(d + 16, 5000);
    expect_bad(d, len, FACE_EFORMAT, "dim is 5000");

    /* A huge count is refused before anything is allocated. */
    memcpy(d, gold, len);
    wr32(d + 20, 1000000);
    wr32(d + 56, crc32_bitwise(d, 56));
    expect_bad(d, len, FACE_EFORMAT, "count is 1000000 entries");
    wr32(d + 20, 0xffffffffu);
    expect_bad(d, len, FACE_EFORMAT, "count is 4294967295, must be 0..16777216");

    memcpy(d, gold, len);
    wr32(d + 24, 0);
    expect_bad(d, len, FACE_EFORMAT, "model_id_len is 0");

    /* A control character in the model id, with a correct CRC. */
    memcpy(d, gold, len);
    d[30] = '\n';
    wr32(d + 56, crc32_bitwise(d, 56));
    expect_bad(d, len, FACE_EFORMAT, "offset 30: model_id has a byte outside printable ASCII");

    /* Trailing bytes. */
    memcpy(d, gold, len);
    memset(d + len, 0, 8);
    expect_bad(d, len + 8, FACE_EFORMAT, "8 bytes after the last of 3 entries");

    expect_bad(d, 0, FACE_EFORMAT, "file is 0 bytes");
    free(d);
    free(gold);
}

/* Rewrite entry 0's CRC after editing it (entry 0: bytes 60 .. 60+4+12+4+15+20). */
static void fix_entry0_crc(uint8_t *d)
{
    size_t start = 60, end = 60 + 4 + 12 + 4 + 15 + 20;
    wr32(d + end, crc32_bitwise(d + start, end - start));
}

static void test_entry_errors(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *gold = read_file(GOLDEN, &len);
    assert_non_null(gold);
    uint8_t *d = malloc(len);
    assert_non_null(d);

    memcpy(d, gold, len);
    wr32(d + 60, 0);
    expect_bad(d, len, FACE_EFORMAT, "offset 60: entry 0's name_len is 0, must be 1..255");
    wr32(d + 60, 256);
    expect_bad(d, len, FACE_EFORMAT, "name_len is 256");

    memcpy(d, gold, len);
    wr32(d + 76, 4096);
    expect_bad(d, len, FACE_EFORMAT, "offset 76: entry 0's file_len is 4096, must be 0..4095");

    /* A NaN in the embedding behind a valid CRC. */
    memcpy(d, gold, len);
    wr32(d + 95 + 8, 0x7fc00000u);
    fix_entry0_crc(d);
    expect_bad(d, len, FACE_EFORMAT, "offset 103: entry 0's embedding[2] is not finite");
    wr32(d + 95 + 8, 0xff800000u); /* -inf */
    fix_entry0_crc(d);
    expect_bad(d, len, FACE_EFORMAT, "embedding[2] is not finite (bits 0xff800000)");

    /* A control character and broken UTF-8 in the name, valid CRC. */
    memcpy(d, gold, len);
    d[64 + 3] = 0x07;
    fix_entry0_crc(d);
    expect_bad(d, len, FACE_EFORMAT, "offset 67: entry 0's name has a control character");
    memcpy(d, gold, len);
    d[64 + 3] = 0xc3; /* a lead byte followed by 'L', not a continuation byte */
    fix_entry0_crc(d);
    expect_bad(d, len, FACE_EFORMAT, "entry 0's name has invalid UTF-8");
    memcpy(d, gold, len);
    d[80] = 0xc0; /* overlong '/' */
    d[81] = 0xaf;
    fix_entry0_crc(d);
    expect_bad(d, len, FACE_EFORMAT, "offset 80: entry 0's file has invalid UTF-8");

    /* Entry 2 damaged: the message names entry 2. */
    memcpy(d, gold, len);
    d[len - 6] ^= 0x01;
    expect_bad(d, len, FACE_EFORMAT, "entry 2's entry_crc");

    free(d);
    free(gold);
}

static void test_wrong_model(void **state)
{
    (void)state;
    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_load(GOLDEN, &g, &err), FACE_OK);
    assert_int_equal(face_gallery_check_model(g, GOLDEN_MODEL, 5, &err), FACE_OK);
    assert_int_equal(face_gallery_check_model(g, "mobilefacenet:sha256:ffff", 5, &err),
                     FACE_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "gallery was made with model '" GOLDEN_MODEL "' (5-D)"));
    assert_non_null(strstr(err.msg, "this model is 'mobilefacenet:sha256:ffff' (5-D)"));
    /* Same id, different dimension: refused too. */
    assert_int_equal(face_gallery_check_model(g, GOLDEN_MODEL, 128, &err), FACE_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "(128-D)"));
    face_gallery_free(g);
}

static void test_add_rejects_bad_input(void **state)
{
    (void)state;
    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("", 4, &g, &err), FACE_EINVAL);
    assert_int_equal(face_gallery_create("m\n", 4, &g, &err), FACE_EINVAL);
    assert_int_equal(face_gallery_create("m", 0, &g, &err), FACE_EINVAL);
    assert_int_equal(face_gallery_create("m", 4097, &g, &err), FACE_EINVAL);
    assert_null(g);
    assert_int_equal(face_gallery_create("m", 4, &g, &err), FACE_OK);
    const float ok[4] = {1, 2, 3, 4};
    const float nan[4] = {1, NAN, 3, 4};
    assert_int_equal(face_gallery_add(g, "", "f", ok, &err), FACE_EINVAL);
    assert_non_null(strstr(err.msg, "name is 0 bytes long"));
    assert_int_equal(face_gallery_add(g, "a\tb", "f", ok, &err), FACE_EINVAL);
    assert_non_null(strstr(err.msg, "name has a control character at byte 1"));
    assert_int_equal(face_gallery_add(g, "a\xff", "f", ok, &err), FACE_EINVAL);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
    assert_int_equal(face_gallery_add(g, "a", "f", nan, &err), FACE_EINVAL);
    assert_non_null(strstr(err.msg, "embedding[1] is not finite"));
    char long_name[300];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[299] = '\0';
    assert_int_equal(face_gallery_add(g, long_name, "f", ok, &err), FACE_EINVAL);
    assert_int_equal(face_gallery_count(g), 0);
    long_name[255] = '\0';
    assert_int_equal(face_gallery_add(g, long_name, "f", ok, &err), FACE_OK);
    assert_int_equal(face_gallery_count(g), 1);
    face_gallery_free(g);
}

/* ---- edits ------------------------------------------------------------- */

static void add4(face_gallery *g, const char *name, const char *file, float v)
{
    const float e[4] = {v, v + 1, v + 2, v + 3};
    face_err err = {{0}};
    assert_int_equal(face_gallery_add(g, name, file, e, &err), FACE_OK);
}

static void test_remove_and_find(void **state)
{
    (void)state;
    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("m", 4, &g, &err), FACE_OK);
    add4(g, "ann", "a1", 1);
    add4(g, "bob", "b1", 2);
    add4(g, "ann", "a2", 3);
    add4(g, "cat", "c1", 4);
    add4(g, "bob", "b2", 5);
    assert_int_equal(face_gallery_person_count(g), 3);
    assert_int_equal(face_gallery_find(g, "ann", "a2"), 2);
    assert_int_equal(face_gallery_find(g, "ann", "b1"), -1);
    assert_int_equal(face_gallery_find(g, "zed", "a1"), -1);

    size_t removed = 99;
    face_gallery_remove(g, "ann", &removed);
    assert_int_equal(removed, 2);
    assert_int_equal(face_gallery_count(g), 3);
    assert_int_equal(face_gallery_person_count(g), 2);
    const char *names[] = {"bob", "cat", "bob"}, *files[] = {"b1", "c1", "b2"};
    const float first[] = {2, 4, 5};
    for (size_t i = 0; i < 3; i++) {
        face_gallery_entry e = face_gallery_get(g, i);
        assert_string_equal(e.name, names[i]);
        assert_string_equal(e.file, files[i]);
        assert_true(e.emb[0] == first[i] && e.emb[3] == first[i] + 3);
    }
    assert_int_equal(face_gallery_find(g, "bob", "b2"), 2);
    assert_int_equal(face_gallery_find(g, "ann", "a1"), -1);
    face_gallery_remove(g, "nobody", &removed);
    assert_int_equal(removed, 0);

    /* The name is free again, and the others still hash right after the
     * renumbering. */
    add4(g, "ann", "a3", 9);
    assert_int_equal(face_gallery_person_count(g), 3);
    assert_int_equal(face_gallery_find(g, "ann", "a3"), 3);
    assert_int_equal(face_gallery_find(g, "cat", "c1"), 1);
    face_gallery_remove(g, "bob", NULL);
    face_gallery_remove(g, "cat", NULL);
    face_gallery_remove(g, "ann", NULL);
    assert_int_equal(face_gallery_count(g), 0);
    assert_int_equal(face_gallery_person_count(g), 0);
    face_gallery_free(g);
}

static void test_many_people(void **state)
{
    (void)state;
    /* Enough names to grow the name index several times. */
    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("m", 4, &g, &err), FACE_OK);
    char name[32], file[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "p%d", i % 1000);
        snprintf(file, sizeof file, "f%d", i);
        add4(g, name, file, (float)i);
    }
    assert_int_equal(face_gallery_person_count(g), 1000);
    assert_int_equal(face_gallery_find(g, "p999", "f2999"), 2999);
    face_gallery_remove(g, "p0", NULL);
    assert_int_equal(face_gallery_count(g), 2997);
    assert_int_equal(face_gallery_find(g, "p999", "f2999"), 2996);
    assert_string_equal(face_gallery_get(g, 0).name, "p1");
    face_gallery_free(g);
}

static void test_merge(void **state)
{
    (void)state;
    face_gallery *a = NULL, *b = NULL, *c = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("m", 4, &a, &err), FACE_OK);
    assert_int_equal(face_gallery_create("m", 4, &b, &err), FACE_OK);
    add4(a, "ann", "a1", 1);
    add4(a, "bob", "b1", 2);
    add4(b, "bob", "b1", 7); /* same (name, file) as a's: skipped, a's kept */
    add4(b, "bob", "b2", 8);
    add4(b, "dan", "d1", 9);
    size_t added = 0;
    assert_int_equal(face_gallery_merge(a, b, &added, &err), FACE_OK);
    assert_int_equal(added, 2);
    assert_int_equal(face_gallery_count(a), 4);
    assert_int_equal(face_gallery_person_count(a), 3);
    assert_true(face_gallery_get(a, 1).emb[0] == 2.0f);
    assert_string_equal(face_gallery_get(a, 2).file, "b2");
    assert_string_equal(face_gallery_get(a, 3).name, "dan");
    /* Merging again adds nothing. */
    assert_int_equal(face_gallery_merge(a, b, &added, &err), FACE_OK);
    assert_int_equal(added, 0);
    /* Another model is refused, a unchanged. */
    assert_int_equal(face_gallery_create("other", 4, &c, &err), FACE_OK);
    add4(c, "eve", "e1", 1);
    assert_int_equal(face_gallery_merge(a, c, &added, &err), FACE_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "different models: 'm' (4-D) and 'other' (4-D)"));
    assert_int_equal(face_gallery_count(a), 4);
    face_gallery_free(c);
    c = NULL;
    assert_int_equal(face_gallery_create("m", 8, &c, &err), FACE_OK);
    assert_int_equal(face_gallery_merge(a, c, &added, &err), FACE_EUNSUPPORTED);
    face_gallery_free(a);
    face_gallery_free(b);
    face_gallery_free(c);
}

/* ---- atomic saves under SIGKILL ------------------------------------------ */

#define KILL_DIM 128
#define KILL_START 64  /* entries before the first kill: a ~35 KB file */
#define KILL_ROUNDS 400

/* Entry i of the one sequence every writer follows. */
static void kill_entry(size_t i, char *name, size_t name_size, char *file, size_t file_size,
                       float *emb)
{
    snprintf(name, name_size, "person %zu", i % 7);
    snprintf(file, file_size, "enroll/%zu.jpg", i);
    for (int j = 0; j < KILL_DIM; j++) emb[j] = (float)((i * 131 + (size_t)j * 7) % 1000) / 999.0f;
}

/* The child: what enroll does, forever: load, add the next entry, save. */
static void kill_writer(const char *path)
{
    char name[32], file[64];
    float emb[KILL_DIM];
    for (;;) {
        face_gallery *g = NULL;
        face_err err;
        if (face_gallery_load(path, &g, &err) != FACE_OK) _exit(2);
        size_t n = face_gallery_count(g);
        kill_entry(n, name, sizeof name, file, sizeof file, emb);
        if (face_gallery_add(g, name, file, emb, &err) != FACE_OK) _exit(3);
        if (face_gallery_save(g, path, &err) != FACE_OK) _exit(4);
        face_gallery_free(g);
    }
}

/* The gallery on disk must be the sequence's first n entries, n >= min_n. */
static size_t check_valid_state(const char *path, size_t min_n)
{
    face_gallery *g = NULL;
    face_err err = {{0}};
    face_status st = face_gallery_load(path, &g, &err);
    if (st != FACE_OK) print_error("%s: %s\n", path, err.msg);
    assert_int_equal(st, FACE_OK);
    assert_string_equal(face_gallery_model_id(g), "kill-test");
    size_t n = face_gallery_count(g);
    if (n < min_n) print_error("gallery shrank from %zu to %zu entries\n", min_n, n);
    assert_true(n >= min_n);
    char name[32], file[64];
    float emb[KILL_DIM];
    for (size_t i = 0; i < n; i++) {
        kill_entry(i, name, sizeof name, file, sizeof file, emb);
        face_gallery_entry e = face_gallery_get(g, i);
        assert_string_equal(e.name, name);
        assert_string_equal(e.file, file);
        assert_memory_equal(e.emb, emb, sizeof emb);
    }
    face_gallery_free(g);
    return n;
}

/* Remove the temp files killed writers left; return how many there were. */
static int sweep_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    char p[512];
    for (struct dirent *de; (de = readdir(d));)
        if (strncmp(de->d_name, ".faces.db.tmp-", 14) == 0) {
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
            n++;
        }
    closedir(d);
    return n;
}

static void test_kill_during_save(void **state)
{
    (void)state;
    uint32_t seed = 20261128;
    const char *env = getenv("FACENET_KILL_SEED");
    if (env) seed = (uint32_t)strtoul(env, NULL, 10);
    if (seed == 0) seed = 1;
    const uint32_t seed0 = seed;
    char dir[] = "/tmp/test_gallery_kill_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/faces.db", dir);

    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("kill-test", KILL_DIM, &g, &err), FACE_OK);
    char name[32], file[64];
    float emb[KILL_DIM];
    for (size_t i = 0; i < KILL_START; i++) {
        kill_entry(i, name, sizeof name, file, sizeof file, emb);
        assert_int_equal(face_gallery_add(g, name, file, emb, &err), FACE_OK);
    }
    /* Time a few saves (the rest of a writer's cycle is small next to the
     * fsyncs) so that the kill window fits this machine: fast or slow, as
     * under ASan, kills land before, inside and after saves. */
    long save_us = LONG_MAX;
    for (int i = 0; i < 3; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(face_gallery_save(g, path, &err), FACE_OK);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long us = (long)(t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
        if (us < save_us) save_us = us;
    }
    face_gallery_free(g);
    long window_us = 2 * save_us + 2000;
    if (window_us > 200000) window_us = 200000;

    size_t n = KILL_START, grew = 0;
    int mid_write = 0;
    for (int round = 0; round < KILL_ROUNDS; round++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) kill_writer(path);
        long us = (long)(rng_next(&seed) % (uint32_t)window_us);
        struct timespec ts = {0, us * 1000};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int ws = 0;
        assert_int_equal(waitpid(pid, &ws, 0), pid);
        if (!(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL))
            print_error("writer ended by itself: status 0x%x\n", ws);
        assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
        size_t now = check_valid_state(path, n);
        if (now > n) grew++;
        n = now;
        mid_write += sweep_temp_files(dir);
    }
    print_message("kill test: seed %u, %d kills within 0..%ld us of the writer's start (a save "
                  "takes ~%ld us), gallery grew %zu -> %zu entries, valid after every kill; "
                  "%d kills landed while a temp file was open, %zu rounds saved at least once\n",
                  seed0, KILL_ROUNDS, window_us, save_us, (size_t)KILL_START, n, mid_write, grew);
    /* The test only means something if kills hit both states. */
    assert_true(mid_write > 0);
    assert_true(grew > 0);
    unlink(path);
    rmdir(dir);
}

/* ---- matching ------------------------------------------------------------ */

static face_gallery *make_match_gallery(void)
{
    /* 2-D points whose distances to the origin are exact in float32:
     * 3-4-5 triangles scaled by powers of two. */
    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("m", 2, &g, &err), FACE_OK);
    const struct {
        const char *name;
        float x, y;
    } pts[] = {
        {"ann", 3.0f, 4.0f},       /* 5 */
        {"bob", 0.375f, 0.5f},     /* 0.625 */
        {"ann", 0.0f, 0.25f},      /* 0.25: ann's best */
        {"cat", -0.75f, 1.0f},     /* 1.25 */
        {"bob", 0.0f, -0.625f},    /* 0.625 again: bob keeps entry 1 (earlier) */
        {"dan", 0.5f, 0.0f},       /* 0.5 */
    };
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        char file[16];
        snprintf(file, sizeof file, "%zu", i);
        const float e[2] = {pts[i].x, pts[i].y};
        assert_int_equal(face_gallery_add(g, pts[i].name, file, e, &err), FACE_OK);
    }
    return g;
}

static void test_match_euclidean(void **state)
{
    (void)state;
    face_gallery *g = make_match_gallery();
    const float q[2] = {0, 0};
    face_match m[8];
    size_t n = 0;
    face_err err = {{0}};
    assert_int_equal(face_gallery_match(g, q, FACE_METRIC_EUCLIDEAN, m, 8, &n, &err), FACE_OK);
    assert_int_equal(n, 4);
    const char *names[] = {"ann", "dan", "bob", "cat"};
    const size_t entries[] = {2, 5, 1, 3};
    const float dists[] = {0.25f, 0.5f, 0.625f, 1.25f};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(m[i].name, names[i]);
        assert_int_equal(m[i].entry, entries[i]);
        assert_true(m[i].distance == dists[i]);
    }
    /* top-2 is the head of the full list. */
    assert_int_equal(face_gallery_match(g, q, FACE_METRIC_EUCLIDEAN, m, 2, &n, &err), FACE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(m[0].name, "ann");
    assert_string_equal(m[1].name, "dan");
    assert_int_equal(face_gallery_match(g, q, FACE_METRIC_EUCLIDEAN, m, 0, &n, &err), FACE_OK);
    assert_int_equal(n, 0);

    /* The decision at the default threshold 0.6 (strictly under). */
    face_match one = {"dan", 5, 0.5f};
    assert_string_equal(face_match_decide(&one, 1, FACE_DEFAULT_THRESHOLD), "dan");
    one.distance = 0.625f;
    assert_string_equal(face_match_decide(&one, 1, FACE_DEFAULT_THRESHOLD), "unknown");
    one.distance = 0.6f;
    assert_string_equal(face_match_decide(&one, 1, 0.6f), "unknown");
    assert_string_equal(face_match_decide(NULL, 0, 0.6f), "unknown");
    /* Nearest is ann's (3, 4) at 0.75: over the threshold. */
    const float q2[2] = {3.0f, 3.25f};
    assert_int_equal(face_gallery_match(g, q2, FACE_METRIC_EUCLIDEAN, m, 1, &n, &err), FACE_OK);
    assert_string_equal(m[0].name, "ann");
    assert_int_equal(m[0].entry, 0);
    assert_true(m[0].distance == 0.75f);
    assert_string_equal(face_match_decide(m, n, FACE_DEFAULT_THRESHOLD), "unknown");
    assert_string_equal(face_match_decide(m, n, 0.8f), "ann");

    /* A non-finite query is refused. */
    const float bad[2] = {0, INFINITY};
    assert_int_equal(face_gallery_match(g, bad, FACE_METRIC_EUCLIDEAN, m, 1, &n, &err),
                     FACE_EINVAL);
    face_gallery_free(g);

    /* An empty gallery: no match, unknown. */
    assert_int_equal(face_gallery_create("m", 2, &g, &err), FACE_OK);
    assert_int_equal(face_gallery_match(g, q, FACE_METRIC_EUCLIDEAN, m, 3, &n, &err), FACE_OK);
    assert_int_equal(n, 0);
    assert_string_equal(face_match_decide(m, n, 0.6f), "unknown");
    face_gallery_free(g);
}

static void test_match_cosine(void **state)
{
    (void)state;
    const float x[2] = {1, 0}, y[2] = {0, 1}, mx[2] = {-1, 0}, x2[2] = {2, 0}, z[2] = {0, 0};
    const float d45[2] = {1, 1};
    assert_true(face_distance(x, y, 2, FACE_METRIC_COSINE) == 1.0f);
    assert_true(face_distance(x, mx, 2, FACE_METRIC_COSINE) == 2.0f);
    assert_true(face_distance(x, x2, 2, FACE_METRIC_COSINE) == 0.0f);
    assert_true(face_distance(x, z, 2, FACE_METRIC_COSINE) == 1.0f);
    /* 1 - 1/sqrt(2) */
    assert_float_equal(face_distance(x, d45, 2, FACE_METRIC_COSINE), 0.29289322f, 1e-7f);
    /* Squares over FLT_MAX: the float sums overflow, the double path answers. */
    const float big[2] = {1e30f, 1e30f}, bigx[2] = {3e38f, 0};
    assert_float_equal(face_distance(big, bigx, 2, FACE_METRIC_COSINE), 0.29289322f, 1e-7f);
    assert_true(face_distance(bigx, x2, 2, FACE_METRIC_COSINE) == 0.0f);
    assert_true(isinf(face_distance(big, x, 2, FACE_METRIC_EUCLIDEAN)));

    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("m", 2, &g, &err), FACE_OK);
    assert_int_equal(face_gallery_add(g, "east", "", x2, &err), FACE_OK);
    assert_int_equal(face_gallery_add(g, "north", "", y, &err), FACE_OK);
    assert_int_equal(face_gallery_add(g, "diag", "", d45, &err), FACE_OK);
    face_match m[3];
    size_t n = 0;
    const float q[2] = {5, 0};
    assert_int_equal(face_gallery_match(g, q, FACE_METRIC_COSINE, m, 3, &n, &err), FACE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(m[0].name, "east");
    assert_true(m[0].distance == 0.0f);
    assert_string_equal(m[1].name, "diag");
    assert_string_equal(m[2].name, "north");
    assert_true(m[2].distance == 1.0f);
    /* Where the metrics disagree: (0.4, 0.4) points exactly at diag, but in
     * Euclidean terms north (0.721) is nearer than diag (0.849). */
    const float q2[2] = {0.4f, 0.4f};
    assert_int_equal(face_gallery_match(g, q2, FACE_METRIC_COSINE, m, 1, &n, &err), FACE_OK);
    assert_string_equal(m[0].name, "diag");
    assert_int_equal(face_gallery_match(g, q2, FACE_METRIC_EUCLIDEAN, m, 1, &n, &err), FACE_OK);
    assert_string_equal(m[0].name, "north");
    face_gallery_free(g);
}

static double ref_distance(const float *a, const float *b, int dim, face_metric metric)
{
    double ab = 0, aa = 0, bb = 0, dd = 0;
    for (int j = 0; j < dim; j++) {
        ab += (double)a[j] * b[j];
        aa += (double)a[j] * a[j];
        bb += (double)b[j] * b[j];
        dd += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    }
    return metric == FACE_METRIC_COSINE ? 1.0 - ab / sqrt(aa * bb) : sqrt(dd);
}

/* The one-pass top-k against brute force (all distances in double, per
 * person minimum, sorted), on seeded random galleries of awkward sizes. */
static void test_match_vs_brute_force(void **state)
{
    (void)state;
    uint32_t seed = 777;
    print_message("top-k vs brute force: seed %u\n", seed);
    const int dims[] = {1, 7, 8, 9, 128, 131};
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        int dim = dims[di];
        face_gallery *g = make_random(seed + (uint32_t)di, dim, 60);
        size_t persons = face_gallery_person_count(g);
        float *q = malloc((size_t)dim * sizeof *q);
        assert_non_null(q);
        for (int trial = 0; trial < 20; trial++) {
            for (int j = 0; j < dim; j++) q[j] = rng_float(&seed);
            for (int mi = 0; mi < 2; mi++) {
                face_metric metric = mi ? FACE_METRIC_COSINE : FACE_METRIC_EUCLIDEAN;
                /* brute force: best distance of each person */
                double best[8];
                const char *bname[8];
                size_t nb = 0;
                for (size_t i = 0; i < face_gallery_count(g); i++) {
                    face_gallery_entry e = face_gallery_get(g, i);
                    double d = ref_distance(q, e.emb, dim, metric);
                    size_t p = 0;
                    while (p < nb && strcmp(bname[p], e.name)) p++;
                    if (p == nb) {
                        bname[nb] = e.name;
                        best[nb++] = d;
                    } else if (d < best[p]) {
                        best[p] = d;
                    }
                }
                assert_int_equal(nb, persons);
                for (size_t k = 1; k <= persons + 1; k++) {
                    face_match m[8];
                    size_t n = 0;
                    face_err err = {{0}};
                    assert_int_equal(face_gallery_match(g, q, metric, m, k, &n, &err), FACE_OK);
                    assert_int_equal(n, k < persons ? k : persons);
                    /* float vs double over `dim` terms: relative error ~ dim * 2^-24 */
                    double tol = 1e-6 + 4.0 * dim * 6e-8;
                    for (size_t r = 0; r < n; r++) {
                        size_t p = 0;
                        while (strcmp(bname[p], m[r].name)) p++;
                        assert_true(fabs(m[r].distance - best[p]) <= tol * (1.0 + best[p]));
                        /* exactly r persons are strictly nearer (ranking) */
                        size_t nearer = 0;
                        for (size_t o = 0; o < nb; o++)
                            if (best[o] < best[p] - tol) nearer++;
                        assert_true(nearer <= r);
                        if (r) assert_true(m[r - 1].distance <= m[r].distance);
                    }
                }
            }
        }
        free(q);
        face_gallery_free(g);
    }
}

/* ---- facenet-run db ------------------------------------------------------- */

/* Run cmd_db on copies of args (argv is writable), stdout and stderr
 * captured into out/errs (NUL-terminated). */
static int run_db(char *out, size_t out_size, char *errs, size_t err_size, int argc,
                  const char *const *args)
{
    char *argv[8];
    assert_true(argc <= 8);
    for (int i = 0; i < argc; i++) assert_non_null(argv[i] = strdup(args[i]));
    char tmpl_out[] = "/tmp/test_gallery_out_XXXXXX", tmpl_err[] = "/tmp/test_gallery_err_XXXXXX";
    int fo = mkstemp(tmpl_out), fe = mkstemp(tmpl_err);
    assert_true(fo >= 0 && fe >= 0);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fo, 1);
    dup2(fe, 2);
    int rc = cmd_db(argc, argv);
    for (int i = 0; i < argc; i++) free(argv[i]);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    ssize_t n = pread(fo, out, out_size - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    n = pread(fe, errs, err_size - 1, 0);
    errs[n > 0 ? n : 0] = '\0';
    close(fo);
    close(fe);
    unlink(tmpl_out);
    unlink(tmpl_err);
    return rc;
}

static void test_cli_db(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_gallery_cli_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[64], b[64], c[64], other[64];
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(b, sizeof b, "%s/b.db", dir);
    snprintf(c, sizeof c, "%s/c.db", dir);
    snprintf(other, sizeof other, "%s/other.db", dir);
    face_gallery *g = NULL;
    face_err err = {{0}};
    assert_int_equal(face_gallery_create("m1", 2, &g, &err), FACE_OK);
    const float e1[2] = {0.5f, -1.0f}, e2[2] = {3.0f, 1e-3f}, e3[2] = {-0.0f, 2.0f};
    assert_int_equal(face_gallery_add(g, "ann", "ann/1.jpg", e1, &err), FACE_OK);
    assert_int_equal(face_gallery_add(g, "Bo \"B\\\" x", "b/q\"1.png", e2, &err), FACE_OK);
    assert_int_equal(face_gallery_add(g, "ann", "ann/2.jpg", e3, &err), FACE_OK);
    assert_int_equal(face_gallery_save(g, a, &err), FACE_OK);
    face_gallery_free(g);
    g = NULL;
    assert_int_equal(face_gallery_create("m1", 2, &g, &err), FACE_OK);
    assert_int_equal(face_gallery_add(g, "ann", "ann/1.jpg", e1, &err), FACE_OK);
    assert_int_equal(face_gallery_add(g, "cy", "cy.jpg", e2, &err), FACE_OK);
    assert_int_equal(face_gallery_save(g, b, &err), FACE_OK);
    face_gallery_free(g);
    g = NULL;
    assert_int_equal(face_gallery_create("m2", 2, &g, &err), FACE_OK);
    assert_int_equal(face_gallery_save(g, other, &err), FACE_OK);
    face_gallery_free(g);

    char out[4096], errs[4096], expect[512];
    const char *list[] = {"db", "list", "--db", a};
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 4, list), CLI_EXIT_OK);
    snprintf(expect, sizeof expect,
             "# %s: model 'm1', 2-D, 3 entries, 2 people\nann\t2\nBo \"B\\\" x\t1\n", a);
    assert_string_equal(out, expect);

    const char *entries[] = {"db", "list", "--entries", "--db", a};
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 5, entries), CLI_EXIT_OK);
    assert_non_null(strstr(out, "\nann\tann/1.jpg\nBo \"B\\\" x\tb/q\"1.png\nann\tann/2.jpg\n"));

    /* export: JSON lines, quotes and backslashes escaped, %.9g floats. */
    const char *exp[] = {"db", "export", "--db", a};
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 4, exp), CLI_EXIT_OK);
    assert_string_equal(out,
                        "{\"name\": \"ann\", \"file\": \"ann/1.jpg\", \"embedding\": [0.5, -1]}\n"
                        "{\"name\": \"Bo \\\"B\\\\\\\" x\", \"file\": \"b/q\\\"1.png\", "
                        "\"embedding\": [3, 0.00100000005]}\n"
                        "{\"name\": \"ann\", \"file\": \"ann/2.jpg\", \"embedding\": [-0, 2]}\n");

    /* merge: into c via --out, a untouched; b's copy of ann/1.jpg skipped. */
    const char *merge[] = {"db", "merge", a, b, "--out", c};
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 6, merge), CLI_EXIT_OK);
    assert_int_equal(face_gallery_load(c, &g, &err), FACE_OK);
    assert_int_equal(face_gallery_count(g), 4);
    assert_string_equal(face_gallery_get(g, 3).name, "cy");
    face_gallery_free(g);
    g = NULL;
    assert_int_equal(face_gallery_load(a, &g, &err), FACE_OK);
    assert_int_equal(face_gallery_count(g), 3);
    face_gallery_free(g);
    g = NULL;
    const char *merge_bad[] = {"db", "merge", a, other};
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 4, merge_bad), CLI_EXIT_FATAL);
    assert_non_null(strstr(errs, "different models: 'm1' (2-D) and 'm2' (2-D)"));

    /* rm: one name found, one not: exit 1, the found one removed and saved. */
    const char *rm[] = {"db", "rm", "ann", "nobody", "--db", a};
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 6, rm), CLI_EXIT_PARTIAL);
    assert_non_null(strstr(errs, "removed 2 entries of 'ann'"));
    assert_non_null(strstr(errs, "no entries named 'nobody'"));
    assert_int_equal(face_gallery_load(a, &g, &err), FACE_OK);
    assert_int_equal(face_gallery_count(g), 1);
    face_gallery_free(g);
    g = NULL;

    /* A damaged gallery: exit 3 and the reason after the path. */
    FILE *f = fopen(b, "r+b");
    assert_non_null(f);
    fseek(f, 9, SEEK_SET);
    fputc(7, f);
    fclose(f);
    const char *list_b[] = {"db", "list", "--db", b};
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 4, list_b), CLI_EXIT_FATAL);
    snprintf(expect, sizeof expect, "%s: offset 8: version is 1793", b);
    assert_non_null(strstr(errs, expect));

    /* Usage errors. */
    const char *none[] = {"db"};
    const char *bad_action[] = {"db", "frob"};
    const char *rm_nothing[] = {"db", "rm"};
    const char *out_on_list[] = {"db", "list", "--out", c};
    const char *no_file[] = {"db", "list", "--db"};
    const char *help[] = {"db", "--help"};
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 1, none), CLI_EXIT_USAGE);
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 2, bad_action), CLI_EXIT_USAGE);
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 2, rm_nothing), CLI_EXIT_USAGE);
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 4, out_on_list), CLI_EXIT_USAGE);
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 3, no_file), CLI_EXIT_USAGE);
    assert_int_equal(run_db(out, sizeof out, errs, sizeof errs, 2, help), CLI_EXIT_OK);
    assert_non_null(strstr(out, "exit codes"));

    unlink(a);
    unlink(b);
    unlink(c);
    unlink(other);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_load),
        cmocka_unit_test(test_crc_reference),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_truncation_fails),
        cmocka_unit_test(test_every_flipped_byte_fails),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_entry_errors),
        cmocka_unit_test(test_wrong_model),
        cmocka_unit_test(test_add_rejects_bad_input),
        cmocka_unit_test(test_remove_and_find),
        cmocka_unit_test(test_many_people),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_kill_during_save),
        cmocka_unit_test(test_match_euclidean),
        cmocka_unit_test(test_match_cosine),
        cmocka_unit_test(test_match_vs_brute_force),
        cmocka_unit_test(test_cli_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
