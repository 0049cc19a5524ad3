/* mlrepo.h - the subcommands of the mlrepo tool, one file each group. */
#ifndef MLREPO_CMD_MLREPO_H
#define MLREPO_CMD_MLREPO_H

struct repo;

int cmd_init(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_hash_object(int argc, char **argv);
int cmd_cat_object(int argc, char **argv);
int cmd_fsck(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_bundle(int argc, char **argv);

/* Open the repository or report why not; NULL means return err_report(). */
struct repo *open_repo_or_report(int *status);

#endif
