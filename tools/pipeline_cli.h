/*
 * pipeline_cli.h - what enroll, identify and verify share on the command
 * line: the pipeline's options, opening it with a message, the list of
 * image files under a path, JSON strings, the progress bar and the
 * annotated picture.
 */
#ifndef TOOLS_PIPELINE_CLI_H
#define TOOLS_PIPELINE_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "tools/pipeline.h"

/* The --help lines of the options pcli_parse_opt takes. */
extern const char pcli_opts_help[];

/* If argv[*i] is a pipeline option, consume it (and its value: *i moves on)
 * into o and return 1; 0 if it is not one; -1 after printing
 * "facenet-run CMD: ..." for a missing or bad value. */
int pcli_parse_opt(const char *cmd, int argc, char **argv, int *i, pipe_opts *o);

/* pipe_open, printing "facenet-run CMD: reason" on failure (returns NULL). */
pipeline *pcli_open(const char *cmd, const pipe_opts *o);

/* Parse an integer lo..hi / a finite number; 0 on success. */
int pcli_int(const char *s, long lo, long hi, long *out);
int pcli_double(const char *s, double *out);

/* s as a JSON string, quotes included. */
void pcli_json_string(FILE *f, const char *s);

/* A growing list of paths (malloc'd strings). */
typedef struct pcli_list {
    char **items; /* [n] */
    size_t n, cap;
} pcli_list;
void pcli_list_free(pcli_list *l);
int pcli_list_add(pcli_list *l, const char *s); /* 0, or -1 out of memory */

/* Names in directory dir (no "." files), sorted; dirs_only 1: only
 * subdirectories, 0: only the rest. -1 with errno set if dir cannot be read. */
int pcli_dir_entries(const char *dir, int dirs_only, pcli_list *out);

/* path joined: "a/b" (no double slash). malloc'd, NULL when out of memory. */
char *pcli_join(const char *a, const char *b);

/* Progress on stderr when it is a terminal: "\r[####    ] k/n label". */
typedef struct pcli_progress {
    int on;
    size_t total;
} pcli_progress;
void pcli_progress_init(pcli_progress *pr, size_t total);
void pcli_progress_show(pcli_progress *pr, size_t done, const char *label);
/* Erase the bar before printing a message (no-op when it is off). */
void pcli_progress_clear(pcli_progress *pr);

/* A copy of img in RGB (gray replicated); 0, or -1 out of memory. */
int pcli_to_rgb(const face_image *img, face_image *rgb);

#endif
