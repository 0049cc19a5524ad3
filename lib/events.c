/* events.c - see events.h */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "mltime.h"
#include "opt.h"
#include "strbuf.h"

const char *events_who(void)
{
	static char who[512];
	char host[256] = "localhost";
	const char *user = getenv("USER");

	if (who[0])
		return who;
	if (!user || !*user) {
		struct passwd *pw = getpwuid(getuid());

		user = pw ? pw->pw_name : "unknown";
	}
	if (gethostname(host, sizeof(host) - 1) < 0)
		memcpy(host, "localhost", 10);
	host[sizeof(host) - 1] = '\0';
	snprintf(who, sizeof(who), "%s@%s", user, host);
	return who;
}

int events_random_hex(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t got = 0;
	int i;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error("cannot get random bytes: %s",
				     strerror(errno));
		}
		got += n;
	}
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

static char *argv_json(void)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	strbuf_addch(&sb, '[');
	for (i = 0; i < tool_argc; i++) {
		if (i)
			strbuf_addch(&sb, ',');
		strbuf_add_json_str(&sb, tool_argv[i]);
	}
	strbuf_addch(&sb, ']');
	return strbuf_detach(&sb, NULL);
}

int events_add(sqlite3 *db, const char *action, const char *subject,
	       const char *detail)
{
	sqlite3_stmt *st;
	char uid[33];
	char *argv;
	int rc;

	if (events_random_hex(uid) < 0)
		return -1;
	st = db_prepare(db, "INSERT INTO events(uid, time, who, tool, argv,"
			    " action, subject, detail) VALUES (?,?,?,?,?,?,?,?)");
	if (!st)
		return -1;
	argv = argv_json();
	db_bind_text(st, 1, uid);
	db_bind_int64(st, 2, mltime_now());
	db_bind_text(st, 3, events_who());
	db_bind_text(st, 4, err_progname());
	db_bind_text(st, 5, argv);
	db_bind_text(st, 6, action);
	db_bind_text(st, 7, subject);
	db_bind_text(st, 8, detail);
	rc = db_step(st);
	sqlite3_finalize(st);
	free(argv);
	return rc == SQLITE_DONE ? 0 : -1;
}
