/*
 * convert_landmarks68_internal.h - the converter of face-api's 68-point
 * landmark net (tools/convert_landmarks68.c), shared by
 * tools/bin/fnw-convert-landmarks68.c and the tests.
 */
#ifndef CONVERT_LANDMARKS68_INTERNAL_H
#define CONVERT_LANDMARKS68_INTERNAL_H

#include <stddef.h>

#include "tools/tfjs_internal.h"
#include "weights/weights.h"

/* face-api's FaceLandmark68Net as shipped in npm @vladmandic/face-api
 * (model/face_landmark_68_model*): the layer graph of its
 * src/faceFeatureExtractor/ + src/faceLandmarkNet/ over the tensors in w.
 * source names where w came from (stored in the metadata). On success *out
 * is a writer ready to save; on failure returns -1 with a reason in err. */
int cvt_faceapi_landmarks68(const tfjs_weights *w, const char *source, wts_writer **out,
                            char *err, size_t err_len);

#endif
