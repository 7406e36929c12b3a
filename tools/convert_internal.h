/*
 * convert_internal.h - converters from foreign weights into our .fnw model
 * (weights/weights.h), shared by the programs in tools/bin/ and the tests.
 */
#ifndef CONVERT_INTERNAL_H
#define CONVERT_INTERNAL_H

#include <stddef.h>

#include "tools/tfjs_internal.h"
#include "weights/weights.h"

/* How a conversion treats per-channel affine / batch-norm layers. */
typedef enum cvt_fold {
    CVT_FOLD = 0, /* fold them into the preceding convolution (the default) */
    CVT_KEEP = 1  /* keep them as AFFINE nodes after a plain convolution */
} cvt_fold;

/* dlib's ResNet-29 face descriptor as shipped in npm @vladmandic/face-api
 * (model/face_recognition_model*): the layer graph of its
 * src/faceRecognitionNet/ over the tensors in w. source names where w
 * came from (stored in the file's metadata). On success *out is a writer
 * ready to save; on failure returns -1 with a reason in err. */
int cvt_faceapi_resnet29(const tfjs_weights *w, cvt_fold fold, const char *source,
                         wts_writer **out, char *err, size_t err_len);

#endif
