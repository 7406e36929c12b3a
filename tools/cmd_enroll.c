/* cmd_enroll.c - facenet-run enroll (placeholder until its issue lands). */
#include "tools/cli.h"

int cmd_enroll(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_implemented("enroll");
}
