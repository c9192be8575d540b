/* One option parser behaviour for every subcommand (#17 item 4).
 *
 * GOption does the parsing; before it, the command line is checked against
 * the subcommand's entries so that the errors are fragsim's own, one line,
 * naming the subcommand: an unknown option (with the nearest known one), a
 * value missing, a value that is not a whole number (or out of range).  A
 * short option's attached value is split off first (`-s7`, `-j2`, `-wchurn`,
 * as make and Slurm users type them), which GOption would read as a group
 * of short flags. */
#ifndef FS_OPTIONS_H
#define FS_OPTIONS_H

#include <glib.h>
#include <stdbool.h>

/* Parses *argc and *argv with ctx, whose main entries are `entries` (NULL
 * terminated).  On success *argv holds the program name and the positional
 * arguments, as after g_option_context_parse (the strings stay valid until
 * exit).  On failure nothing is parsed and the error is one line without
 * the subcommand's name (callers print "fragsim: CMD: " before it); cmd
 * names the subcommand in the hint "fragsim CMD --help lists the options". */
bool fsi_cli_parse(GOptionContext *ctx, const GOptionEntry *entries, const char *cmd, int *argc, char ***argv,
                   GError **error);

#endif
