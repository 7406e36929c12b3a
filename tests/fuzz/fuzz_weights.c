/*
 * fuzz_weights.c - libFuzzer target for the .fnw reader (weights/read.c).
 * `make fuzz` builds it; run e.g. build/fuzz/fuzz_weights -max_len=4096.
 * A good seed is a small valid file: build/test_weights_seed.fnw, written by
 * tests/test_weights when FNW_SEED is set in the environment.
 *
 * Every input must either load (then every tensor value and node field is
 * touched, so ASan sees any view that points outside the file) or fail with
 * a message; nothing may crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weights/weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wts_model *m = NULL;
    wts_err err;
    wts_status s = wts_load_memory(data, size, "fuzz", &m, &err);
    if (s != WTS_OK) {
        /* the message must be filled and terminated */
        if (strlen(err.msg) == 0 || strlen(err.msg) >= sizeof err.msg) __builtin_trap();
        return 0;
    }
    float sum = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        const wts_tensor *t = &m->tensors[i];
        for (size_t k = 0; k < t->count; k++) sum += t->f32[k];
        sum += (float)strlen(t->name);
    }
    for (int i = 0; i < m->n_nodes; i++) {
        const wts_node *n = &m->nodes[i];
        for (int j = 0; j < n->n_inputs; j++)
            if (n->inputs[j] != WTS_NONE && n->inputs[j] >= m->n_values) __builtin_trap();
        for (int j = 0; j < n->n_outputs; j++)
            if (n->outputs[j] >= m->n_values) __builtin_trap();
        for (int j = 0; j < n->n_attrs; j++) sum += (float)n->attrs[j].i;
    }
    volatile float sink = sum;
    (void)sink;
    wts_free(m);
    return 0;
}
