// SPDX-License-Identifier: GPL-2.0-or-later
/* Running the tools brdctl leaves a job to (mkfs, resize2fs, xfs_growfs):
 * their output is collected, and shown as ours only when they fail or with
 * --verbose, so that a success is quiet and stdout stays brdctl's own. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "cmd.h"

/* Print what a tool said, line by line, as ours (journal-friendly). */
void cmd_relay_output(const char *obj, const char *prog, char *out)
{
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		fprintf(stderr, "%s: %s: %s: %s\n", G.prog, obj, prog, l);
}

/* Start argv[0] (from PATH) with stdin on /dev/null and its stdout and
 * stderr into a pipe, whose read end is *fd.  Returns its pid or -errno. */
pid_t cmd_spawn_piped(char *const argv[], int *fd)
{
	int pfd[2], err;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(pfd[0]);
		close(pfd[1]);
		return -err;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	*fd = pfd[0];
	return pid;
}

/* Read @fd to its end and close it.  Returns what was read, NUL-terminated
 * (up to about 1 MiB is kept, the rest dropped), or NULL if nothing or no
 * memory. */
char *cmd_read_all(int fd)
{
	size_t len = 0, cap = 0;
	char *out = NULL;

	for (;;) {
		char buf[4096];
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (len + (size_t)r + 1 > cap && cap < (1u << 20)) {
			char *n = realloc(out, cap = (len + (size_t)r + 1) * 2);

			if (!n) {
				cap = 0;
				continue;
			}
			out = n;
		}
		if (len + (size_t)r + 1 <= cap) {
			memcpy(out + len, buf, (size_t)r);
			len += (size_t)r;
		}
	}
	close(fd);
	if (out)
		out[len] = '\0';
	return out;
}

int cmd_run_quiet(const char *obj, char *const argv[])
{
	int status, fd = -1;
	char *out;
	pid_t pid;

	pid = cmd_spawn_piped(argv, &fd);
	if (pid < 0)
		return pid;
	out = cmd_read_all(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			int rc = -errno;

			free(out);
			return rc;
		}
	if (out && (G.verbose || !WIFEXITED(status) || WEXITSTATUS(status)))
		cmd_relay_output(obj, argv[0], out);
	free(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
