/*
 * fuzz-pipelock.c - libFuzzer harness for pipeline.lock (lib/pipestate):
 * the input is written to a lock file in a private directory and read
 * with pipe_lock_load(); when it reads, every stage's entry is listed
 * the way staleness and checkout walk it, an entry is set and the
 * in-memory file re-read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "pipe-int.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipe_lockfile l;
	FILE *f;

	if (!path[0]) {
		char dir[] = "/tmp/fuzz-pipelock-XXXXXX";

		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/pipeline.lock", dir);
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (pipe_lock_load(path, &l) == 0) {
		cJSON *e, *x, *set = cJSON_CreateObject();

		cJSON_ArrayForEach(e, l.stages)
		{
			if (!pipe_lock_get(&l, e->string))
				abort(); /* a listed stage is found */
			cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(
						      e, "outs"))
			{
				char *p = pipe_file_path(x);

				if (strlen(p) > strlen(x->string))
					abort();
				free(p);
			}
		}
		cJSON_AddStringToObject(set, "cmd", "true");
		pipe_lock_set(&l, "fuzzed", set);
		if (!pipe_lock_get(&l, "fuzzed"))
			abort();
		/* the file is unchanged: nothing is read again */
		if (pipe_lock_refresh(path, &l) < 0 ||
		    !pipe_lock_get(&l, "fuzzed"))
			abort();
		cJSON_Delete(set);
		pipe_lock_release(&l);
	}
	err_clear();
	return 0;
}
