/* fuzz-config.c - libFuzzer harness for the git-config parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c = CONFIG_INIT;
	size_t i;

	if (config_parse_buf(&c, "fuzz", (const char *)data, size) == 0) {
		for (i = 0; i < c.nr; i++) {
			char *k = config_entry_fullkey(&c.entries[i]);

			config_get(&c, k);
			free(k);
		}
	}
	err_clear();
	config_release(&c);
	return 0;
}
