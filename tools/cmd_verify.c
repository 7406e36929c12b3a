/* cmd_verify.c - facenet-run verify (placeholder until its issue lands). */
#include "tools/cli.h"

int cmd_verify(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_implemented("verify");
}
