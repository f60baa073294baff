// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/ramdisk/brdunit.c (systemd units of brdtab lines, --only),
 * lib/ramdisk/applied.c (the recorded line). */
#include <errno.h>
#include <fcntl.h>
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
#include "../../lib/ramdisk/brdtab.h"
#include "../../lib/ramdisk/brdunit.h"
#include "../../lib/base/sysfs.h"

static struct brdtab *parse(const char *text)
{
	struct brdtab *tab = NULL;

	assert_int_equal(brdtab_parse_buffer("t.tab", text, strlen(text), &tab), 0);
	assert_non_null(tab);
	return tab;
}

static void name_is(const char *path, const char *want)
{
	char *n = brd_unit_name_from_path(path, ".mount");

	assert_non_null(n);
	assert_string_equal(n, want);
	free(n);
}

/* the same names as `systemd-escape -p --suffix=mount PATH` */
static void test_unit_names(void **state)
{
	(void)state;
	name_is("/srv/db/tmp", "srv-db-tmp.mount");
	name_is("/srv//db/", "srv-db.mount");
	name_is("/var/cache/my-app", "var-cache-my\\x2dapp.mount");
	name_is("/a b", "a\\x20b.mount");
	name_is("/.hidden/x.y", "\\x2ehidden-x.y.mount");
	name_is("/", "-.mount");
}

static void test_select(void **state)
{
	struct brdtab *tab = parse("# c\n"
				   "a 1G ext4 /a\n"
				   "b 2G\n"
				   "c 1x\n"
				   "auto 3G ext4 /srv/d\n");

	(void)state;
	assert_int_equal(tab->n, 3);
	assert_int_equal(tab->nerr, 1);		/* line 4 */
	assert_int_equal(brdtab_select(tab, "nope"), -ENOENT);
	assert_int_equal(tab->n, 3);		/* unchanged */
	assert_int_equal(brdtab_select(tab, "srv-d"), 0);	/* resolved name */
	assert_int_equal(tab->n, 1);
	assert_int_equal(tab->nerr, 0);		/* line 4 is not ours */
	assert_string_equal(tab->ent[0].name, "srv-d");
	assert_int_equal(tab->ent[0].line, 5);
	assert_true(tab->pooled);
	brdtab_free(tab);

	/* errors of the selected line stay */
	tab = parse("ram0 1G\nram1 2G\n");
	assert_true(tab->nerr > 0);
	assert_int_equal(brdtab_select(tab, "ram1"), 0);
	assert_int_equal(tab->nerr, 1);
	assert_int_equal(tab->err[0].line, 2);
	brdtab_free(tab);
}

static void test_take(void **state)
{
	struct brdtab *a = parse("x 1G\n"), *b = parse("x 2G\ny 1G\nz 1G\n");

	(void)state;
	assert_int_equal(brdtab_take(a, b, "x"), 0);
	assert_int_equal(a->n, 3);
	assert_int_equal(b->n, 0);
	assert_string_equal(a->ent[0].name, "x");
	assert_int_equal(a->ent[0].size, 1u << 30);	/* ours, not b's x */
	assert_string_equal(a->ent[1].name, "y");
	assert_string_equal(a->ent[2].name, "z");
	brdtab_free(a);
	brdtab_free(b);
}

/* the recorded line parses back to the same line */
static void test_entry_line(void **state)
{
	struct brdtab *tab = parse("auto 64M \"ext4:-m 0 -L a\\\"b\" \"/srv/my dir\" noatime,nodev app: 0750\n"
				   "ram0 2G\n");
	struct brdtab *back;
	char *line;

	(void)state;
	/* the auto line is pooled (sizes differ) but ram0 is an error: use
	 * a table of its own */
	brdtab_free(tab);
	tab = parse("auto 64M \"ext4:-m 0 -L a\\\"b\" \"/srv/my dir\" noatime,nodev app: 0750\n");
	assert_int_equal(tab->nerr, 0);
	line = brdtab_entry_line(&tab->ent[0]);
	assert_non_null(line);
	assert_string_equal(line, "ram0 64M \"ext4:-m 0 -L a\\\"b\" \"/srv/my dir\" "
			    "\"noatime,nodev\" \"app:\" \"0750\"\n");
	back = parse(line);
	assert_int_equal(back->nerr, 0);
	assert_int_equal(back->n, 1);
	assert_string_equal(back->ent[0].name, "ram0");
	assert_int_equal(back->ent[0].size, 64u << 20);
	assert_string_equal(back->ent[0].mkfs_opts, "-m 0 -L a\"b");
	assert_string_equal(back->ent[0].target, "/srv/my dir");
	assert_string_equal(back->ent[0].options, "noatime,nodev");
	assert_string_equal(back->ent[0].owner, "app");
	assert_true(back->ent[0].owner_group);
	assert_int_equal(back->ent[0].mode, 0750);
	free(line);
	brdtab_free(back);
	brdtab_free(tab);
	/* brdctl's own options go back among the mount options */
	tab = parse("ram1 64M ext4 /srv/p noatime,x-brdctl.persist=/var/p.img,"
		    "x-brdctl.persist-every=15min\n");
	assert_int_equal(tab->nerr, 0);
	line = brdtab_entry_line(&tab->ent[0]);
	assert_non_null(line);
	assert_string_equal(line, "ram1 64M \"ext4\" \"/srv/p\" \"noatime,x-brdctl.persist="
			    "/var/p.img,x-brdctl.persist-every=15min\" - -\n");
	back = parse(line);
	assert_int_equal(back->nerr, 0);
	assert_string_equal(back->ent[0].options, "noatime");
	assert_string_equal(back->ent[0].persist, "/var/p.img");
	assert_string_equal(back->ent[0].persist_every, "15min");
	free(line);
	brdtab_free(back);
	brdtab_free(tab);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 8192);

	assert_non_null(f);
	assert_non_null(buf);
	assert_true(fread(buf, 1, 8191, f) > 0);
	fclose(f);
	return buf;
}

static void test_write_units(void **state)
{
	char dir[] = "/tmp/test-brdunit.XXXXXX", p[4096], l[256];
	struct brdtab *tab = parse("db 64M ext4 /srv/db/tmp noatime nobody: 0700\n"
				   "raw 32M\n"
				   "pct 32M ext4 /srv/100%\n");
	char *s;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(brdtab_write_units(tab, dir, "/etc/brdtab"), 0);

	snprintf(p, sizeof(p), "%s/brdctl-setup@db.service.d/50-brdtab.conf", dir);
	s = slurp(p);
	assert_string_equal(s,
		"# Generated by brdctl-generator from /etc/brdtab, line 1.\n"
		"[Unit]\n"
		"Description=brdctl ramdisk db (/etc/brdtab line 1)\n"
		"SourcePath=/etc/brdtab\n"
		"Before=local-fs.target\n"
		"RequiresMountsFor=\"/srv/db\"\n");
	free(s);
	snprintf(p, sizeof(p), "%s/srv-db-tmp.mount", dir);
	s = slurp(p);
	assert_string_equal(s,
		"# Generated by brdctl-generator from /etc/brdtab, line 1.\n"
		"[Unit]\n"
		"Description=brdctl ramdisk db on /srv/db/tmp (/etc/brdtab line 1)\n"
		"Documentation=man:brdtab(5)\n"
		"SourcePath=/etc/brdtab\n"
		"Requires=brdctl-setup@db.service\n"
		"After=brdctl-setup@db.service\n"
		"\n"
		"[Mount]\n"
		"What=/run/brdctl/dev/db\n"
		"Where=/srv/db/tmp\n"
		"Type=ext4\n"
		"Options=noatime\n");
	free(s);
	/* a raw line: its setup unit only, no RequiresMountsFor= */
	snprintf(p, sizeof(p), "%s/brdctl-setup@raw.service.d/50-brdtab.conf", dir);
	s = slurp(p);
	assert_null(strstr(s, "RequiresMountsFor"));
	assert_non_null(strstr(s, "Description=brdctl ramdisk raw (/etc/brdtab line 2)\n"));
	free(s);
	/* specifiers escaped */
	snprintf(p, sizeof(p), "%s/srv-100\\x25.mount", dir);
	s = slurp(p);
	assert_non_null(strstr(s, "Where=/srv/100%%\n"));
	free(s);
	/* a backslash would continue the line in a unit file: the parser
	 * refuses the line; an entry made otherwise gets no units either */
	brdtab_free(tab);
	tab = parse("bs 32M ext4 /srv/a\\\\b\n");
	assert_int_equal(tab->nerr, 1);
	assert_int_equal(tab->n, 0);
	brdtab_free(tab);
	tab = parse("bs 32M ext4 /srv/ab\nok 32M ext4 /srv/ok\n");
	assert_int_equal(tab->nerr, 0);
	free(tab->ent[0].target);
	tab->ent[0].target = strdup("/srv/a\\b");
	assert_int_equal(brdtab_write_units(tab, dir, "/etc/brdtab"), 0);
	snprintf(p, sizeof(p), "%s/brdctl-setup@bs.service.d", dir);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/brdctl-setup@ok.service.d/50-brdtab.conf", dir);
	assert_int_equal(access(p, F_OK), 0);
	brdtab_free(tab);
	/* a line whose units cannot be written fails alone: what it wrote is
	 * removed, no wants link names it, the next line gets its units; the
	 * temporary files have short names (a unit name may be 255 bytes) */
	tab = parse("w1 32M ext4 /srv/w1\nw2 32M ext4 /srv/w2\n");
	snprintf(p, sizeof(p), "%s/brdctl-setup@w1.service.d", dir);
	assert_int_equal(close(open(p, O_CREAT | O_WRONLY, 0644)), 0);
	assert_int_equal(brdtab_write_units(tab, dir, "/etc/brdtab"), -ENOTDIR);
	snprintf(p, sizeof(p), "%s/srv-w1.mount", dir);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/local-fs.target.wants/brdctl-setup@w1.service", dir);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/local-fs.target.wants/srv-w1.mount", dir);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/local-fs.target.wants/srv-w2.mount", dir);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/srv-w2.mount", dir);
	assert_int_equal(access(p, F_OK), 0);
	brdtab_free(tab);
	tab = parse("x 32M\n");
	/* pulled in by local-fs.target (Wants, so a failure does not fail it) */
	snprintf(p, sizeof(p), "%s/local-fs.target.wants/brdctl-setup@raw.service", dir);
	n = readlink(p, l, sizeof(l) - 1);
	assert_true(n > 0);
	l[n] = '\0';
	assert_string_equal(l, "../brdctl-setup@.service");
	snprintf(p, sizeof(p), "%s/local-fs.target.wants/srv-db-tmp.mount", dir);
	n = readlink(p, l, sizeof(l) - 1);
	assert_true(n > 0);
	l[n] = '\0';
	assert_string_equal(l, "../srv-db-tmp.mount");
	snprintf(p, sizeof(p), "%s/local-fs.target.requires", dir);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
	brdtab_free(tab);
}

static void test_applied(void **state)
{
	char root[] = "/tmp/test-applied.XXXXXX", p[4200], other[64], *line;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/run", root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(brd_set_root(root), 0);
	/* names that break the one name rule never reach the filesystem */
	assert_int_equal(brd_applied_save("../a", "a 1G\n"), -EINVAL);
	assert_int_equal(brd_applied_save("a b", "a 1G\n"), -EINVAL);
	assert_int_equal(brd_applied_link("..", "/dev/ram0"), -EINVAL);
	assert_int_equal(brd_applied_load("../../etc/passwd", &line), -EINVAL);
	assert_int_equal(brd_applied_remove("../../victim"), -EINVAL);
	assert_int_equal(brd_applied_remove(""), -EINVAL);
	assert_int_equal(brd_applied_load("a", &line), -ENOENT);
	assert_int_equal(brd_applied_other("a", other, sizeof(other)), 0);
	assert_int_equal(brd_applied_save("a", "a 1G\n"), 0);
	assert_int_equal(brd_applied_link("a", "/dev/ram0p1"), 0);
	assert_int_equal(brd_applied_load("a", &line), 0);
	assert_string_equal(line, "a 1G");
	free(line);
	assert_int_equal(brd_applied_other("a", other, sizeof(other)), 0);
	assert_int_equal(brd_applied_save("b", "b 2G\n"), 0);
	assert_int_equal(brd_applied_other("a", other, sizeof(other)), 1);
	assert_string_equal(other, "b");
	/* a line named "c.brdtab" is no record of line c */
	assert_int_equal(brd_applied_link("c.brdtab", "/dev/ram0p2"), 0);
	assert_int_equal(brd_applied_other("b", other, sizeof(other)), 1);
	assert_string_equal(other, "a");
	assert_int_equal(brd_applied_remove("c.brdtab"), 0);
	snprintf(p, sizeof(p), "%s/run/brdctl/dev/a", root);
	assert_int_equal(readlink(p, other, sizeof(other)), 11);
	assert_int_equal(brd_applied_remove("a"), 0);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(brd_applied_load("a", &line), -ENOENT);
	assert_int_equal(brd_applied_remove("a"), 0);	/* twice is fine */

	/* whole disks left to brd: a mark holds for the disk as it is (its
	 * diskseq), not for a disk made again; unloading forgets them all */
	assert_int_equal(brd_left_marked("ram2"), 0);
	snprintf(p, sizeof(p), "mkdir -p '%s/sys/block/ram2' '%s/sys/block/ram3' && "
		 "echo 7 >'%s/sys/block/ram2/diskseq' && echo 9 >'%s/sys/block/ram3/diskseq'",
		 root, root, root, root);
	assert_int_equal(system(p), 0);
	assert_int_equal(brd_left_mark("ram2", "b"), 0);
	assert_int_equal(brd_left_mark("ram3", "c"), 0);
	assert_int_equal(brd_left_mark("../x", "c"), -EINVAL);
	assert_int_equal(brd_left_marked("ram2"), 1);
	assert_int_equal(brd_left_marked("ram4"), 0);
	snprintf(p, sizeof(p), "%s/run/brdctl/left/ram2", root);
	line = NULL;
	{
		FILE *f = fopen(p, "r");
		char buf[64] = "";

		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_string_equal(buf, "7 b\n");
	}
	snprintf(p, sizeof(p), "echo 17 >'%s/sys/block/ram2/diskseq'", root);
	assert_int_equal(system(p), 0);
	assert_int_equal(brd_left_marked("ram2"), 0);	/* another disk now */
	assert_int_equal(brd_left_forget("ram3"), 0);
	assert_int_equal(brd_left_marked("ram3"), 0);
	assert_int_equal(brd_left_mark("ram3", "c"), 0);
	assert_int_equal(brd_left_forget_all(), 0);
	assert_int_equal(brd_left_marked("ram3"), 0);
	snprintf(p, sizeof(p), "%s/run/brdctl/left/ram2", root);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(brd_set_root(NULL), 0);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	assert_int_equal(system(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_names),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_entry_line),
		cmocka_unit_test(test_write_units),
		cmocka_unit_test(test_applied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
