// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/ramdisk/record.c: one directory per kind under
 * /run/brdctl, names that cannot meet, the flat layout migrated. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/ramdisk/applied.h"
#include "../../lib/ramdisk/persist.h"
#include "../../lib/ramdisk/record.h"
#include "../../lib/base/sysfs.h"

static char root[64];

static int setup(void **state)
{
	char p[4200];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-record.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(p, sizeof(p), "%s/run", root);
	if (mkdir(p, 0755) < 0)
		return -1;
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

/* the sorted entries of /run/brdctl/@sub, one line each */
static char *listing(const char *sub)
{
	static char out[4096];
	char cmd[4300];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "cd '%s/run/brdctl/%s' && ls -A | sort", root, sub);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	pclose(f);
	out[n] = '\0';
	return out;
}

static char *link_of(const char *sub, const char *name)
{
	static char buf[256];
	char p[4300];
	ssize_t n;

	snprintf(p, sizeof(p), "%s/run/brdctl/%s/%s", root, sub, name);
	n = readlink(p, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

/* Lines "x" and "x.brdtab" (and "x@image"'s would-be neighbours) have
 * records of every kind, and none touches another's. */
static void test_names_coexist(void **state)
{
	char image[256], other[64], *line;
	int64_t ns;

	(void)state;
	assert_int_equal(brd_applied_save("x", "x 1G\n"), 0);
	assert_int_equal(brd_applied_link("x", "/dev/ram0p1"), 0);
	assert_int_equal(brd_persist_record("x", "/srv/x.img", 1), 0);
	assert_int_equal(brd_applied_save("x.brdtab", "x.brdtab 2G\n"), 0);
	assert_int_equal(brd_applied_link("x.brdtab", "/dev/ram0p2"), 0);
	assert_int_equal(brd_persist_record("x.brdtab", "/srv/y.img", 2), 0);
	assert_string_equal(listing(""), "applied\ndev\nimage\n");
	assert_string_equal(listing("applied"), "x\nx.brdtab\n");
	assert_string_equal(listing("dev"), "x\nx.brdtab\n");
	assert_string_equal(listing("image"), "x\nx.brdtab\n");
	assert_int_equal(brd_applied_load("x", &line), 0);
	assert_string_equal(line, "x 1G");
	free(line);
	assert_int_equal(brd_applied_load("x.brdtab", &line), 0);
	assert_string_equal(line, "x.brdtab 2G");
	free(line);
	assert_string_equal(link_of("dev", "x"), "/dev/ram0p1");
	assert_string_equal(link_of("dev", "x.brdtab"), "/dev/ram0p2");
	assert_int_equal(brd_persist_lookup("x.brdtab", image, sizeof(image), &ns), 0);
	assert_string_equal(image, "/srv/y.img");
	assert_int_equal(brd_applied_other("x", other, sizeof(other)), 1);
	assert_string_equal(other, "x.brdtab");
	/* removing one leaves the other whole */
	assert_int_equal(brd_applied_remove("x.brdtab"), 0);
	assert_int_equal(brd_persist_forget("x.brdtab"), 0);
	assert_string_equal(listing("applied"), "x\n");
	assert_string_equal(listing("dev"), "x\n");
	assert_string_equal(listing("image"), "x\n");
	assert_int_equal(brd_applied_other("x", other, sizeof(other)), 0);
	assert_int_equal(brd_persist_lookup("x", image, sizeof(image), &ns), 0);
	assert_string_equal(image, "/srv/x.img");
}

/* A temporary file is never read as a record, and none is left. */
static void test_no_temporary_left(void **state)
{
	char other[64], p[4300];
	FILE *f;

	(void)state;
	for (int i = 0; i < 50; i++) {
		assert_int_equal(brd_applied_save("a", "a 1G\n"), 0);
		assert_int_equal(brd_applied_link("a", "/dev/ram1"), 0);
	}
	assert_string_equal(listing("applied"), "a\n");
	assert_string_equal(listing("dev"), "a\n");
	/* one a crash left behind */
	snprintf(p, sizeof(p), "%s/run/brdctl/applied/b~123.0.1", root);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(brd_applied_other("a", other, sizeof(other)), 0);
	/* the directories are not followed when they are links */
	snprintf(p, sizeof(p), "ln -s /tmp '%s/run/brdctl/image'",
		 root);
	assert_int_equal(system(p), 0);
	assert_int_equal(brd_persist_record("a", "/x.img", 0), -ENOTDIR);
}

static void put(const char *rel, const char *text)
{
	char p[4300];
	FILE *f;

	snprintf(p, sizeof(p), "%s/run/brdctl/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void put_link(const char *rel, const char *target)
{
	char p[4300];

	snprintf(p, sizeof(p), "%s/run/brdctl/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* The flat layout of earlier versions is moved, once, to the new one. */
static void test_migrate(void **state)
{
	char p[4300], image[256], *line;
	int64_t ns;

	(void)state;
	snprintf(p, sizeof(p), "%s/run/brdctl", root);
	assert_int_equal(mkdir(p, 0755), 0);
	put("x.brdtab", "x 1G\n");		/* line x's record */
	put_link("x", "/dev/ram0p1");		/* ... its link */
	put("x@image", "5\n/srv/x.img\n");	/* ... its image */
	put_link("x.brdtab.brdtab", "/dev/ram0p3");	/* a line "x.brdtab.brdtab" */
	put_link("applied", "/dev/ram0p2");	/* a line named "applied" */
	put("db.brdtab", "db 2G\n");
	put("stale@image", "1\n/old.img\n");
	put("junk", "not a record\n");		/* neither: left alone */
	put("bad name.brdtab", "x\n");		/* breaks the rule: left */
	/* already in the new layout: newer than the flat one */
	snprintf(p, sizeof(p), "%s/run/brdctl/image", root);
	assert_int_equal(mkdir(p, 0755), 0);
	put("image/stale", "9\n/new.img\n");

	assert_int_equal(brd_applied_load("x", &line), 0);
	assert_string_equal(line, "x 1G");
	free(line);
	assert_string_equal(listing(""), "applied\nbad name.brdtab\ndev\nimage\njunk\n");
	assert_string_equal(listing("applied"), "db\nx\n");
	assert_string_equal(listing("dev"), "applied\nx\nx.brdtab.brdtab\n");
	assert_string_equal(listing("image"), "stale\nx\n");
	assert_string_equal(link_of("dev", "applied"), "/dev/ram0p2");
	assert_string_equal(link_of("dev", "x"), "/dev/ram0p1");
	assert_int_equal(brd_persist_lookup("x", image, sizeof(image), &ns), 0);
	assert_string_equal(image, "/srv/x.img");
	assert_true(ns == 5);
	assert_int_equal(brd_persist_lookup("stale", image, sizeof(image), &ns), 0);
	assert_string_equal(image, "/new.img");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names_coexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_temporary_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
