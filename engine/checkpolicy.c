/* Placeholder until this subcommand lands. */
#include <stdio.h>

#include "engine/commands.h"

int fsi_cmd_check_policy(int argc, char **argv) {
  (void)argc;
  fprintf(stderr, "fragsim: %s: not available yet\n", argv[0]);
  return 1;
}
