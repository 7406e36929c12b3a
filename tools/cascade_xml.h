/*
 * cascade_xml.h - OpenCV's cascade XML (the opencv_traincascade format:
 * cascade/stages/weakClassifiers/internalNodes/leafValues, features with
 * rects and tilted) into a face_cascade_def, which face_cascade_encode turns
 * into our own file (face/CASCADE_FORMAT.md). Used by the cascade-convert
 * tool and by `facenet-run detect --cascade FILE.xml`.
 */
#ifndef TOOLS_CASCADE_XML_H
#define TOOLS_CASCADE_XML_H

#include <stddef.h>

#include "face/face.h"

/* XML documents bigger than this are refused (OpenCV's biggest cascade is 2.7 MB). */
#define TOOLS_CASCADE_XML_MAX_BYTES ((size_t)64 << 20)

/* Parse xml[0..len) into *def (arrays malloc'd; free with face_cascade_def_free).
 * Haar features only; LBP and the old "opencv-haar-classifier" format give
 * FACE_EUNSUPPORTED. err names the line, the element and the rule broken.
 * The def is not yet validated against the window: face_cascade_from_def or
 * face_cascade_encode do that. */
face_status tools_cascade_xml_parse(const char *xml, size_t len, face_cascade_def *def, face_err *err);

/* tools_cascade_xml_parse of a whole file. */
face_status tools_cascade_xml_load(const char *path, face_cascade_def *def, face_err *err);

/* Load a cascade from either of our files or an OpenCV XML file (told apart
 * by the first bytes), converting XML in memory. */
face_status tools_cascade_load_any(const char *path, face_cascade **out, face_err *err);

#endif
