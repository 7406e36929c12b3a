/*
 * cascade_internal.h - the validated cascade shared by face/cascade.c (which
 * builds it) and face/detect.c (which runs it). Nothing outside face/
 * includes it.
 */
#ifndef FACE_CASCADE_INTERNAL_H
#define FACE_CASCADE_INTERNAL_H

#include "face/face.h"

struct face_cascade {
    face_cascade_def def; /* owned copy, validated */
    int max_tree_nodes;   /* 1: every tree is a stump (OpenCV's predictOrderedStump path) */
    int has_tilted;       /* some feature needs the tilted integral image */
};

/* OpenCV subtracts this from every stage threshold when it loads a cascade
 * (CascadeClassifierImpl::Data::read, THRESHOLD_EPS), in float. */
#define FACE_CASCADE_THRESHOLD_EPS 1e-5f

#endif
