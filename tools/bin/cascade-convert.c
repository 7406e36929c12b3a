/*
 * cascade-convert - OpenCV cascade XML to our cascade file
 * (face/CASCADE_FORMAT.md), validated by reading it back.
 *
 *   build/cascade-convert IN.xml OUT.fncascade
 */
#include <stdio.h>
#include <stdlib.h>

#include "face/face.h"
#include "tools/cascade_xml.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: cascade-convert IN.xml OUT.fncascade\n"
                        "Converts an OpenCV (opencv_traincascade format) Haar cascade.\n");
        return 2;
    }
    face_cascade_def def;
    face_err err = {{0}};
    if (tools_cascade_xml_load(argv[1], &def, &err) != FACE_OK) {
        fprintf(stderr, "cascade-convert: %s: %s\n", argv[1], err.msg);
        return 3;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    face_cascade *check = NULL;
    if (face_cascade_encode(&def, &bytes, &len, &err) != FACE_OK ||
        face_cascade_decode(bytes, len, &check, &err) != FACE_OK) {
        fprintf(stderr, "cascade-convert: %s: %s\n", argv[1], err.msg);
        face_cascade_def_free(&def);
        free(bytes);
        return 3;
    }
    FILE *f = fopen(argv[2], "wb");
    int ok = f && fwrite(bytes, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) {
        fprintf(stderr, "cascade-convert: %s: cannot write\n", argv[2]);
        remove(argv[2]);
    } else {
        printf("%s: %dx%d window, %d stages, %d trees, %d nodes, %d features, %zu bytes\n", argv[2], def.win_w,
               def.win_h, def.n_stages, def.n_trees, def.n_nodes, def.n_features, len);
    }
    face_cascade_free(check);
    face_cascade_def_free(&def);
    free(bytes);
    return ok ? 0 : 3;
}
