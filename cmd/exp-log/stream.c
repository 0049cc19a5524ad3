/* stream.c - exp-log log: a stream of metrics, params and tags */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "exp-log.h"
#include "opt.h"
#include "runfeed.h"
#include "runs.h"

static const char *const usage_log[] = {
	"exp-log log [-r RUN] [--protocol] [FILE|-]", NULL
};

int cmd_log(int argc, char **argv)
{
	const char *run = NULL, *file = "-", *shown;
	char id[RUN_ID_HEX + 1];
	struct runfeed *feed = NULL;
	int fd = 0, status = 0, whole, protocol = 0;
	struct stat st;
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_BOOL(0, "protocol", &protocol,
			 "read a command's output: only ::metric, ::param and "
			 "::tag lines"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_log, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 2)
		return opt_usage_error(usage_log, "give one FILE or -");
	if (argc == 2)
		file = argv[1];
	if (strcmp(file, "-")) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			error_input("cannot open '%s': %s", file,
				    strerror(errno));
			return err_report();
		}
	}
	shown = strcmp(file, "-") ? file : "<stdin>";
	/* a file goes in whole or not at all; a live stream in batches */
	whole = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		error_input("'%s' is a directory", shown);
		goto fail;
	}
	if ((status = setup_now()))
		goto out;
	if (runs_resolve(the_catalog, run, id) < 0)
		goto fail;
	feed = runfeed_new(the_catalog, id);
	if (runfeed_read(feed, fd, shown, whole ? st.st_size : -1,
			 protocol ? RUNFEED_PROTOCOL_ONLY : 0) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	runfeed_free(feed);
	if (fd > 0)
		close(fd);
	return status;
}
