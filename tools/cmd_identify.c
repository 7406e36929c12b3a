/* cmd_identify.c - facenet-run identify (placeholder until its issue lands). */
#include "tools/cli.h"

int cmd_identify(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_implemented("identify");
}
