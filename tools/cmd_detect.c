/* cmd_detect.c - facenet-run detect (placeholder until its issue lands). */
#include "tools/cli.h"

int cmd_detect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_implemented("detect");
}
