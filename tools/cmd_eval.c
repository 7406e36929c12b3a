/* cmd_eval.c - facenet-run eval (placeholder until its issue lands). */
#include "tools/cli.h"

int cmd_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_implemented("eval");
}
