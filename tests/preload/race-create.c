/*
 * LD_PRELOAD shim for tests: at the first fsync() of the process, create
 * the file named by $RACE_CREATE_PATH, as another program racing with
 * "brdctl bitmap create" would between its existence check and its rename.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fsync(int fd)
{
	static int (*real_fsync)(int);
	static int done;
	const char *path = getenv("RACE_CREATE_PATH");
	static const char msg[] = "written by another program\n";

	if (!real_fsync)
		real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (path && !done) {
		int f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		done = 1;
		if (f >= 0) {
			if (write(f, msg, strlen(msg)) < 0)
				_exit(99);
			close(f);
		}
	}
	return real_fsync(fd);
}
