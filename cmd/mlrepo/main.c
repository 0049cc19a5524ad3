#include "err.h"
#include "opt.h"
static const char *const usage[] = { "mlrepo [-C DIR] [--repo PATH] COMMAND [ARGS]", NULL };
static const struct subcommand subs[] = { { NULL, NULL, NULL } };
static const struct tool tool = { "mlrepo", usage, subs, NULL };
int main(int argc, char **argv) { return tool_main(&tool, argc, argv); }
