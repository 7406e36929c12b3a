/*
 * fuzz_tfjs.c - libFuzzer target for the tfjs weights manifest reader of the
 * converters (tools/tfjs.c: a JSON parser, then the tensor cutter).
 *
 * Input: manifest JSON, a NUL byte, then the bytes standing for every
 * group's shards. `make fuzz` links only the library sources, so the tools
 * file is compiled in here. Seeds: any manifest, e.g.
 *   printf '[{"paths":["a"],"weights":[{"name":"w","shape":[2],"dtype":"float32",
 *   "quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]\0\1\2' > seed
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tools/tfjs.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;
    const uint8_t *blob = nul ? nul + 1 : data + size;
    size_t blob_len = size - text_len - (nul ? 1 : 0);
    tfjs_weights w;
    char err[256];
    if (tfjs_load_memory((const char *)data, text_len, blob, blob_len, &w, err, sizeof err) != 0) {
        if (strlen(err) == 0) __builtin_trap();
        return 0;
    }
    float sum = 0;
    for (int i = 0; i < w.n; i++)
        for (size_t k = 0; k < w.t[i].count; k++) sum += w.t[i].data[k];
    volatile float sink = sum;
    (void)sink;
    tfjs_free(&w);
    return 0;
}
