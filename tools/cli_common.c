/* cli_common.c - small helpers shared by the subcommands. */
#include "tools/cli.h"

#include <stdio.h>

int cli_not_implemented(const char *name)
{
    fprintf(stderr, "facenet-run %s: not implemented yet\n", name);
    return CLI_EXIT_FATAL;
}
