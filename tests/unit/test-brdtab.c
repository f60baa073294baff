// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/ramdisk/brdtab.c: the brdtab(5) parser and its checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/ramdisk/brdplan.h"
#include "../../lib/ramdisk/brdtab.h"
#include "../../lib/ramdisk/trust.h"
#include "../../lib/base/sysfs.h"

static struct brdtab *parse(const char *text)
{
	struct brdtab *tab = NULL;

	assert_int_equal(brdtab_parse_buffer("t.tab", text, strlen(text), &tab), 0);
	assert_non_null(tab);
	return tab;
}

static void dump_errors(const struct brdtab *tab)
{
	for (size_t i = 0; i < tab->nerr; i++)
		print_message("  %s:%u: %s\n", tab->file, tab->err[i].line,
			      tab->err[i].msg);
}

/* parse fine, n entries */
static struct brdtab *good(const char *text, size_t n)
{
	struct brdtab *tab = parse(text);

	if (tab->nerr) {
		dump_errors(tab);
		fail_msg("unexpected errors in:\n%s", text);
	}
	assert_int_equal(tab->n, n);
	return tab;
}

/* an error on @line whose message contains @sub */
static void has_error(const struct brdtab *tab, unsigned int line, const char *sub)
{
	for (size_t i = 0; i < tab->nerr; i++)
		if (tab->err[i].line == line && strstr(tab->err[i].msg, sub))
			return;
	dump_errors(tab);
	fail_msg("no error on line %u containing '%s'", line, sub);
}

/* exactly one error, on @line, containing @sub */
static void bad(const char *text, unsigned int line, const char *sub)
{
	struct brdtab *tab = parse(text);

	if (tab->nerr != 1) {
		dump_errors(tab);
		fail_msg("%zu errors, expected 1 (line %u: %s) in:\n%s", tab->nerr,
			 line, sub, text);
	}
	has_error(tab, line, sub);
	brdtab_free(tab);
}

static void test_full_line(void **state)
{
	struct brdtab *tab;
	const struct brdtab_entry *e;

	(void)state;
	tab = good("ram0 1G ext4:-m\\ 0 /scratch noatime,nodev build:staff 0750\n", 1);
	e = &tab->ent[0];
	assert_int_equal(e->line, 1);
	assert_string_equal(e->spec, "ram0");
	assert_string_equal(e->name, "ram0");
	assert_int_equal(e->kind, BRDTAB_WHOLE);
	assert_int_equal(e->num, 0);
	assert_int_equal(e->size, 1ULL << 30);
	assert_string_equal(e->fstype, "ext4");
	assert_string_equal(e->mkfs_opts, "-m 0");
	assert_string_equal(e->mkfs_argv[0], "-m");
	assert_string_equal(e->mkfs_argv[1], "0");
	assert_null(e->mkfs_argv[2]);
	assert_string_equal(e->target, "/scratch");
	assert_string_equal(e->options, "noatime,nodev");
	assert_string_equal(e->owner, "build");
	assert_string_equal(e->group, "staff");
	assert_false(e->owner_group);
	assert_true(e->has_mode);
	assert_int_equal(e->mode, 0750);
	assert_int_equal(e->uid, (uid_t)-1);
	assert_false(tab->pooled);
	brdtab_free(tab);
}

static void test_minimal_and_dashes(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = good("/dev/ram3 64M\nram4 64M - - - - -\nram5 64M ext4\n"
		   "ram6 64M xfs /a defaults\n", 4);
	assert_string_equal(tab->ent[0].name, "ram3");
	assert_int_equal(tab->ent[0].num, 3);
	assert_null(tab->ent[0].fstype);
	assert_null(tab->ent[1].fstype);
	assert_null(tab->ent[1].target);
	assert_false(tab->ent[1].has_mode);
	assert_null(tab->ent[1].owner);
	assert_string_equal(tab->ent[2].fstype, "ext4");
	assert_null(tab->ent[2].mkfs_opts);
	assert_non_null(tab->ent[2].mkfs_argv);
	assert_null(tab->ent[2].mkfs_argv[0]);
	assert_null(tab->ent[2].target);
	assert_null(tab->ent[3].options);	/* "defaults" */
	brdtab_free(tab);
}

static void test_comments_blanks_quotes(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = good("# a comment\n"
		   "\n"
		   "   \t  \n"
		   "  # indented comment\n"
		   "ram0 16M \"ext4:-L my scratch -m 0\" /mnt/a  # trailing comment\r\n"
		   "ram1 16M ext4:\"-E lazy_itable_init=0\" \"/mnt/with space\" - 0:0\n"
		   "ram2 16M ext4 /mnt/hash\\#x\n"
		   "ram3 16M ext4:-Lq\"\\\"\"x /mnt/q", 4);
	assert_int_equal(tab->ent[0].line, 5);
	assert_string_equal(tab->ent[0].mkfs_opts, "-L my scratch -m 0");
	assert_string_equal(tab->ent[0].mkfs_argv[1], "my");
	assert_string_equal(tab->ent[0].target, "/mnt/a");
	assert_int_equal(tab->ent[1].line, 6);
	assert_string_equal(tab->ent[1].mkfs_opts, "-E lazy_itable_init=0");
	assert_string_equal(tab->ent[1].target, "/mnt/with space");
	assert_string_equal(tab->ent[1].owner, "0");
	assert_string_equal(tab->ent[1].group, "0");
	assert_string_equal(tab->ent[2].target, "/mnt/hash#x");
	assert_int_equal(tab->ent[3].line, 8);	/* no final newline */
	assert_string_equal(tab->ent[3].mkfs_opts, "-Lq\"x");
	assert_string_equal(tab->ent[3].target, "/mnt/q");
	brdtab_free(tab);

	tab = good("", 0);
	brdtab_free(tab);
	tab = good("# only comments\n\n", 0);
	brdtab_free(tab);
}

static void test_mount_point_normalised(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = good("ram0 4M ext4 //srv//cache/\n", 1);
	assert_string_equal(tab->ent[0].target, "/srv/cache");
	brdtab_free(tab);
	bad("ram0 4M ext4 relative/dir\n", 1, "is not an absolute path");
	bad("ram0 4M ext4 /\n", 1, "is the root directory");
	bad("ram0 4M ext4 /a/../b\n", 1, ". or .. component");
	bad("ram0 4M ext4 /a/./b\n", 1, ". or .. component");
}

static void test_sizes(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = good("ram0 4096\nram1 4K\n", 2);
	assert_int_equal(tab->ent[0].size, 4096);
	brdtab_free(tab);
	bad("ram0 lots\n", 1, "invalid size 'lots'");
	bad("ram0 -1G\n", 1, "invalid size");
	bad("ram0 0\n", 1, "size must not be 0");
	bad("ram0 1000\n", 1, "not a multiple of 4 KiB");
	bad("ram0 1KB\n", 1, "not a multiple of 4 KiB");
	bad("ram0 99999999999999999999\n", 1, "too large");
	bad("ram0\n", 1, "missing size");
}

static void test_names(void **state)
{
	(void)state;
	bad("-x 4M\n", 1, "invalid name '-x'");
	bad("has/slash 4M\n", 1, "invalid name");
	bad("a234567890123456789012345678901234567 4M\n", 1, "invalid name");
	bad(".. 4M\n", 1, "invalid name");
	assert_true(brd_pool_name_valid("db-cache_1.x"));
	assert_true(brd_pool_name_valid("ram"));
	assert_true(brd_pool_name_valid("ramdisk"));
	assert_false(brd_pool_name_valid("ram01"));	/* looks like a kernel name */
	assert_false(brd_pool_name_valid("ram0p1"));
	assert_false(brd_pool_name_valid("-x"));
	assert_true(brd_pool_name_valid("a23456789012345678901234567890123456"));
	assert_false(brd_pool_name_valid("a234567890123456789012345678901234567"));
	assert_false(brd_pool_name_valid("ram7"));
	assert_false(brd_pool_name_valid("auto"));
	assert_false(brd_pool_name_valid(""));
	assert_false(brd_pool_name_valid("a b"));
	/* the one name rule */
	assert_int_equal(brdtab_name_kind("ram0"), BRDTAB_NAME_WHOLE);
	assert_int_equal(brdtab_name_kind("ram1048576"), BRDTAB_NAME_WHOLE);
	assert_int_equal(brdtab_name_kind("ram1048577"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("/dev/ram0"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("db-cache_1.x"), BRDTAB_NAME_POOLED);
	assert_int_equal(brdtab_name_kind("x.brdtab"), BRDTAB_NAME_POOLED);
	assert_int_equal(brdtab_name_kind("ram0p1"), BRDTAB_NAME_PART);
	assert_int_equal(brdtab_name_kind("ram12p128"), BRDTAB_NAME_PART);
	assert_int_equal(brdtab_name_kind("ram0p0"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("ram0p01"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("ram01p1"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("ram0p1x"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("ram0p1234"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("ramp1"), BRDTAB_NAME_POOLED);	/* not ram and a digit */
	assert_int_equal(brdtab_name_kind("ram01"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("auto"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("."), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind(".."), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("../x"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("a/b"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("a\nb"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind("-x"), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind(""), BRDTAB_NAME_INVALID);
	assert_int_equal(brdtab_name_kind(NULL), BRDTAB_NAME_INVALID);
}

static void test_field_errors(void **state)
{
	(void)state;
	bad("ram0 4M ext4 /a - - 0755 extra\n", 1, "too many fields (8)");
	bad("ram0 4M \"ext4 /a\n", 1, "unterminated quote");
	bad("ram0 4M ext4 /a\\", 1, "backslash ends the line");
	bad("ram0 4M ext/4 /a\n", 1, "invalid filesystem type 'ext/4'");
	bad("ram0 4M swap\n", 1, "swap is not supported");
	bad("ram0 4M - /a\n", 1, "needs a filesystem type");
	bad("ram0 4M ext4 - noatime\n", 1, "mount options 'noatime' need a mount point");
	bad("ram0 4M ext4 - - root\n", 1, "owner 'root' needs a mount point");
	bad("ram0 4M ext4 - - - 0700\n", 1, "mode '0700' needs a mount point");
	bad("ram0 4M ext4 /a - - 0800\n", 1, "invalid mode '0800'");
	bad("ram0 4M ext4 /a - - 17777\n", 1, "invalid mode");
	bad("ram0 4M ext4 /a - - rwx\n", 1, "invalid mode");
	bad("ram0 4M ext4 /a - : \n", 1, "invalid owner ':'");
	bad("ram0 4M ext4 /a - -x\n", 1, "invalid user '-x'");
	bad("ram0 4M ext4 /a - \"\"\n", 1, "empty owner field");
	bad("ram0 4M ext4 /a - u:g,h\n", 1, "invalid group 'g,h'");
	{
		static const char nul[] = "ram0 4M ext4\nram1 4M a\0b /a\nram2 4M\n";
		struct brdtab *tab = NULL;

		assert_int_equal(brdtab_parse_buffer("t", nul, sizeof(nul) - 1, &tab), 0);
		assert_int_equal(tab->n, 2);
		assert_int_equal(tab->nerr, 1);
		has_error(tab, 2, "contains a NUL byte");
		brdtab_free(tab);
	}
}

static void test_owner_forms(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = good("ram0 4M ext4 /a - u\nram1 4M ext4 /b - u:\nram2 4M ext4 /c - :g\n", 3);
	assert_string_equal(tab->ent[0].owner, "u");
	assert_null(tab->ent[0].group);
	assert_false(tab->ent[0].owner_group);
	assert_string_equal(tab->ent[1].owner, "u");
	assert_null(tab->ent[1].group);
	assert_true(tab->ent[1].owner_group);
	assert_null(tab->ent[2].owner);
	assert_string_equal(tab->ent[2].group, "g");
	brdtab_free(tab);
}

static void test_errors_have_line_numbers_and_all_are_reported(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = parse("# header\n"
		    "ram0 1G ext4 /a\n"
		    "ram1 big ext4 /b\n"
		    "\n"
		    "ram2 1G ext4 /c - - 999\n"
		    "ram3 1G ext4 /d\n"
		    "bogus name 1G\n");
	assert_int_equal(tab->n, 2);	/* the good lines only */
	assert_int_equal(tab->nerr, 3);
	assert_int_equal(tab->err[0].line, 3);
	assert_int_equal(tab->err[1].line, 5);
	assert_int_equal(tab->err[2].line, 7);
	has_error(tab, 7, "invalid size 'name'");
	brdtab_free(tab);
}

static void test_whole_disks_auto_numbering(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = good("auto 8M ext4 /a\nram0 8M\nauto 8M\nram2 8M\nauto 8M\n", 5);
	assert_false(tab->pooled);
	assert_string_equal(tab->ent[0].name, "ram1");
	assert_string_equal(tab->ent[1].name, "ram0");
	assert_string_equal(tab->ent[2].name, "ram3");
	assert_string_equal(tab->ent[3].name, "ram2");
	assert_string_equal(tab->ent[4].name, "ram4");
	for (size_t i = 0; i < tab->n; i++)
		assert_int_equal(tab->ent[i].kind, BRDTAB_WHOLE);
	brdtab_free(tab);
}

static void test_different_sizes_become_pooled(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = good("auto 64M ext4 /mnt/small\nauto 128M ext4 /srv/db/data\n"
		   "cache 1G xfs /var/cache/x\n", 3);
	assert_true(tab->pooled);
	assert_int_equal(tab->ent[0].kind, BRDTAB_POOLED);
	assert_string_equal(tab->ent[0].name, "mnt-small");
	assert_string_equal(tab->ent[1].name, "srv-db-data");
	assert_string_equal(tab->ent[2].name, "cache");
	brdtab_free(tab);

	/* a pool name alone makes the file pooled; same sizes are fine */
	tab = good("db 64M\nauto 64M ext4 /mnt/x\n", 2);
	assert_true(tab->pooled);
	assert_string_equal(tab->ent[1].name, "mnt-x");
	brdtab_free(tab);
}

static void test_whole_disks_of_different_sizes_are_an_error(void **state)
{
	struct brdtab *tab;

	(void)state;
	tab = parse("ram0 64M ext4 /a\nram1 64M ext4 /b\nram2 128M ext4 /c\n");
	assert_int_equal(tab->nerr, 3);
	has_error(tab, 1, "asks for 64M and line 3 for 128M");
	has_error(tab, 2, "whole-disk ramdisks all have one size");
	has_error(tab, 3, "asks for 128M and line 1 for 64M");
	brdtab_free(tab);

	bad("ram0 64M\ndb 64M\n", 1, "cannot be mixed with pooled ramdisks (line 2)");
	bad("auto 64M ext4 /a\nauto 32M\n", 2, "has no mount point");
	bad("auto 64M ext4 /a\nauto 32M ext4 /ram3\n", 2, "cannot name a pooled ramdisk after /ram3");
	bad("auto 64M ext4 /a\nauto 32M ext4 /a23456789/123456789/123456789/1234567\n", 2,
	    "cannot name");
}

static void test_duplicates(void **state)
{
	(void)state;
	bad("ram0 8M ext4 /a\n/dev/ram0 8M ext4 /b\n", 2, "ram0 is already defined on line 1");
	bad("ram0 8M ext4 /a\nram1 8M ext4 /a/\n", 2, "mount point /a is already used on line 1");
	bad("db 8M\ndb 16M\n", 2, "db is already defined on line 1");
	bad("mnt-x 8M\nauto 16M ext4 /mnt/x\n", 2, "mnt-x is already defined on line 1");
	bad("ram0 8M ext4 /a/b\nram1 8M ext4 /a\n", 1, "below /a of line 2");
	bad("ram0 8M ext4 /a/b\nram1 8M ext4 /a\n", 1, "below /a of line 2");
	/* /ab is not below /a */
	brdtab_free(good("ram0 8M ext4 /ab\nram1 8M ext4 /a\n", 2));
	brdtab_free(good("ram1 8M ext4 /a\nram0 8M ext4 /a/b\n", 2));
}

static void test_helpers(void **state)
{
	char buf[32], *s;

	(void)state;
	assert_string_equal(brdtab_size_str(1ULL << 30, buf, sizeof(buf)), "1G");
	assert_string_equal(brdtab_size_str(1536ULL << 20, buf, sizeof(buf)), "1536M");
	assert_string_equal(brdtab_size_str(4096, buf, sizeof(buf)), "4K");
	assert_string_equal(brdtab_size_str(1000, buf, sizeof(buf)), "1000");
	s = brdtab_name_from_target("/var/cache/my app");
	assert_string_equal(s, "var-cache-my_app");
	free(s);
	assert_null(brdtab_name_from_target("/"));
}

/* ------------------------------------------------------ system checks --- */

static char tmpdir[64];

static int sys_setup(void **state)
{
	char p[128];
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-brdtab.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(p, sizeof(p), "%s/file", tmpdir);
	f = fopen(p, "w");
	if (!f)
		return -1;
	fclose(f);
	snprintf(p, sizeof(p), "%s/dir", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/bin", tmpdir);
	mkdir(p, 0755);
	/* a mkfs for a filesystem no kernel knows */
	snprintf(p, sizeof(p), "%s/bin/mkfs.nosuchfs9", tmpdir);
	f = fopen(p, "w");
	if (!f)
		return -1;
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	chmod(p, 0755);
	return 0;
}

static int sys_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct brdtab *checked(const char *fmt)
{
	char text[1024];
	struct brdtab *tab;

	snprintf(text, sizeof(text), fmt, tmpdir, tmpdir, tmpdir);
	tab = parse(text);
	if (tab->nerr) {
		dump_errors(tab);
		fail_msg("parse errors in:\n%s", text);
	}
	assert_int_equal(brdtab_check_system(tab), 0);
	return tab;
}

static void test_system_ok(void **state)
{
	struct brdtab *tab;
	(void)state;
	/* ext4 must be known on any machine that runs these tests: mkfs.ext4
	 * (e2fsprogs) and the kernel's ext4 (in /proc/filesystems or a module) */
	if (access("/sbin/mkfs.ext4", X_OK) && access("/usr/sbin/mkfs.ext4", X_OK))
		skip();
	setenv("PATH", "/usr/sbin:/sbin:/usr/bin:/bin", 1);
	tab = checked("ram0 4M ext4 %s/dir - root:root 0755\n"
		      "ram1 4M ext4 %s/dir/new/deeper - 0:12345\n"
		      "ram2 4M ext4 %s/x - root:\n");
	if (tab->nerr)
		dump_errors(tab);
	assert_int_equal(tab->nerr, 0);
	assert_int_equal(tab->ent[0].uid, 0);
	assert_int_equal(tab->ent[0].gid, 0);
	assert_int_equal(tab->ent[1].uid, 0);
	assert_int_equal(tab->ent[1].gid, 12345);
	assert_int_equal(tab->ent[2].uid, 0);
	assert_int_equal(tab->ent[2].gid, 0);	/* root's login group */
	brdtab_free(tab);
}

static void test_system_errors(void **state)
{
	struct brdtab *tab;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/bin:/usr/sbin:/sbin:/usr/bin:/bin", tmpdir);
	setenv("PATH", path, 1);
	tab = checked("ram0 4M ext4 %s/file\n"
		      "ram1 4M ext4 %s/file/sub\n"
		      "ram2 4M nosuchfs8 %s/dir\n"
		      "ram3 4M nosuchfs9\n"
		      "ram4 4M ext4 /nonexistent/u - no-such-user-xq\n"
		      "ram5 4M ext4 /nonexistent/g - root:no-such-group-xq\n"
		      "ram6 4M ext4 /nonexistent/l - 123:\n"
		      "ram7 4M ext4 /nonexistent/o - 4294967295\n"
		      "ram8 4M ext4 /nonexistent/p - 0:99999999999999999999\n"
		      "ram9 4M ext4 /nonexistent/q - 4294967294:4294967294\n");
	assert_int_equal(tab->nerr, 9);
	has_error(tab, 1, "is not a directory");
	has_error(tab, 2, "cannot be created");
	has_error(tab, 3, "unknown filesystem type 'nosuchfs8': no mkfs.nosuchfs8 in PATH");
	has_error(tab, 4, "unknown filesystem type 'nosuchfs9': the kernel does not know it");
	has_error(tab, 5, "unknown user 'no-such-user-xq'");
	has_error(tab, 6, "unknown group 'no-such-group-xq'");
	if (getpwnam("123") == NULL)
		has_error(tab, 7, "unknown user '123'");	/* "123:" needs a login group */
	has_error(tab, 8, "user id '4294967295' out of range (0-4294967294)");
	assert_int_equal(tab->ent[7].uid, (uid_t)-1);	/* left unset */
	has_error(tab, 9, "group id '99999999999999999999' out of range (0-4294967294)");
	assert_int_equal(tab->ent[9].uid, 4294967294u);
	assert_int_equal(tab->ent[9].gid, 4294967294u);
	brdtab_free(tab);
}

static void test_parse_file(void **state)
{
	struct brdtab *tab = NULL;
	char p[128];
	FILE *f;

	(void)state;
	assert_int_equal(brdtab_parse_file("/nonexistent/brdtab", NULL, &tab), -ENOENT);
	assert_null(tab);
	assert_int_equal(brdtab_parse_file(tmpdir, NULL, &tab), -EISDIR);
	snprintf(p, sizeof(p), "%s/brdtab", tmpdir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("# test\nram0 8M ext4 /mnt/a\nram1 8M\n", f);
	fclose(f);
	chmod(p, 0644);
	assert_int_equal(brdtab_parse_file(p, NULL, &tab), 0);
	assert_string_equal(tab->file, p);
	assert_int_equal(tab->n, 2);
	assert_int_equal(tab->ent[1].line, 3);
	brdtab_free(tab);
}

/* ---------------------------------------------------------- the plan --- */

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

/* A system with brd not loaded, @mem bytes available, a 128 x 32G pool
 * to be made. */
static void sys_absent(struct brdplan_sys *sys, const struct brdtab *tab, uint64_t mem)
{
	memset(sys, 0, sizeof(*sys));
	sys->brd = BRD_MODULE_ABSENT;
	sys->max_part = 1;
	sys->pool_pages = -1;
	sys->new_pool_size = 128 * 32 * GiB;
	sys->mem_known = true;
	sys->mem_avail = mem;
	sys->page_size = 4096;
	sys->line = calloc(tab->n + 1, sizeof(*sys->line));
	sys->nline = tab->n;
	assert_non_null(sys->line);
}

/* brd loaded as a pool (ram0) with @n pooled ramdisks p1..pN of @size */
static void sys_pool(struct brdplan_sys *sys, const struct brdtab *tab, uint64_t mem,
		     size_t n, uint64_t size, unsigned int entries)
{
	sys_absent(sys, tab, mem);
	sys->brd = BRD_MODULE_LOADED;
	sys->is_pool = true;
	strcpy(sys->pool_name, "ram0");
	brd_pool_blank(128 * 32 * GiB, &sys->pool);
	sys->pool.entries = entries;
	sys->pool.parts = calloc(n + 1, sizeof(*sys->pool.parts));
	assert_non_null(sys->pool.parts);
	for (size_t i = 0; i < n; i++) {
		struct brd_pool_part *pp = &sys->pool.parts[i];

		pp->partno = (unsigned int)i + 1;
		snprintf(pp->name, sizeof(pp->name), "p%zu", i + 1);
		pp->start = i ? i * 32 * GiB : MiB;
		pp->size = size;
	}
	sys->pool.nparts = n;
	sys->pool_pages = 0;
}

/* brd loaded with whole disks ram0..ram(n-1) of @size, empty */
static void sys_whole(struct brdplan_sys *sys, const struct brdtab *tab, uint64_t mem,
		      size_t n, uint64_t size)
{
	sys_absent(sys, tab, mem);
	sys->brd = BRD_MODULE_LOADED;
	sys->rd_size = size;
	sys->disks = calloc(n + 1, sizeof(*sys->disks));
	assert_non_null(sys->disks);
	for (size_t i = 0; i < n; i++) {
		snprintf(sys->disks[i].name, sizeof(sys->disks[i].name), "ram%zu", i);
		sys->disks[i].num = (unsigned int)i;
		sys->disks[i].size = size;
	}
	sys->ndisks = n;
}

/* @n lines "NAME SIZE" (NAME: d1..dN, or auto) */
static struct brdtab *gen_tab(size_t n, const char *size, bool whole)
{
	size_t cap = n * 32 + 1, o = 0;
	char *text = malloc(cap);
	struct brdtab *tab;

	assert_non_null(text);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (whole)
			o += (size_t)snprintf(text + o, cap - o, "auto %s\n", size);
		else
			o += (size_t)snprintf(text + o, cap - o, "d%zu %s\n", i + 1, size);
	tab = good(text, n);
	free(text);
	return tab;
}

/* plan @tab on @sys; the number of plan errors */
static size_t plan(struct brdtab *tab, struct brdplan_sys *sys, bool force)
{
	size_t before = tab->nerr;

	assert_int_equal(brdplan_check(tab, sys, force), 0);
	brdplan_sys_free(sys);
	return tab->nerr - before;
}

/* an error on @line of kind @err containing @sub */
static void has_kind(const struct brdtab *tab, unsigned int line, int err, const char *sub)
{
	has_error(tab, line, sub);
	for (size_t i = 0; i < tab->nerr; i++)
		if (tab->err[i].line == line && strstr(tab->err[i].msg, sub)) {
			assert_int_equal(tab->err[i].err, err);
			return;
		}
}

static void test_plan_pool_entries(void **state)
{
	struct brdplan_sys sys;
	struct brdtab *tab;

	(void)state;
	/* 128 fit a new pool, the 129th names the limit, once */
	tab = gen_tab(128, "1M", false);
	sys_absent(&sys, tab, 24 * GiB);
	assert_int_equal(plan(tab, &sys, false), 0);
	brdtab_free(tab);

	tab = gen_tab(300, "1M", false);
	sys_absent(&sys, tab, 24 * GiB);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 129, ENOSPC, "d129: the pool holds at most 128 ramdisks (GPT "
		 "entries); this is the 129th; lines 129-300 do not fit");
	brdtab_free(tab);

	/* a pool that has 100: the 29th new line is its 129th */
	tab = gen_tab(30, "1M", false);
	sys_pool(&sys, tab, 24 * GiB, 100, MiB, 128);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 29, ENOSPC, "this is the 129th; lines 29-30 do not fit");
	brdtab_free(tab);

	/* lines that exist do not count */
	tab = parse("p1 1M\np2 1M\nd1 1M\n");
	sys_pool(&sys, tab, 24 * GiB, 127, MiB, 128);
	assert_int_equal(plan(tab, &sys, false), 0);
	brdtab_free(tab);

	/* a GPT with fewer entries: that is the limit */
	tab = gen_tab(10, "1M", false);
	sys_pool(&sys, tab, 24 * GiB, 0, MiB, 8);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 9, ENOSPC, "the pool holds at most 8 ramdisks (GPT entries); "
		 "this is the 9th");
	brdtab_free(tab);
}

static void test_plan_pool_slots_and_sizes(void **state)
{
	struct brdplan_sys sys;
	struct brdtab *tab;

	(void)state;
	/* 100G spans 4 slots of 32G: 32 fit, then no slot has room */
	tab = gen_tab(40, "100G", false);
	sys_absent(&sys, tab, 1ULL << 50);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 33, ENOSPC, "d33: no room in the pool for 100G: a pooled ramdisk "
		 "starts at one of the pool's 128 slots of 32G");
	has_error(tab, 33, "; 7 later lines do not fit either");
	brdtab_free(tab);

	/* a pooled ramdisk that exists with another size */
	tab = parse("p1 2M\np2 1M\n");
	sys_pool(&sys, tab, 24 * GiB, 2, MiB, 128);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 1, EEXIST, "p1: the pooled ramdisk exists with size 1M, not 2M");
	brdtab_free(tab);

	/* brd loaded with whole disks: no pool */
	tab = parse("db 1M\n");
	sys_whole(&sys, tab, 24 * GiB, 2, 8 * MiB);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 1, EBUSY, "db: brd is loaded with whole-disk ramdisks, e.g. ram0");
	brdtab_free(tab);
}

static void test_plan_budget(void **state)
{
	struct brdplan_sys sys;
	struct brdtab *tab;

	(void)state;
	/* 300 x 100G against 24G: the first line is over already */
	tab = gen_tab(300, "100G", false);
	sys_absent(&sys, tab, 24 * GiB);
	assert_int_equal(plan(tab, &sys, false), 2);	/* and the slots */
	has_kind(tab, 1, ENOMEM, "d1: the RAM budget is exceeded: with this line the "
		 "pooled ramdisks could take 100G once filled, but only 24G of RAM is "
		 "available (MemAvailable); use --force");
	brdtab_free(tab);
	/* --force: no budget (the slots still count) */
	tab = gen_tab(300, "100G", false);
	sys_absent(&sys, tab, 24 * GiB);
	assert_int_equal(plan(tab, &sys, true), 1);
	has_kind(tab, 33, ENOSPC, "no room in the pool");
	brdtab_free(tab);

	/* 6 x 4G fit 24G exactly, the 7th does not */
	tab = gen_tab(8, "4G", false);
	sys_absent(&sys, tab, 24 * GiB);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 7, ENOMEM, "could take 28G once filled, but only 24G");
	brdtab_free(tab);

	/* what the pool holds is counted as used: 20G of ramdisks, 16G of it
	 * allocated, could take 4G more; with 24G available, 5 new 4G fit
	 * (without the used pages only 1 would), the 6th does not */
	tab = gen_tab(6, "4G", false);
	sys_pool(&sys, tab, 24 * GiB, 5, 4 * GiB, 128);
	sys.pool_pages = (int64_t)(16 * GiB / 4096);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 6, ENOMEM, "could take 28G once filled, but only 24G");
	brdtab_free(tab);

	/* whole disks: the same rule, with the disks that exist */
	tab = gen_tab(5, "4G", true);
	sys_whole(&sys, tab, 16 * GiB, 2, 4 * GiB);	/* ram0, ram1 exist */
	assert_int_equal(plan(tab, &sys, false), 1);
	/* ram0 and ram1 (8G) count; ram2, ram3 bring it to 16G; ram4 is over */
	has_kind(tab, 5, ENOMEM, "ram4: the RAM budget is exceeded: with this line the "
		 "whole-disk ramdisks could take 20G once filled, but only 16G");
	brdtab_free(tab);
	tab = gen_tab(5, "4G", true);
	sys_whole(&sys, tab, 16 * GiB, 2, 4 * GiB);
	assert_int_equal(plan(tab, &sys, true), 0);
	brdtab_free(tab);
}

static void test_plan_whole_disks(void **state)
{
	struct brdplan_sys sys;
	struct brdtab *tab;

	(void)state;
	/* brd's minor numbers: 2^20 / max_part disks */
	tab = parse("ram4095 4M\nram4096 4M\n");
	sys_whole(&sys, tab, 24 * GiB, 0, 4 * MiB);
	sys.max_part = 256;
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 2, ERANGE, "ram4096: brd numbers whole-disk ramdisks ram0-ram4095");
	brdtab_free(tab);

	/* a pool is loaded */
	tab = parse("ram0 4M\n");
	sys_pool(&sys, tab, 24 * GiB, 1, MiB, 128);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 1, EBUSY, "brd is loaded as a pool of pooled ramdisks (ram0)");
	brdtab_free(tab);

	/* another size: an existing disk of the file is a conflict */
	tab = parse("ram0 16M\nram5 16M\n");
	sys_whole(&sys, tab, 24 * GiB, 1, 8 * MiB);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 1, EEXIST, "ram0 exists with size 8M, not 16M");
	brdtab_free(tab);

	/* ... a disk in use prevents the reload */
	tab = parse("ram5 16M\n");
	sys_whole(&sys, tab, 24 * GiB, 1, 8 * MiB);
	sys.keep = calloc(1, sizeof(*sys.keep));
	assert_non_null(sys.keep);
	sys.keep[0] = strdup("is mounted on /x");
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 1, EBUSY, "brd must be reloaded to give its ramdisks size 16M "
		 "(they have 8M), but ram0 is mounted on /x");
	brdtab_free(tab);

	/* ... and free disks let it reload */
	tab = parse("ram5 16M\n");
	sys_whole(&sys, tab, 24 * GiB, 1, 8 * MiB);
	sys.keep = calloc(1, sizeof(*sys.keep));
	assert_non_null(sys.keep);
	assert_int_equal(plan(tab, &sys, false), 0);
	brdtab_free(tab);

	/* ... unless brd is built in */
	tab = parse("ram5 16M\n");
	sys_whole(&sys, tab, 24 * GiB, 1, 8 * MiB);
	sys.brd = BRD_MODULE_BUILTIN;
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 1, EOPNOTSUPP, "brd is built into the kernel");
	brdtab_free(tab);
}

static void test_plan_lines(void **state)
{
	struct brdplan_sys sys;
	struct brdtab *tab;

	(void)state;
	tab = parse("ram0 8M ext4 /a\nram1 8M ext4 /b\nram2 8M ext4 /c\nram3 8M ext4 /d\n");
	sys_whole(&sys, tab, 24 * GiB, 3, 8 * MiB);
	for (int i = 0; i < 3; i++) {
		sys.line[i].exists = true;
		snprintf(sys.line[i].dev, sizeof(sys.line[i].dev), "/dev/ram%d", i);
	}
	sys.line[0].sig = strdup("xfs");
	sys.line[1].target_taken = true;
	sys.line[1].taken_src = strdup("tmpfs");
	sys.line[1].taken_fstype = strdup("tmpfs");
	sys.line[2].elsewhere = strdup("/e,/f");
	sys.line[3].target_taken = true;		/* ram3 does not exist yet */
	sys.line[3].taken_src = strdup("/dev/sda1");
	sys.line[3].taken_fstype = strdup("ext4");
	assert_int_equal(plan(tab, &sys, false), 4);
	has_kind(tab, 1, EBUSY, "/dev/ram0 has a xfs signature, not ext4; not reformatting it");
	has_kind(tab, 2, EBUSY, "/b: tmpfs (tmpfs) is mounted there, not /dev/ram1");
	has_kind(tab, 3, EBUSY, "/dev/ram2 is mounted on /e,/f, not on /c");
	has_kind(tab, 4, EBUSY, "/d: /dev/sda1 (ext4) is mounted there, not /dev/ram3");
	brdtab_free(tab);
}

static void test_budget_rule(void **state)
{
	struct brd_budget b = { 0 };
	char buf[32];

	(void)state;
	brd_budget_add(&b, 10 * GiB, 4 * GiB);
	brd_budget_add(&b, 2 * GiB, 0);
	assert_int_equal(b.count, 2);
	assert_true(brd_budget_need(&b) == 8 * GiB);
	assert_false(brd_budget_over(&b, 8 * GiB));
	assert_true(brd_budget_over(&b, 8 * GiB - 1));
	brd_budget_add(&b, 0, 100 * GiB);		/* more used than sized */
	assert_true(brd_budget_need(&b) == 0);
	assert_int_equal(b.count, 2);
	b = (struct brd_budget){ 0 };
	brd_budget_add(&b, UINT64_MAX, 0);
	brd_budget_add(&b, UINT64_MAX, 0);		/* saturates */
	assert_true(brd_budget_need(&b) == UINT64_MAX);

	assert_string_equal(brdplan_human(24 * GiB, buf, sizeof(buf)), "24G");
	assert_string_equal(brdplan_human(4096, buf, sizeof(buf)), "4K");
	assert_string_equal(brdplan_human(1000, buf, sizeof(buf)), "1000");
	assert_string_equal(brdplan_human(24000 * MiB, buf, sizeof(buf)), "23.4G");
	assert_string_equal(brdplan_human(1536 * MiB, buf, sizeof(buf)), "1.5G");
}

/* The path rule (brdtab.h, brdtab(5) PATHS IN UNITS) on its own. */
static void test_unit_path_rule(void **state)
{
	static const char *const ok[] = {
		"/mnt/a", "/mnt/with space/x", "/mnt/a b c", "/srv/50%", "/a-b/c.d/:e_f",
		"/.hidden/x", "/mnt/caf\xc3\xa9", "/mnt/\xe6\x97\xa5\xe6\x9c\xac",
		"/mnt/\xf0\x9f\x92\xbe", "/mnt/\xc2\xa0nbsp", "/mnt/a /b",
		"/mnt/\xef\xbf\xbd",		/* U+FFFD is a character */
		"/mnt/\xf4\x8f\xbf\xbd",	/* U+10FFFD */
	};
	static const struct { const char *path, *why; } no[] = {
		{ "/mnt/x\" \"/etc/y/z", "has a double quote" },
		{ "/mnt/a\"b c/d", "has a double quote" },
		{ "/mnt/it's", "has a single quote" },
		{ "/mnt/a\\b", "has a backslash" },
		{ "/mnt/t ", "ends in a blank" },
		{ "/mnt/t  ", "ends in a blank" },
		{ "/mnt/tab\there", "has a control character (U+0009)" },
		{ "/mnt/nl\nx", "has a control character (U+000A)" },
		{ "/mnt/del\x7f", "has a control character (U+007F)" },
		{ "/mnt/c1\xc2\x85", "has a control character (U+0085)" },
		{ "/mnt/\xff", "is not valid UTF-8 (byte 0xff at offset 5)" },
		{ "/mnt/\xc0\xaf", "is not valid UTF-8 (byte 0xc0" },	/* overlong '/' */
		{ "/mnt/\xe0\x80\xaf", "is not valid UTF-8" },	/* overlong */
		{ "/mnt/\x80", "is not valid UTF-8" },		/* lone continuation */
		{ "/mnt/\xc3", "is not valid UTF-8" },		/* truncated */
		{ "/mnt/\xc3x", "is not valid UTF-8" },
		{ "/mnt/\xed\xa0\x80", "is not valid UTF-8" },	/* surrogate */
		{ "/mnt/\xf4\x90\x80\x80", "is not valid UTF-8" },	/* > U+10FFFF */
		{ "/mnt/\xf8\x88\x80\x80\x80", "is not valid UTF-8" }, /* 5 bytes */
		{ "/mnt/\xef\xbf\xbe", "is not valid UTF-8" },	/* U+FFFE */
		{ "/mnt/\xef\xb7\x90", "is not valid UTF-8" },	/* U+FDD0 */
	};
	char buf[160], path[400];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		why = brdtab_unit_path_problem(ok[i], buf, sizeof(buf));
		if (why)
			fail_msg("%s refused: %s", ok[i], why);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		why = brdtab_unit_path_problem(no[i].path, buf, sizeof(buf));
		if (!why || strncmp(why, no[i].why, strlen(no[i].why)))
			fail_msg("%s: '%s', expected '%s'", no[i].path, why ? why : "(ok)",
				 no[i].why);
	}
	/* the mount unit's name: 255 bytes pass, 256 do not.  "/" + 249 x
	 * gives x{249}.mount, 255 bytes; each '-' or UTF-8 byte is 4 */
	path[0] = '/';
	memset(path + 1, 'x', 249);
	path[250] = '\0';
	assert_null(brdtab_unit_path_problem(path, buf, sizeof(buf)));
	path[250] = 'x';
	path[251] = '\0';
	why = brdtab_unit_path_problem(path, buf, sizeof(buf));
	assert_non_null(why);
	assert_string_equal(why, "gives a mount unit name (systemd-escape --path, "
			    ".mount) of 256 bytes, more than systemd's 255");
	memcpy(path + 1, "a-b", 3);	/* 249 + 3 more bytes */
	path[250] = '\0';
	why = brdtab_unit_path_problem(path, buf, sizeof(buf));
	assert_non_null(why);
	assert_non_null(strstr(why, "of 258 bytes"));
	/* 31 two-byte characters: 62 bytes, 248 of \xHH, .mount: 254 */
	path[0] = '/';
	for (int i = 0; i < 31; i++)
		memcpy(path + 1 + 2 * i, "\xc3\xa9", 2);
	path[63] = '\0';
	assert_null(brdtab_unit_path_problem(path, buf, sizeof(buf)));
	memcpy(path + 63, "a", 2);	/* + 1 byte: 255 */
	assert_null(brdtab_unit_path_problem(path, buf, sizeof(buf)));
	memcpy(path + 63, "ab", 3);	/* 256 */
	assert_non_null(brdtab_unit_path_problem(path, buf, sizeof(buf)));

	/* mount options: quotes are fine (a quoted SELinux context), the rest not */
	assert_null(brdtab_unit_text_problem("context=\"system_u:object_r:tmp_t:s0\"",
					     buf, sizeof(buf)));
	assert_string_equal(brdtab_unit_text_problem("a\\b", buf, sizeof(buf)),
			    "has a backslash");
	assert_string_equal(brdtab_unit_text_problem("noatime ", buf, sizeof(buf)),
			    "ends in a blank");
	assert_non_null(brdtab_unit_text_problem("x=\xff", buf, sizeof(buf)));
}

/* In the parser: each bad line refused alone, with its number, the path
 * shown escaped; the other lines kept. */
static void test_unit_path_lines(void **state)
{
	struct brdtab *tab;
	char text[1024];
	char longp[300];

	(void)state;
	memset(longp, 'x', 260);
	longp[260] = '\0';
	snprintf(text, sizeof(text),
		 "a 64M ext4 \"/mnt/x\\\" \\\"/etc/y/z\"\n"	/* 1: /mnt/x" "/etc/y/z */
		 "b 64M ext4 \"/mnt/a\\\"b c/d\"\n"		/* 2 */
		 "c 64M ext4 \"/mnt/t \"\n"				/* 3 */
		 "d 64M ext4 /mnt/\xff\x01" "bad\n"			/* 4 */
		 "e 64M ext4 /mnt/%s\n"				/* 5 */
		 "f 64M ext4 \"/mnt/sp ace/ok\"\n"			/* 6: fine */
		 "g 64M ext4 /srv/g x-brdctl.persist=/var/lib/it's.img\n"	/* 7 */
		 "h 64M ext4 /srv/h \"noatime,x-brdctl.persist=/var/lib/h .img\"\n" /* 8: fine */
		 "i 64M ext4 /srv/i \"noatime \"\n"			/* 9 */
		 "j 64M ext4 \"/mnt/q'\"\n"				/* 10 */
		 "k 64M ext4 /mnt/k\n", longp);			/* 11: fine */
	tab = parse(text);
	has_error(tab, 1, "mount point '/mnt/x\" \"/etc/y/z' has a double quote: "
		  "systemd units cannot name it (see PATHS IN UNITS in brdtab(5))");
	has_error(tab, 2, "mount point '/mnt/a\"b c/d' has a double quote");
	has_error(tab, 3, "mount point '/mnt/t ' ends in a blank");
	has_error(tab, 4, "mount point '/mnt/\\xff\\x01bad' is not valid UTF-8 "
		  "(byte 0xff at offset 5)");
	has_error(tab, 5, "of 270 bytes, more than systemd's 255");
	has_error(tab, 7, "x-brdctl.persist: the image '/var/lib/it's.img' has a single "
		  "quote: systemd units cannot name it");
	has_error(tab, 9, "mount options 'noatime ' ends in a blank: a mount unit's "
		  "Options= cannot hold them");
	has_error(tab, 10, "has a single quote");
	assert_int_equal(tab->nerr, 8);
	assert_int_equal(tab->n, 3);
	assert_string_equal(tab->ent[0].name, "f");
	assert_string_equal(tab->ent[0].target, "/mnt/sp ace/ok");
	assert_string_equal(tab->ent[1].name, "h");
	assert_string_equal(tab->ent[1].persist, "/var/lib/h .img");
	assert_string_equal(tab->ent[1].options, "noatime");
	assert_string_equal(tab->ent[2].name, "k");
	brdtab_free(tab);
	/* normalised first: a trailing slash is not a trailing blank */
	tab = good("a 64M ext4 \"/mnt/a b/\"\n", 1);
	assert_string_equal(tab->ent[0].target, "/mnt/a b");
	brdtab_free(tab);
	bad("a 64M ext4 \"/mnt/a /\"\n", 1, "ends in a blank");
}

/* x-brdctl.persist= and x-brdctl.persist-every= among the mount options */
static void test_persist_options(void **state)
{
	struct brdtab *tab;
	const struct brdtab_entry *e;

	(void)state;
	tab = good("ram0 64M ext4 /srv/a noatime,x-brdctl.persist=/var/lib//a.img,"
		   "x-brdctl.persist-every=1h30min,x-systemd.foo\n"
		   "ram1 64M ext4 /srv/b x-brdctl.persist=/srv/bb/b.img\n"
		   "ram2 64M ext4 /srv/c defaults,x-brdctl.persist=/c.img,"
		   "x-brdctl.persist-every=15min\n"
		   "ram3 64M ext4 /srv/d noatime\n", 4);
	e = &tab->ent[0];
	assert_string_equal(e->options, "noatime,x-systemd.foo");
	assert_string_equal(e->persist, "/var/lib/a.img");
	assert_string_equal(e->persist_every, "1h30min");
	assert_int_equal(e->persist_every_s, 5400);
	e = &tab->ent[1];
	assert_null(e->options);
	assert_string_equal(e->persist, "/srv/bb/b.img");
	assert_null(e->persist_every);
	e = &tab->ent[2];
	assert_null(e->options);		/* only "defaults" left */
	assert_int_equal(e->persist_every_s, 900);
	assert_null(tab->ent[3].persist);
	brdtab_free(tab);

	bad("ram0 64M ext4 /srv/a x-brdctl.persist=a.img\n", 1,
	    "x-brdctl.persist: the image 'a.img' is not an absolute path of a file");
	bad("ram0 64M ext4 /srv/a x-brdctl.persist=/var/\n", 1, "not an absolute path");
	bad("ram0 64M ext4 /srv/a x-brdctl.persist=\n", 1, "not an absolute path");
	bad("ram0 64M ext4 /srv/a x-brdctl.persist=/var/../a.img\n", 1, ". or ..");
	bad("ram0 64M ext4 /srv/a x-brdctl.persist=/srv/a/in.img\n", 1,
	    "below the line's own mount point");
	bad("ram0 64M ext4 /srv/a \"x-brdctl.persist=/a\\\\b\"\n", 1, "backslash");
	bad("ram0 64M ext4 /srv/a x-brdctl.persist-every=1h\n", 1,
	    "x-brdctl.persist-every= needs x-brdctl.persist=IMAGE");
	bad("ram0 64M ext4 /srv/a x-brdctl.persist=/a,x-brdctl.persist=/b\n", 1,
	    "option x-brdctl.persist is given twice");
	bad("ram0 64M ext4 /srv/a x-brdctl.persists=/a\n", 1,
	    "unknown option 'x-brdctl.persists'");
	bad("ram0 64M x-brdctl.persist=/a\n", 1, "invalid filesystem type");
	bad("ram0 64M ext4 - x-brdctl.persist=/a\n", 1, "need a mount point");
	static const char *const spans[] = {
		"", "0", "0s", "15", "min", "15 min", "1.5h", "-1h", "15mins", "1y",
		"99999999999999999999s", "1h-", "5300w",
	};
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		char text[200];

		snprintf(text, sizeof(text), "ram0 64M ext4 /srv/a \"x-brdctl.persist=/a,"
			 "x-brdctl.persist-every=%s\"\n", spans[i]);
		bad(text, 1, "x-brdctl.persist-every: invalid time span");
	}
	tab = good("ram0 64M ext4 /srv/a x-brdctl.persist=/a,x-brdctl.persist-every=1w2d3h4m5s\n", 1);
	assert_int_equal(tab->ent[0].persist_every_s, 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
	brdtab_free(tab);
}

/* write @text to tmpdir/@rel (0644), making its directories (0755) */
static void put(const char *rel, const char *text)
{
	char p[256], *s;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	for (s = strchr(p + strlen(tmpdir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, 0644);
}

static void test_parse_set(void **state)
{
	struct brdtab_machine m = { .mem_total = 4ULL << 30 };
	struct brd_trust t;
	struct brdtab *tab;
	char failed[256], root[128], w[300], p[256];
	unsigned int l;

	(void)state;
	snprintf(root, sizeof(root), "%s/root", tmpdir);
	mkdir(root, 0755);
	assert_int_equal(brd_set_root(root), 0);
	/* nothing at all */
	assert_int_equal(brdtab_parse_set(&m, &t, failed, sizeof(failed), &tab), -ENOENT);
	assert_null(tab);
	put("root/etc/brdtab", "a 25%\n# two\nb 1G");		/* no final newline */
	put("root/usr/lib/brdtab.d/20-x.brdtab", "x 1G\n");
	put("root/usr/lib/brdtab.d/30-y.brdtab", "y 1G\n");
	put("root/run/brdtab.d/20-x.brdtab", "rx 1G\n");
	put("root/etc/brdtab.d/30-y.brdtab", "");			/* masks */
	put("root/etc/brdtab.d/10-w.brdtab", "w 1G - - x-brdctl.min-memory=8G\nb 2G\n");
	put("root/etc/brdtab.d/10-w.conf", "junk 1X\n");		/* not a drop-in */
	assert_int_equal(brdtab_parse_set(&m, &t, failed, sizeof(failed), &tab), 0);
	assert_int_equal(tab->nsrc, 4);		/* an empty file adds no line */
	assert_string_equal(tab->src[3].file, "/etc/brdtab.d/30-y.brdtab");
	assert_int_equal(tab->src[3].nlines, 0);
	assert_string_equal(tab->src[0].file, "/etc/brdtab");
	assert_int_equal(tab->src[0].nlines, 3);
	assert_string_equal(tab->src[1].file, "/etc/brdtab.d/10-w.brdtab");
	assert_string_equal(tab->src[2].file, "/run/brdtab.d/20-x.brdtab");
	assert_int_equal(tab->n, 4);		/* a, b, b (an error), rx; w skipped */
	assert_string_equal(tab->ent[0].name, "a");
	assert_int_equal(tab->ent[0].size, 1ULL << 30);
	assert_string_equal(tab->ent[3].name, "rx");
	assert_string_equal(brdtab_line_file(tab, tab->ent[3].line, &l),
			    "/run/brdtab.d/20-x.brdtab");
	assert_int_equal(l, 1);
	assert_int_equal(tab->nskip, 1);
	assert_string_equal(brdtab_where(tab, tab->skip[0].line, w, sizeof(w)),
			    "/etc/brdtab.d/10-w.brdtab:1");
	assert_int_equal(tab->nerr, 1);
	assert_string_equal(brdtab_where(tab, tab->err[0].line, w, sizeof(w)),
			    "/etc/brdtab.d/10-w.brdtab:2");
	assert_string_equal(tab->err[0].msg, "b: ramdisk b is already defined on /etc/brdtab:3");
	brdtab_free(tab);
	/* a link to /dev/null masks; StrictModes names what failed */
	snprintf(p, sizeof(p), "%s/root/etc/brdtab.d/20-x.brdtab", tmpdir);
	assert_int_equal(symlink("/dev/null", p), 0);
	assert_int_equal(brdtab_parse_set(&m, &t, failed, sizeof(failed), &tab), 0);
	assert_int_equal(tab->nsrc, 3);
	assert_int_equal(tab->n, 3);		/* /run's 20-x masked by the link */
	brdtab_free(tab);
	snprintf(p, sizeof(p), "%s/root/etc/brdtab.d/10-w.brdtab", tmpdir);
	chmod(p, 0666);
	assert_int_equal(brdtab_parse_set(&m, &t, failed, sizeof(failed), &tab), -EPERM);
	assert_null(tab);
	assert_string_equal(failed, "/etc/brdtab.d/10-w.brdtab");
	assert_string_equal(t.path, p);
	chmod(p, 0644);
	assert_int_equal(brd_set_root("/"), 0);
}

/* ------------------------------------------ sizes relative to RAM, conditions */


/* parse @text on a machine with @mem bytes of MemTotal and kernel command
 * line @cmdline (NULL: not honoured) */
static struct brdtab *parse_on(uint64_t mem, const char *cmdline, const char *text)
{
	struct brdtab_machine m = { .mem_total = mem, .cmdline = cmdline != NULL,
				    .cmdline_text = cmdline };
	struct brdtab *tab = NULL;

	assert_int_equal(brdtab_parse_machine(&m, "t.tab", text, strlen(text), &tab), 0);
	assert_non_null(tab);
	return tab;
}

static uint64_t size_on(uint64_t mem, const char *size)
{
	char text[200];
	struct brdtab *tab;
	uint64_t v;

	snprintf(text, sizeof(text), "db %s\n", size);
	tab = parse_on(mem, NULL, text);
	if (tab->nerr || tab->n != 1) {
		dump_errors(tab);
		fail_msg("size '%s' refused", size);
	}
	assert_true(tab->ent[0].size_relative);
	v = tab->ent[0].size;
	brdtab_free(tab);
	return v;
}

static void bad_size_on(uint64_t mem, const char *size, const char *sub)
{
	char text[200];
	struct brdtab *tab;

	snprintf(text, sizeof(text), "db %s\n", size);
	tab = parse_on(mem, NULL, text);
	if (tab->nerr != 1) {
		dump_errors(tab);
		fail_msg("%zu errors for size '%s', expected 1", tab->nerr, size);
	}
	has_error(tab, 1, sub);
	brdtab_free(tab);
}

static void test_relative_sizes(void **state)
{
	struct brdtab *tab;

	(void)state;
	assert_int_equal(size_on(8 * GiB, "25%"), 2 * GiB);
	assert_int_equal(size_on(8 * GiB, "100%"), 8 * GiB);
	assert_int_equal(size_on(8 * GiB, "12.5%"), 1 * GiB);
	assert_int_equal(size_on(8 * GiB, "0.05%"), 8 * GiB * 5 / 10000 / 4096 * 4096);
	/* rounded down to whole 4 KiB pages: 1/3 of 3000 KiB */
	assert_int_equal(size_on(3000 * 1024, "33.33%"), 999 * 1024 / 4096 * 4096);
	assert_int_equal(size_on(16 * GiB, "min(25%, 2G)"), 2 * GiB);
	assert_int_equal(size_on(4 * GiB, "min(25%, 2G)"), 1 * GiB);
	assert_int_equal(size_on(4 * GiB, "max(10%,512M)"), 512 * MiB);
	assert_int_equal(size_on(64 * GiB, "max(10%,512M)"), 64 * GiB / 10 / 4096 * 4096);
	assert_int_equal(size_on(64 * GiB, "min( max(10%, 1G) , 4G , 50% )"), 4 * GiB);
	assert_int_equal(size_on(2 * GiB, "min(max(10%,1G),4G,50%)"), 1 * GiB);
	/* an absolute min() needs no MemTotal and is rounded down too */
	assert_int_equal(size_on(0, "min(1G,5000)"), 4096);
	/* the whole line still splits: blanks inside the parentheses only */
	tab = parse_on(8 * GiB, NULL, "db min(25%, 1G) ext4 /srv/db noatime\n");
	assert_int_equal(tab->nerr, 0);
	assert_int_equal(tab->ent[0].size, 1 * GiB);
	assert_string_equal(tab->ent[0].target, "/srv/db");
	assert_string_equal(tab->ent[0].options, "noatime");
	assert_int_equal(tab->mem_total, 8 * GiB);
	brdtab_free(tab);

	bad_size_on(8 * GiB, "0%", "1% to 100%");
	bad_size_on(8 * GiB, "101%", "1% to 100%");
	bad_size_on(8 * GiB, "1000%", "1% to 100%");
	bad_size_on(8 * GiB, "25.%", "1% to 100%");
	bad_size_on(8 * GiB, "2.125%", "1% to 100%");
	bad_size_on(8 * GiB, "-5%", "1% to 100%");
	bad_size_on(8 * GiB, "05%", "1% to 100%");
	bad_size_on(8 * GiB, "%", "1% to 100%");
	bad_size_on(8 * GiB, "25%%", "1% to 100%");
	bad_size_on(8 * GiB, "\"25 %\"", "unexpected text after the size");
	bad_size_on(8 * GiB, "min(25%)", "min() takes two sizes or more");
	bad_size_on(8 * GiB, "max(25%)", "max() takes two sizes or more");
	bad_size_on(8 * GiB, "min(25%,4G", "a '(' is not closed");
	bad_size_on(8 * GiB, "min(25%,4G))", "a ')' has no '('");
	bad_size_on(8 * GiB, "min(25%,,4G)", "a size is missing");
	bad_size_on(8 * GiB, "min(25%,4X)", "a number with an optional K");
	bad_size_on(8 * GiB, "min(25% 4G)", "expected ',' or ')'");
	bad_size_on(8 * GiB, "mean(25%,4G)", "invalid size");
	bad_size_on(8 * GiB, "MIN(25%,4G)", "invalid size");
	bad_size_on(8 * GiB, "(25%)", "invalid size");
	bad_size_on(8 * GiB, "min(25%,4G)x", "unexpected text after the size");
	bad_size_on(8 * GiB, "min(min(min(min(min(min(min(min(min(1%,2%),2%),2%),2%),"
		    "2%),2%),2%),2%),2%)", "nest too deep");
	bad_size_on(8 * GiB, "min(25%,99999999999999999999)", "too large");
	/* 0 after rounding down to 4 KiB pages is an error of the line */
	bad_size_on(100 * 1024, "1%", "is 0 on this machine");
	bad_size_on(8 * GiB, "min(1%,4000)", "is 0 on this machine");
	/* every error names its line */
	tab = parse_on(8 * GiB, NULL, "a 1G\nb 25%\nc 25%x\nd max(1G)\n");
	assert_int_equal(tab->nerr, 2);
	has_error(tab, 3, "invalid size '25%x'");
	has_error(tab, 4, "invalid size 'max(1G)'");
	brdtab_free(tab);
	/* the plan decides on the resolved sizes: two auto lines of one size
	 * stay whole disks */
	tab = parse_on(8 * GiB, NULL, "auto 25% ext4 /a\nauto 2G ext4 /b\n");
	assert_int_equal(tab->nerr, 0);
	assert_false(tab->pooled);
	brdtab_free(tab);
	tab = parse_on(4 * GiB, NULL, "auto 25% ext4 /a\nauto 2G ext4 /b\n");
	assert_int_equal(tab->nerr, 0);
	assert_true(tab->pooled);
	brdtab_free(tab);
}

/* A share of RAM keeps the size of its existing ramdisk when within 1%:
 * MemTotal shrinks a little during a boot. */
static void test_plan_relative_keeps_existing(void **state)
{
	struct brdtab_machine m = { .mem_total = 4 * GiB };
	struct brdplan_sys sys;
	struct brdtab *tab;
	const char *text = "p1 25%\nother 8M\n";

	(void)state;
	/* pooled: p1 exists with 1G - 4M (0.4% less): kept */
	assert_int_equal(brdtab_parse_machine(&m, "t", text, strlen(text), &tab), 0);
	assert_int_equal(tab->ent[0].size, 1 * GiB);
	sys_pool(&sys, tab, 24 * GiB, 1, 1 * GiB - 4 * MiB, 128);
	assert_int_equal(plan(tab, &sys, false), 0);
	assert_int_equal(tab->ent[0].size, 1 * GiB - 4 * MiB);
	assert_int_equal(tab->ent[1].size, 8 * MiB);
	brdtab_free(tab);
	/* ... with 2% less: a conflict, as for any size */
	assert_int_equal(brdtab_parse_machine(&m, "t", text, strlen(text), &tab), 0);
	sys_pool(&sys, tab, 24 * GiB, 1, 1 * GiB - 24 * MiB, 128);
	assert_int_equal(plan(tab, &sys, false), 1);
	has_kind(tab, 1, EEXIST, "p1: the pooled ramdisk exists with size 1000M, not 1G");
	brdtab_free(tab);
	/* ... and an absolute size is never adjusted */
	tab = parse("p1 1G\nother 8M\n");
	sys_pool(&sys, tab, 24 * GiB, 1, 1 * GiB - 4 * MiB, 128);
	assert_int_equal(plan(tab, &sys, false), 1);
	brdtab_free(tab);
	/* whole disks: brd's one size within 1% */
	assert_int_equal(brdtab_parse_machine(&m, "t", "ram0 25%\nram1 25%\n", 18, &tab), 0);
	sys_whole(&sys, tab, 24 * GiB, 2, 1 * GiB + 4 * MiB);
	assert_int_equal(plan(tab, &sys, false), 0);
	assert_int_equal(tab->ent[0].size, 1 * GiB + 4 * MiB);
	assert_int_equal(tab->ent[1].size, 1 * GiB + 4 * MiB);
	brdtab_free(tab);
}

static void test_memory_conditions(void **state)
{
	const char *text =
		"small 25%  ext4 /scratch x-brdctl.max-memory=4G\n"
		"big   2G   ext4 /scratch noatime,x-brdctl.min-memory=4G\n"
		"raw   64M  -    -        x-brdctl.min-memory=1G,x-brdctl.max-memory=32G\n";
	struct brdtab *tab;

	(void)state;
	/* 2 GiB: small and raw; big is skipped (the same mount point is fine) */
	tab = parse_on(2 * GiB, NULL, text);
	assert_int_equal(tab->nerr, 0);
	assert_int_equal(tab->n, 2);
	assert_string_equal(tab->ent[0].name, "small");
	assert_int_equal(tab->ent[0].size, 512 * MiB);
	assert_string_equal(tab->ent[1].name, "raw");
	assert_null(tab->ent[1].options);
	assert_int_equal(tab->nskip, 1);
	assert_int_equal(tab->skip[0].line, 2);
	assert_string_equal(tab->skip[0].spec, "big");
	assert_string_equal(tab->skip[0].why,
			    "MemTotal 2.0G (2097152K) is below x-brdctl.min-memory=4G");
	brdtab_free(tab);
	/* 64 GiB: big only */
	tab = parse_on(64 * GiB, NULL, text);
	assert_int_equal(tab->nerr, 0);
	assert_int_equal(tab->n, 1);
	assert_string_equal(tab->ent[0].name, "big");
	assert_string_equal(tab->ent[0].options, "noatime");
	assert_int_equal(tab->nskip, 2);
	assert_string_equal(tab->skip[0].why,
			    "MemTotal 64.0G (67108864K) is above x-brdctl.max-memory=4G");
	assert_int_equal(tab->skip[1].line, 3);
	brdtab_free(tab);
	/* exactly 4G: both bounds are inclusive, so both apply: a duplicate */
	tab = parse_on(4 * GiB, NULL, text);
	assert_int_equal(tab->nerr, 1);
	has_error(tab, 2, "mount point /scratch is already used on line 1");
	brdtab_free(tab);

	bad("ram0 64M - - x-brdctl.min-memory=lots\n", 1,
	    "x-brdctl.min-memory: invalid size 'lots'");
	bad("ram0 64M - - x-brdctl.max-memory=0\n", 1, "x-brdctl.max-memory: invalid size '0'");
	bad("ram0 64M - - x-brdctl.max-memory=25%\n", 1, "invalid size '25%'");
	bad("ram0 64M - - x-brdctl.min-memory=1G,x-brdctl.min-memory=2G\n", 1,
	    "option x-brdctl.min-memory is given twice");
	bad("ram0 64M - - x-brdctl.min-memory=8G,x-brdctl.max-memory=4G\n", 1,
	    "the line would never apply");
	bad("ram0 64M - - noatime,x-brdctl.min-memory=1G\n", 1, "need a mount point");
	bad("ram0 64M - - x-brdctl.if-memory=1G\n", 1, "unknown option 'x-brdctl.if-memory'");
}

static void test_cmdline_switches(void **state)
{
	const char *text = "db 64M ext4 /srv/db\nauto 64M ext4 /srv/cache\nram0 1G\n"
			   "bad 1X\n";
	struct brdtab *tab;

	(void)state;
	tab = parse_on(8 * GiB, "quiet brdctl.brdtab=0 root=/dev/sda1", text);
	assert_int_equal(tab->n, 0);
	assert_int_equal(tab->nskip, 3);
	assert_string_equal(tab->skip[0].why, "brdctl.brdtab=0 on the kernel command line");
	assert_int_equal(tab->nerr, 1);		/* errors are still errors */
	has_error(tab, 4, "invalid size '1X'");
	brdtab_free(tab);
	/* the last brdctl.brdtab= wins; off, no, false are off too */
	tab = parse_on(8 * GiB, "brdctl.brdtab=off brdctl.brdtab=1", text);
	assert_int_equal(tab->n, 3);
	brdtab_free(tab);
	tab = parse_on(8 * GiB, "brdctl.brdtab=1 brdctl.brdtab=false", text);
	assert_int_equal(tab->n, 0);
	brdtab_free(tab);
	tab = parse_on(8 * GiB, "brdctl.brdtab=maybe", text);
	assert_int_equal(tab->n, 3);
	brdtab_free(tab);
	/* brdctl.skip=: NAME as written, or an auto line's mount point name */
	tab = parse_on(8 * GiB, "brdctl.skip=db,srv-cache", text);
	assert_int_equal(tab->n, 1);
	assert_string_equal(tab->ent[0].name, "ram0");
	assert_int_equal(tab->nskip, 2);
	assert_string_equal(tab->skip[0].why, "brdctl.skip=db on the kernel command line");
	assert_string_equal(tab->skip[1].why, "brdctl.skip=auto on the kernel command line");
	brdtab_free(tab);
	tab = parse_on(8 * GiB, "brdctl.skip=ram0 \"brdctl.skip=d\" brdctl.skip=dbx", text);
	assert_int_equal(tab->n, 2);
	assert_int_equal(tab->nskip, 1);
	assert_int_equal(tab->skip[0].line, 3);
	brdtab_free(tab);
	/* without the command line honoured (records, explicit parses) */
	tab = parse_on(8 * GiB, NULL, text);
	assert_int_equal(tab->n, 3);
	brdtab_free(tab);
	/* $SYSTEMD_PROC_CMDLINE is read when no text is given */
	setenv("SYSTEMD_PROC_CMDLINE", "brdctl.skip=db", 1);
	{
		struct brdtab_machine m = { .mem_total = GiB, .cmdline = true };

		assert_int_equal(brdtab_parse_machine(&m, "t", text, strlen(text), &tab), 0);
		assert_int_equal(tab->n, 2);
		brdtab_free(tab);
	}
	unsetenv("SYSTEMD_PROC_CMDLINE");
}

int main(void)
{
	const struct CMUnitTest parse_tests[] = {
		cmocka_unit_test(test_full_line),
		cmocka_unit_test(test_minimal_and_dashes),
		cmocka_unit_test(test_comments_blanks_quotes),
		cmocka_unit_test(test_mount_point_normalised),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_owner_forms),
		cmocka_unit_test(test_errors_have_line_numbers_and_all_are_reported),
		cmocka_unit_test(test_whole_disks_auto_numbering),
		cmocka_unit_test(test_different_sizes_become_pooled),
		cmocka_unit_test(test_whole_disks_of_different_sizes_are_an_error),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_plan_pool_entries),
		cmocka_unit_test(test_plan_pool_slots_and_sizes),
		cmocka_unit_test(test_plan_budget),
		cmocka_unit_test(test_plan_whole_disks),
		cmocka_unit_test(test_plan_lines),
		cmocka_unit_test(test_budget_rule),
		cmocka_unit_test(test_relative_sizes),
		cmocka_unit_test(test_memory_conditions),
		cmocka_unit_test(test_plan_relative_keeps_existing),
		cmocka_unit_test(test_cmdline_switches),
	};
	const struct CMUnitTest system_tests[] = {
		cmocka_unit_test(test_system_ok),
		cmocka_unit_test(test_system_errors),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_persist_options),
		cmocka_unit_test(test_unit_path_rule),
		cmocka_unit_test(test_unit_path_lines),
		cmocka_unit_test(test_parse_set),
	};
	int rc = cmocka_run_group_tests_name("brdtab-parse", parse_tests, NULL, NULL);

	return rc | cmocka_run_group_tests_name("brdtab-system", system_tests,
						sys_setup, sys_teardown);
}
