/*
 * fuzz-profile.c - libFuzzer harness for drift-check's profiles
 * (lib/profile.c).
 *
 *	make fuzz && build-fuzz/fuzz-profile -dict=tests/fuzz/profile.dict
 *
 * The input is a profile file.  Besides crashes, sanitizer reports, leaks
 * and hangs, it checks profile.h's promises:
 *   - a file that is refused has the error set, as bad input (exit 2);
 *   - a file that is accepted is whole: written again and read back it
 *     gives the same text, byte for byte;
 *   - everything a check reads from an accepted profile works on it: the
 *     summaries, the counts of categories, the distances and bins from
 *     the sketches, the histograms, and a merge into the profile itself
 *     (a copy) whose text reads back too.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "profile.h"
#include "statdist.h"

static void use_columns(struct profile *p)
{
	int i, n = profile_ncols(p);

	for (i = 0; i < n; i++) {
		struct profile_col *a = profile_col_at(p, i);
		struct profile_col *b = profile_col_at(p, (i + 1) % n);
		struct profile_summary s, sb;
		struct statdist_bins bins;
		size_t *r, *c, k, nh, nv;
		int64_t *ha, *hb;
		double first, width, *v, d;

		profile_col_summary(a, &s);
		if (profile_counts(a, b, &r, &c, &k) == 0) {
			free(r);
			free(c);
		}
		err_clear();
		profile_distinct_union(a, b);
		if (profile_values(a, &v, &nv))
			free(v);
		d = profile_ks_stat(a, b) + profile_wasserstein1(a, b) +
		    profile_energy(a, b) + profile_cdf(a, s.mean) +
		    profile_rank_error(a);
		profile_col_summary(b, &sb);
		if (s.n && sb.n && isfinite(s.mean) && !(d >= 0))
			abort();	/* a distance that is NaN or negative */
		profile_bins(a, b, &bins);
		statdist_bins_release(&bins);
		nh = profile_histogram(a, b, &first, &width, &ha, &hb);
		(void)nh;
		free(ha);
		free(hb);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p, *q, *m;
	char *t1, *t2;
	size_t l1, l2;

	p = profile_read_buf("fuzz", (const char *)data, size);
	if (!p) {
		if (err_code() != EXIT_USAGE || !*err_msg())
			abort();	/* refused without a proper error */
		err_clear();
		return 0;
	}
	t1 = profile_to_json(p, &l1);
	q = profile_read_buf("again", t1, l1);
	if (!q)
		abort();	/* our own text refused */
	t2 = profile_to_json(q, &l2);
	if (l1 != l2 || memcmp(t1, t2, l1))
		abort();	/* not the same text again */
	free(t2);
	use_columns(p);
	m = profile_read_buf("copy", t1, l1);
	if (!m || profile_merge(m, q) < 0)
		abort();
	t2 = profile_to_json(m, &l2);
	profile_free(m);
	m = profile_read_buf("merged", t2, l2);
	if (!m)
		abort();	/* a merge's text refused */
	use_columns(m);
	profile_free(m);
	free(t1);
	free(t2);
	profile_free(p);
	profile_free(q);
	err_clear();
	return 0;
}
