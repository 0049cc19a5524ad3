/*
 * fuzz-bundle.c - libFuzzer harness for unbundling: the input is written to
 * a file and unbundled into a scratch repository, which must never crash
 * and never write outside itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bundle.h"
#include "err.h"
#include "fsutil.h"
#include "opt.h"
#include "repo.h"

static struct repo *repo;
static char dir[] = "/tmp/fuzz-bundle.XXXXXX";
static char file[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_stats st;
	FILE *fp;

	if (!repo) {
		int created;
		char path[4200];

		if (!mkdtemp(dir))
			abort();
		if (repo_init(dir, 0, &created) < 0)
			abort();
		snprintf(path, sizeof(path), "%s/.mlrepo", dir);
		gopt.repo = xstrdup(path);
		repo = repo_open();
		if (!repo)
			abort();
		snprintf(file, sizeof(file), "%s/in.tar.gz", dir);
	}
	fp = fopen(file, "wb");
	if (!fp)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	bundle_unbundle(repo, file, &st);
	strbuf_release(&st.conflicts);
	err_clear();
	return 0;
}
