/*
 * cli.h - the subcommands of ./facenet-run, one file each (tools/cmd_NAME.c),
 * and the exit codes they share.
 *
 * Each cmd_* gets argv with argv[0] == the subcommand's name, prints its own
 * --help, and returns one of the exit codes below.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>

enum {
    CLI_EXIT_OK = 0,      /* everything done */
    CLI_EXIT_PARTIAL = 1, /* batch finished, but some inputs were bad (each reported) */
    CLI_EXIT_USAGE = 2,   /* bad command line */
    CLI_EXIT_FATAL = 3    /* nothing could be done: model, cascade or gallery unusable */
};

int cmd_embed(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_identify(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_eval(int argc, char **argv);

/* Shared by the stubs of subcommands that are not written yet. */
int cli_not_implemented(const char *name);

/* tools/synth_resnet29.c: dlib ResNet-29 with random weights (for benches,
 * which time the network without a model file). *g must be destroyed with
 * nn_graph_destroy before *weights is freed. Returns 0, or -1 with a reason. */
struct nn_graph;
int synth_resnet29(struct nn_graph **g, float **weights, char *err, size_t err_cap);

#endif
