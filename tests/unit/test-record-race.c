// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Two processes write the same records under /run/brdctl while a third
 * reads them (issue 18.3): no write may fail and the reader must never see
 * a torn record, only one writer's whole record or the other's.  Uses only
 * the records' public functions (persist.h, applied.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/ramdisk/applied.h"
#include "../../lib/ramdisk/persist.h"
#include "../../lib/base/sysfs.h"

#define WRITES	1000

static char root[] = "/tmp/test-record-race.XXXXXX";
static char image_a[2048], image_b[64], line_a[3000], line_b[64];

static int setup(void **state)
{
	char p[4200];

	(void)state;
	if (!mkdtemp(root))
		return -1;
	snprintf(p, sizeof(p), "%s/run", root);
	if (mkdir(p, 0755) < 0)
		return -1;
	/* records of very different lengths: a torn one shows */
	memset(image_a, 'a', sizeof(image_a) - 1);
	image_a[0] = '/';
	snprintf(image_b, sizeof(image_b), "/b.img");
	snprintf(line_a, sizeof(line_a), "x 1G ext4 \"/mnt/%.2000s\"", image_a + 1);
	snprintf(line_b, sizeof(line_b), "x 2G");
	return brd_set_root(root);
}

static int teardown(void **state)
{
	char p[4200];

	(void)state;
	brd_set_root(NULL);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	return system(p);
}

/* A writer: WRITES times each record; exits with the count of failures
 * (capped). */
static pid_t writer(const char *image, const char *line)
{
	pid_t pid = fork();
	int fails = 0;

	if (pid)
		return pid;
	for (int i = 0; i < WRITES; i++) {
		fails += brd_persist_record("x", image, i) != 0;
		fails += brd_applied_save("x", line) != 0;
	}
	_exit(fails > 100 ? 100 : fails);
}

static void test_two_writers_one_reader(void **state)
{
	char image[4096], *line;
	int status, torn = 0, reads = 0, live = 2, failed = 0;
	pid_t a, b;

	(void)state;
	assert_int_equal(brd_persist_record("x", image_b, 0), 0);
	assert_int_equal(brd_applied_save("x", line_b), 0);
	a = writer(image_a, line_a);
	b = writer(image_b, line_b);
	assert_true(a > 0 && b > 0);
	while (live) {
		int64_t ns;
		int rc = brd_persist_lookup("x", image, sizeof(image), &ns);

		if (rc || (strcmp(image, image_a) && strcmp(image, image_b)))
			torn++;
		rc = brd_applied_load("x", &line);
		if (rc || (strcmp(line, line_a) && strcmp(line, line_b)))
			torn++;
		if (!rc)
			free(line);
		reads += 2;
		for (pid_t p; (p = waitpid(-1, &status, WNOHANG)) > 0; live--) {
			print_message("writer %d: %d failed writes\n", (int)p,
				      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			failed += !WIFEXITED(status) || WEXITSTATUS(status);
		}
	}
	print_message("%d reads, %d torn\n", reads, torn);
	assert_int_equal(failed, 0);
	assert_true(reads > 100);
	assert_int_equal(torn, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_writers_one_reader, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
