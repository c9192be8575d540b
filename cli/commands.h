/* Subcommands implemented outside main.c.  Each takes the argv of its own
 * command line (argv[0] is the subcommand name) and returns the exit code. */
#ifndef FS_COMMANDS_H
#define FS_COMMANDS_H

int fsi_cmd_compare(int argc, char **argv);      /* cli/compare.c */
int fsi_cmd_plot(int argc, char **argv);         /* cli/plot.c */
int fsi_cmd_report(int argc, char **argv);       /* cli/report.c */
int fsi_cmd_check_policy(int argc, char **argv); /* cli/check-policy.c */

#endif
