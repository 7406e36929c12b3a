/* cmd_db.c - facenet-run db (placeholder until its issue lands). */
#include "tools/cli.h"

int cmd_db(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_implemented("db");
}
