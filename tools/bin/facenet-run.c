/*
 * facenet-run - who is in these photos?  The command-line front end: it
 * only dispatches to tools/cmd_NAME.c.
 */
#include "tools/cli.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"enroll", cmd_enroll, "add DIR/<person>/<images> to a gallery"},
    {"identify", cmd_identify, "name every face in photos, annotated image out"},
    {"verify", cmd_verify, "are two photos the same person?"},
    {"detect", cmd_detect, "face boxes only (Viola-Jones cascade)"},
    {"embed", cmd_embed, "embeddings of faces or aligned crops"},
    {"db", cmd_db, "list, remove, merge, export gallery entries"},
    {"eval", cmd_eval, "LFW verification and detection quality"},
    {"bench", cmd_bench, "time the model"},
    {"convert", cmd_convert, "decode any supported image, write PPM/PGM/PNG"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: facenet-run COMMAND [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'facenet-run COMMAND --help' describes each command.\n"
               "exit codes: 0 ok, 1 some inputs failed (each reported, the rest done),\n"
               "            2 bad command line, 3 fatal (model, cascade or gallery unusable)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "facenet-run: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
