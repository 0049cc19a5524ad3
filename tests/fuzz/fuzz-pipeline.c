/*
 * fuzz-pipeline.c - libFuzzer harness for the pipeline file (lib/pipeline):
 * the input is written to a pipeline.ini in a private directory, read,
 * given an -S override when it names a param, and built into the graph.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "pipeline.h"
#include "strbuf.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipeline p = PIPELINE_INIT;
	struct strbuf sb = STRBUF_INIT;
	FILE *f;

	if (!path[0]) {
		char dir[] = "/tmp/fuzz-pipeline-XXXXXX";

		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/pipeline.ini", dir);
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (pipeline_read(&p, path) == 0) {
		if (p.nr_params)
			pipeline_set_param(&p, p.params[0].name, "x y");
		if (pipeline_build(&p) == 0) {
			pipeline_dot(&p, &sb);
			pipeline_mermaid(&p, &sb);
		}
	}
	err_clear();
	strbuf_release(&sb);
	pipeline_release(&p);
	return 0;
}
