/*
 * fuzz_eval.c - libFuzzer target for the two text readers of
 * `facenet-run eval` (tools/eval.c): LFW pairs files and dlib imglab XML.
 * `make fuzz` links the library sources only, so tools/eval.c is compiled
 * into this target directly. The first byte picks the reader; whatever is
 * refused must come with a message, whatever parses must be consistent.
 *
 * Build: make fuzz. Seeds: heads of ../shared/data/lfw-view1/pairsDev*.txt
 * and ../shared/data/detection/dlib_faces/testing.xml.
 * Run:   build/fuzz/fuzz_eval -max_total_time=600 -max_len=65536 CORPUS
 */
#include "tools/eval.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char err[512] = "";
    if (data[0] & 1) {
        eval_truth t;
        if (eval_truth_parse(text, len, &t, err, sizeof err) != 0) {
            if (err[0] == '\0') abort();
            return 0;
        }
        for (int i = 0; i < t.n; i++)
            for (int k = 0; k < t.images[i].n_boxes; k++)
                if (t.images[i].boxes[k].w < 1 || t.images[i].boxes[k].h < 1) abort();
        eval_truth_free(&t);
    } else {
        eval_pairs p;
        if (eval_pairs_parse(text, len, &p, err, sizeof err) != 0) {
            if (err[0] == '\0') abort();
            return 0;
        }
        if (p.n != (size_t)p.n_folds * (size_t)p.per_fold * 2) abort();
        for (size_t i = 0; i < p.n; i++)
            if (p.pairs[i].num_a < 1 || p.pairs[i].num_b > EVAL_MAX_IMAGE_NUM ||
                p.pairs[i].fold >= p.n_folds)
                abort();
        eval_pairs_free(&p);
    }
    return 0;
}
