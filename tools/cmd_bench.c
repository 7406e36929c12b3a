/* cmd_bench.c - facenet-run bench (placeholder until its issue lands). */
#include "tools/cli.h"

int cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_implemented("bench");
}
