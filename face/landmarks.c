/*
 * landmarks.c - the 68-point landmark net on our runtime: a .fnw model
 * (made by tools/fnw-convert-landmarks68 from face-api's
 * face_landmark_68_model) loaded with weights/, run with nn/ (contract in
 * face.h, "alignment").
 *
 * Per box: face_landmark_input crops and resizes it to 112x112 (face/align.c),
 * the model's metadata gives the normalisation ((pixel - mean) / std), the
 * graph runs at batch 1, and face_landmarks_from_net maps its 136 outputs
 * back to image coordinates.
 */
#include "face/image_internal.h"

#include <math.h>
#include <stdlib.h>

#include "nn/nn.h"
#include "weights/weights.h"

struct face_landmarker {
    wts_model *model;
    nn_graph *graph;
    nn_plan *plan;
    float *input;  /* [112][112][3], normalised */
    float *output; /* [136] */
};

void face_landmarker_close(face_landmarker *lm)
{
    if (!lm) return;
    nn_plan_destroy(lm->plan);
    nn_graph_destroy(lm->graph);
    wts_free(lm->model);
    free(lm->input);
    free(lm->output);
    free(lm);
}

face_status face_landmarker_open(const char *path, face_landmarker **out, face_err *err)
{
    if (!path || !out) return face_codec_fail(err, FACE_EINVAL, "landmarker: NULL argument");
    face_landmarker *lm = calloc(1, sizeof *lm);
    if (!lm) return face_codec_fail(err, FACE_ENOMEM, "landmarker: out of memory");
    wts_err werr;
    wts_status ws = wts_load(path, &lm->model, &werr);
    if (ws == WTS_OK) ws = wts_build_graph(lm->model, path, &lm->graph, &werr);
    if (ws != WTS_OK) {
        face_landmarker_close(lm);
        return face_codec_fail(err, ws == WTS_EIO ? FACE_EIO : FACE_EFORMAT, "%s", werr.msg);
    }
    const wts_meta *m = &lm->model->meta;
    if (m->input_h != FACE_LANDMARK_INPUT || m->input_w != FACE_LANDMARK_INPUT ||
        m->input_c != 3 || m->channel_order != WTS_RGB || m->preprocess != WTS_PRE_MEAN_STD ||
        m->output_dim != 2 * FACE_LANDMARK_COUNT) {
        face_status st = face_codec_fail(
            err, FACE_EUNSUPPORTED,
            "model '%s' takes %dx%dx%d input and gives %d outputs: a 68-point landmark model "
            "takes 112x112x3 RGB (mean/std preprocessing) and gives 136",
            m->name, m->input_h, m->input_w, m->input_c, m->output_dim);
        face_landmarker_close(lm);
        return st;
    }
    if (nn_plan_create(lm->graph, 1, NULL, &lm->plan) != NN_OK) {
        face_status st = face_codec_fail(err, FACE_EFORMAT, "planning the graph: %s",
                                         nn_graph_error(lm->graph));
        face_landmarker_close(lm);
        return st;
    }
    lm->input = malloc(sizeof *lm->input * FACE_LANDMARK_INPUT * FACE_LANDMARK_INPUT * 3);
    lm->output = malloc(sizeof *lm->output * 2 * FACE_LANDMARK_COUNT);
    if (!lm->input || !lm->output) {
        face_landmarker_close(lm);
        return face_codec_fail(err, FACE_ENOMEM, "landmarker: out of memory");
    }
    *out = lm;
    return FACE_OK;
}

face_status face_landmarks_detect(face_landmarker *lm, const face_image *img, double x, double y,
                                  double w, double h, face_point *pts, face_err *err)
{
    if (!lm || !img || !pts) return face_codec_fail(err, FACE_EINVAL, "landmarks: NULL argument");
    face_status st = face_landmark_input(img, x, y, w, h, lm->input, err);
    if (st != FACE_OK) return st;
    const wts_meta *m = &lm->model->meta;
    const size_t n = (size_t)FACE_LANDMARK_INPUT * FACE_LANDMARK_INPUT;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++)
            lm->input[3 * i + c] = (lm->input[3 * i + c] - m->mean[c]) / m->std[c];
    const float *ins[1] = {lm->input};
    float *outs[1] = {lm->output};
    if (nn_run(lm->plan, ins, outs) != NN_OK)
        return face_codec_fail(err, FACE_EFORMAT, "running the landmark model: %s",
                               nn_plan_error(lm->plan));
    for (int i = 0; i < 2 * FACE_LANDMARK_COUNT; i++)
        if (!isfinite(lm->output[i]))
            return face_codec_fail(err, FACE_EFORMAT, "landmark model output %d is not finite", i);
    face_landmarks_from_net(lm->output, x, y, w, h, pts);
    return FACE_OK;
}
