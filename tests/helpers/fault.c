/*
 * fault.c - an LD_PRELOAD shim that makes write(2) and fsync(2) fail, for
 * the fault-injection tests (tests/t0008-faults.sh).
 *
 *   FAULT_WRITE_LIMIT=N   writes to regular files fail with ENOSPC once N
 *                         bytes in all have been written to them
 *   FAULT_FSYNC=1         fsync and fdatasync fail with EIO
 *
 * Only regular files are affected, so the tool can still report the error
 * on stderr.  Built as build/tests/helpers/libfault.so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static long long written;

static int is_regular(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static ssize_t over_limit(int fd, size_t n)
{
	const char *lim = getenv("FAULT_WRITE_LIMIT");

	if (!lim || !is_regular(fd))
		return 0;
	if (written + (long long)n > atoll(lim)) {
		errno = ENOSPC;
		return -1;
	}
	written += n;
	return 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);

	if (!real)
		real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (over_limit(fd, n) < 0)
		return -1;
	return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (!real)
		real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	if (over_limit(fd, n) < 0)
		return -1;
	return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}

int fsync(int fd)
{
	static int (*real)(int);

	if (getenv("FAULT_FSYNC")) {
		errno = EIO;
		return -1;
	}
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return real(fd);
}

int fdatasync(int fd)
{
	static int (*real)(int);

	if (getenv("FAULT_FSYNC")) {
		errno = EIO;
		return -1;
	}
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return real(fd);
}
