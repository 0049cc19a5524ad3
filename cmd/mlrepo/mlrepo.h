/*
 * mlrepo.h - the subcommands of the mlrepo tool, one file each group.  A
 * subcommand finds what its setup flags ask for open (setup.h).
 */
#ifndef MLREPO_CMD_MLREPO_H
#define MLREPO_CMD_MLREPO_H

int cmd_init(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_hash_object(int argc, char **argv);
int cmd_cat_object(int argc, char **argv);
int cmd_fsck(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_bundle(int argc, char **argv);

#endif
