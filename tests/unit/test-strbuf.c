/*
 * test-strbuf.c - the string list of lib/strbuf.c: appends copies, finds,
 * sorts in byte order dropping repeats, releases to a reusable empty list.
 */
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "tap.h"

static void test_strlist(void)
{
	struct strlist l = STRLIST_INIT;
	char word[8];
	size_t i;

	strcpy(word, "lr");
	strlist_add(&l, word);
	strcpy(word, "xx"); /* the list keeps its own copy */
	strlist_add(&l, "epochs");
	strlist_add(&l, "lr");
	strlist_add(&l, "Z");
	strlist_add(&l, "");
	is_int((long long)l.n, 5, "five added");
	is_str(l.v[0], "lr", "a copy, not the caller's buffer");
	ok(strlist_has(&l, "epochs") && strlist_has(&l, ""),
	   "has finds an added string, the empty one too");
	ok(!strlist_has(&l, "xx") && !strlist_has(&l, "l"),
	   "has is exact: no prefix, no stale buffer");
	strlist_sort_uniq(&l);
	is_int((long long)l.n, 4, "the repeated lr dropped");
	is_str(l.v[0], "", "byte order: empty first");
	is_str(l.v[1], "Z", "then capitals");
	is_str(l.v[2], "epochs", "then lower case");
	is_str(l.v[3], "lr", "lr once");
	strlist_release(&l);
	ok(l.n == 0 && l.v == NULL, "released to empty");
	for (i = 0; i < 1000; i++)
		strlist_add(&l, i % 2 ? "b" : "a");
	strlist_sort_uniq(&l);
	ok(l.n == 2 && !strcmp(l.v[0], "a") && !strcmp(l.v[1], "b"),
	   "a reused list grows and sorts 1000 entries down to 2");
	strlist_release(&l);
	strlist_sort_uniq(&l);
	is_int((long long)l.n, 0, "sorting an empty list is fine");
}

int main(void)
{
	test_strlist();
	return tap_done();
}
