/*
 * embedder.c - model file + face crop -> embedding (see embedder_internal.h).
 */
#include "tools/embedder_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "ops/ops.h"

struct embedder {
    wts_model *model;
    nn_graph *graph;
    nn_plan *plan;
    float *input;  /* [input_h][input_w][input_c], preprocessed */
    float *output; /* [output_dim] */
};

int embedder_open(const char *path, int threads, embedder **out, char *err, size_t err_len)
{
    embedder *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, err_len, "%s: out of memory", path);
        return -1;
    }
    wts_err werr;
    wts_status s = wts_load(path, &e->model, &werr);
    if (s == WTS_OK) s = wts_build_graph(e->model, path, &e->graph, &werr);
    if (s != WTS_OK) {
        snprintf(err, err_len, "%s", werr.msg);
        embedder_close(e);
        return -1;
    }
    nn_plan_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.threads = threads;
    if (nn_plan_create(e->graph, 1, &opts, &e->plan) != NN_OK) {
        snprintf(err, err_len, "%s: planning the graph: %s", path, nn_graph_error(e->graph));
        embedder_close(e);
        return -1;
    }
    const wts_meta *m = &e->model->meta;
    e->input = malloc(sizeof *e->input * (size_t)m->input_h * m->input_w * m->input_c);
    e->output = malloc(sizeof *e->output * (size_t)m->output_dim);
    if (!e->input || !e->output) {
        snprintf(err, err_len, "%s: out of memory", path);
        embedder_close(e);
        return -1;
    }
    *out = e;
    return 0;
}

void embedder_close(embedder *e)
{
    if (!e) return;
    free(e->input);
    free(e->output);
    nn_plan_destroy(e->plan);
    nn_graph_destroy(e->graph);
    wts_free(e->model);
    free(e);
}

const wts_meta *embedder_meta(const embedder *e)
{
    return &e->model->meta;
}

const wts_model *embedder_model(const embedder *e)
{
    return e->model;
}

size_t embedder_arena_bytes(const embedder *e)
{
    return nn_plan_arena_bytes(e->plan);
}

int embedder_run(embedder *e, const face_image *img, float *out, char *err, size_t err_len)
{
    const wts_meta *m = &e->model->meta;
    int mc = m->input_c;
    if (img->w < 1 || img->h < 1 || (img->channels != 1 && img->channels != 3)) {
        snprintf(err, err_len, "image of %dx%d with %d channels: not usable", img->w, img->h,
                 img->channels);
        return -1;
    }
    /* pixels as floats in the model's channel count and order */
    size_t n = (size_t)img->w * img->h;
    float *px = malloc(sizeof *px * n * (size_t)mc);
    if (!px) {
        snprintf(err, err_len, "out of memory for a %dx%d image", img->w, img->h);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = img->px + i * (size_t)img->channels;
        if (mc == 1) {
            /* ITU-R BT.601 luma for a colour image given to a gray model */
            px[i] = img->channels == 1 ? s[0] : 0.299f * s[0] + 0.587f * s[1] + 0.114f * s[2];
        } else {
            float r = s[0], g = s[img->channels == 3 ? 1 : 0], b = s[img->channels == 3 ? 2 : 0];
            px[i * 3 + 0] = m->channel_order == WTS_BGR ? b : r;
            px[i * 3 + 1] = g;
            px[i * 3 + 2] = m->channel_order == WTS_BGR ? r : b;
        }
    }
    size_t count = (size_t)m->input_h * m->input_w * mc;
    if (img->w == m->input_w && img->h == m->input_h) {
        for (size_t i = 0; i < count; i++) e->input[i] = px[i];
    } else {
        ops_nhwc in = {1, img->h, img->w, mc};
        ops_resize_bilinear_f32(px, in, m->input_h, m->input_w, 0, e->input);
    }
    free(px);

    if (m->preprocess == WTS_PRE_MEAN_STD) {
        for (size_t i = 0; i < count; i++) {
            int c = (int)(i % (size_t)mc);
            e->input[i] = (e->input[i] - m->mean[c]) / m->std[c];
        }
    } else if (m->preprocess == WTS_PRE_PREWHITEN) {
        double sum = 0, sq = 0;
        for (size_t i = 0; i < count; i++) sum += e->input[i];
        double mean = sum / (double)count;
        for (size_t i = 0; i < count; i++) sq += (e->input[i] - mean) * (e->input[i] - mean);
        double sd = sqrt(sq / (double)count), floor_sd = 1.0 / sqrt((double)count);
        if (sd < floor_sd) sd = floor_sd;
        for (size_t i = 0; i < count; i++) e->input[i] = (float)((e->input[i] - mean) / sd);
    }

    const float *ins[1] = {e->input};
    float *outs[1] = {e->output};
    if (nn_run(e->plan, ins, outs) != NN_OK) {
        snprintf(err, err_len, "running the model: %s", nn_plan_error(e->plan));
        return -1;
    }
    for (int i = 0; i < m->output_dim; i++) out[i] = e->output[i];
    if (m->l2_normalise) ops_l2norm_f32(out, 1, m->output_dim, 1e-12f, out);
    return 0;
}
