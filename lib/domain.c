/* domain.c - see domain.h.  The one place that names every domain. */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "domain.h"
#include "drifthist.h"
#include "err.h"
#include "fstore.h"
#include "piperun.h"
#include "registry.h"
#include "runs.h"

/* In the order their tables appear in bundles: append only. */
static const struct domain *const builtin[] = {
	&catalog_domain,
	&runs_domain,
	&fs_domain,
	&pipe_domain,
	&registry_domain,
	&drift_domain,
	NULL
};

static const struct domain *const *current = builtin;

const struct domain *const *domain_list(void)
{
	return current;
}

void domain_list_set(const struct domain *const *list)
{
	current = list ? list : builtin;
}

const char *const *domain_migrations(void)
{
	static const char **list;
	static const struct domain *const *built_for;
	const struct domain *const *d;
	int max = 0, i;

	if (list && built_for == current)
		return list;
	free(list);
	for (d = current; *d; d++)
		for (i = 0; (*d)->migrations && (*d)->migrations[i].sql; i++)
			if ((*d)->migrations[i].version > max)
				max = (*d)->migrations[i].version;
	list = xcalloc(max + 1, sizeof(*list));
	for (d = current; *d; d++)
		for (i = 0; (*d)->migrations && (*d)->migrations[i].sql; i++) {
			int v = (*d)->migrations[i].version;

			if (v < 1 || list[v - 1])
				die(3, "catalog migration %d of domain '%s' is "
				    "given twice", v, (*d)->name);
			list[v - 1] = (*d)->migrations[i].sql;
		}
	for (i = 0; i < max; i++)
		if (!list[i])
			die(3, "catalog migration %d is missing", i + 1);
	built_for = current;
	return list;
}

const struct domain_table *domain_find_table(const char *name, size_t *pos,
					     const struct domain **owner)
{
	const struct domain *const *d;
	size_t n = 0;
	int i;

	for (d = current; *d; d++)
		for (i = 0; (*d)->tables && (*d)->tables[i].name; i++, n++)
			if (!strcmp((*d)->tables[i].name, name)) {
				if (pos)
					*pos = n;
				if (owner)
					*owner = *d;
				return &(*d)->tables[i];
			}
	return NULL;
}
