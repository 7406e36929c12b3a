/*
 * fuzz_cascade_xml.c - libFuzzer target for the OpenCV cascade XML reader
 * (tools/cascade_xml.c). `make fuzz` links the library sources only, so the
 * converter's one source file is compiled into this target directly.
 * Whatever parses must validate or be refused with a message, never crash.
 *
 * Build: make fuzz. Seed: a few cut-down files from /usr/share/opencv4/haarcascades.
 * Run:   build/fuzz/fuzz_cascade_xml -max_total_time=600 -max_len=65536 CORPUS
 */
#include "tools/cascade_xml.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    face_cascade_def def;
    face_err err = {{0}};
    face_status st = tools_cascade_xml_parse((const char *)data, size, &def, &err);
    if (st != FACE_OK) {
        if (err.msg[0] == '\0') abort();
        return 0;
    }
    face_cascade *c = NULL;
    err.msg[0] = 0;
    if (face_cascade_from_def(&def, &c, &err) != FACE_OK && err.msg[0] == '\0') abort();
    face_cascade_free(c);
    face_cascade_def_free(&def);
    return 0;
}
