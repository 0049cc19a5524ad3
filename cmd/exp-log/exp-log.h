/*
 * exp-log.h - the subcommands of exp-log.  Each finds the repository and
 * the catalog open (the_repo, the_catalog: setup.h) once its options are
 * parsed.
 */
#ifndef MLREPO_CMD_EXPLOG_H
#define MLREPO_CMD_EXPLOG_H

#include <sqlite3.h>

#include "runs.h"
#include "setup.h"

/* -r RUN, as every command that takes a run has it. */
#define OPT_RUN(v) \
	OPT_STRING('r', "run", (v), "RUN", "the run (default: $MLREPO_RUN)")

int cmd_start(int argc, char **argv);
int cmd_param(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_metric(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_end(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_artifact(int argc, char **argv);
int cmd_get_artifact(int argc, char **argv);
int cmd_input(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_experiments(int argc, char **argv);
int cmd_best(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_mv(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
