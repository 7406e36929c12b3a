/* cmd_convert.c - facenet-run convert (placeholder until its issue lands). */
#include "tools/cli.h"

int cmd_convert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_implemented("convert");
}
