#include "err.h"
#include <stdlib.h>
#include "profile.h"
#include "drift.h"
struct profile *profile_new(void) { abort(); }
void profile_free(struct profile *p) { if (p) abort(); }
int64_t profile_rows(const struct profile *p) { (void)p; abort(); }
void profile_add_row(struct profile *p) { (void)p; abort(); }
int profile_ncols(const struct profile *p) { (void)p; abort(); }
struct profile_col *profile_col_at(struct profile *p, int i) { (void)p;(void)i; abort(); }
struct profile_col *profile_col(struct profile *p, const char *name, int create) { (void)p;(void)name;(void)create; abort(); }
const char *profile_col_name(const struct profile_col *c) { (void)c; abort(); }
void profile_add_number(struct profile_col *c, double v) { (void)c;(void)v; abort(); }
void profile_add_text(struct profile_col *c, const char *s, size_t len) { (void)c;(void)s;(void)len; abort(); }
void profile_add_missing(struct profile_col *c) { (void)c; abort(); }
int profile_merge(struct profile *dst, const struct profile *src) { (void)dst;(void)src; abort(); }
int profile_write(const struct profile *p, const char *path) { (void)p;(void)path; abort(); }
struct profile *profile_read(const char *path) { (void)path; abort(); }
int profile_is_profile(const char *path) { (void)path; return 0; }
void profile_col_summary(const struct profile_col *c, struct profile_summary *s) { (void)c;(void)s; abort(); }
int64_t profile_distinct_union(const struct profile_col *a, const struct profile_col *b) { (void)a;(void)b; abort(); }
int profile_counts(const struct profile_col *a, const struct profile_col *b, size_t **ref, size_t **cur, size_t *k) { (void)a;(void)b;(void)ref;(void)cur;(void)k; abort(); }
int profile_values(const struct profile_col *c, double **v, size_t *n) { (void)c;(void)v;(void)n; abort(); }
double profile_ks_stat(const struct profile_col *a, const struct profile_col *b) { (void)a;(void)b; abort(); }
double profile_wasserstein1(const struct profile_col *a, const struct profile_col *b) { (void)a;(void)b; abort(); }
double profile_energy(const struct profile_col *a, const struct profile_col *b) { (void)a;(void)b; abort(); }
void profile_bins(const struct profile_col *a, const struct profile_col *b, struct statdist_bins *out) { (void)a;(void)b;(void)out; abort(); }
