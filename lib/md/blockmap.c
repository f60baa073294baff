// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/blockmap: FIEMAP/FIBMAP block maps and the "may we write this file
 * through its block addresses" verdict (docs/md-bitmaps.md, "FIEMAP, FIBMAP,
 * and writing through a file's block addresses").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/fiemap.h>
#include <blkid.h>
#include <libmount.h>

#include "blockmap.h"
#include "../base/log.h"
#include "../base/sysfs.h"

#ifndef FS_XFLAG_REALTIME
#define FS_XFLAG_REALTIME 0x00000001
#endif

/* ------------------------------------------------------------ flags --- */

static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{ FIEMAP_EXTENT_LAST, "LAST" },
	{ FIEMAP_EXTENT_UNKNOWN, "UNKNOWN" },
	{ FIEMAP_EXTENT_DELALLOC, "DELALLOC" },
	{ FIEMAP_EXTENT_ENCODED, "ENCODED" },
	{ FIEMAP_EXTENT_DATA_ENCRYPTED, "DATA_ENCRYPTED" },
	{ FIEMAP_EXTENT_NOT_ALIGNED, "NOT_ALIGNED" },
	{ FIEMAP_EXTENT_DATA_INLINE, "DATA_INLINE" },
	{ FIEMAP_EXTENT_DATA_TAIL, "DATA_TAIL" },
	{ FIEMAP_EXTENT_UNWRITTEN, "UNWRITTEN" },
	{ FIEMAP_EXTENT_MERGED, "MERGED" },
	{ FIEMAP_EXTENT_SHARED, "SHARED" },
};

/* what each bad flag means for us */
static const char *flag_why(uint32_t bit)
{
	switch (bit) {
	case FIEMAP_EXTENT_UNKNOWN: return "location unknown";
	case FIEMAP_EXTENT_DELALLOC: return "delayed allocation, no blocks yet";
	case FIEMAP_EXTENT_ENCODED: return "data is encoded (compressed or encrypted)";
	case FIEMAP_EXTENT_DATA_ENCRYPTED: return "data is encrypted";
	case FIEMAP_EXTENT_NOT_ALIGNED: return "not block aligned";
	case FIEMAP_EXTENT_DATA_INLINE: return "data is inline in metadata";
	case FIEMAP_EXTENT_DATA_TAIL: return "tail is packed with other files";
	case FIEMAP_EXTENT_UNWRITTEN: return "unwritten (preallocated) blocks read as zeros "
			   "whatever is written to them";
	case FIEMAP_EXTENT_SHARED: return "blocks are shared with another file "
			    "(writing would change it too)";
	default: return "unknown flag";
	}
}

const char *brd_extent_flag_name(uint32_t bit)
{
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flag_names[i].bit == bit)
			return flag_names[i].name;
	return NULL;
}

char *brd_extent_flags_str(uint32_t flags, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (uint32_t bit = 1; bit && flags; bit <<= 1) {
		const char *name;
		char hex[16];
		int w;

		if (!(flags & bit))
			continue;
		flags &= ~bit;
		name = brd_extent_flag_name(bit);
		if (!name) {
			snprintf(hex, sizeof(hex), "0x%x", bit);
			name = hex;
		}
		w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", name);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	return buf;
}

static const char *const why_names[BRD_BMW_NR] = {
	[BRD_BMW_NOTREG] = "not-regular",
	[BRD_BMW_EMPTY] = "empty",
	[BRD_BMW_FSTYPE] = "filesystem",
	[BRD_BMW_FSOPT] = "mount-option",
	[BRD_BMW_REALTIME] = "realtime",
	[BRD_BMW_NOMAP] = "no-block-map",
	[BRD_BMW_FLAG] = "extent-flag",
	[BRD_BMW_HOLE] = "hole",
	[BRD_BMW_ALIGN] = "unaligned",
	[BRD_BMW_OUTSIDE] = "outside-device",
	[BRD_BMW_ANONDEV] = "no-block-device",
	[BRD_BMW_NODEV] = "no-device-node",
	[BRD_BMW_DEVMISMATCH] = "device-mismatch",
	[BRD_BMW_FIBMAP] = "fibmap-mismatch",
	[BRD_BMW_MDINUSE] = "md-in-use",
	[BRD_BMW_DEVOPEN] = "device-not-writable",
	[BRD_BMW_CONTENT] = "content-mismatch",
};

const char *brd_bm_why_name(int why)
{
	if (why < 0 || why >= BRD_BMW_NR)
		return "unknown";
	return why_names[why];
}

/* ---------------------------------------------------------- reasons --- */

int brd_blockmap_add_reason(struct brd_blockmap *m, int why, uint32_t flag,
			    int err, const char *fmt, ...)
{
	struct brd_bm_reason *r;
	va_list ap;
	char *text = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	r = realloc(m->reasons, (m->nreasons + 1) * sizeof(*r));
	if (!r) {
		free(text);
		return -ENOMEM;
	}
	m->reasons = r;
	r[m->nreasons++] = (struct brd_bm_reason){
		.why = why, .flag = flag, .err = err < 0 ? -err : err,
		.text = text,
	};
	brd_dbg("%s: cannot write through blocks: %s", m->path ? m->path : "?",
		text);
	return 0;
}

/* ------------------------------------------------------ filesystems --- */

static const struct {
	unsigned long magic;
	const char *name;
	bool ok;
	const char *note;
} fs_table[] = {
	{ 0xEF53, "ext2/3/4", true, NULL },
	{ 0x58465342, "xfs", true, NULL },
	{ 0x9123683E, "btrfs", false,
	  "its addresses are btrfs logical addresses, not device offsets" },
	{ 0x01021994, "tmpfs", false, "it has no block device" },
	{ 0x858458f6, "ramfs", false, "it has no block device" },
	{ 0x794c7630, "overlayfs", false,
	  "its addresses belong to the underlying filesystem's device" },
	{ 0x6969, "nfs", false, "network filesystem" },
	{ 0xFF534D42, "cifs", false, "network filesystem" },
	{ 0xFE534D42, "smb2", false, "network filesystem" },
	{ 0x01021997, "9p", false, "network filesystem" },
	{ 0x00c36400, "ceph", false, "network filesystem" },
	{ 0x65735546, "fuse", false, "FUSE filesystem" },
	{ 0x65735543, "fusectl", false, "FUSE filesystem" },
	{ 0xca451a4e, "bcachefs", false, "multi-device filesystem" },
	{ 0x2fc12fc1, "zfs", false, "pooled filesystem" },
	{ 0xF2F52010, "f2fs", false, "may span several devices" },
	{ 0x73717368, "squashfs", false, "read-only, compressed" },
	{ 0xE0F5E1E2, "erofs", false, "read-only, compressed" },
	{ 0x4d44, "vfat", false, NULL },
	{ 0x2011BAB0, "exfat", false, NULL },
	{ 0x7366746e, "ntfs3", false, NULL },
	{ 0x01161970, "gfs2", false, "cluster filesystem" },
	{ 0x7461636f, "ocfs2", false, "cluster filesystem" },
	{ 0x62656572, "sysfs", false, "pseudo filesystem" },
	{ 0x9fa0, "proc", false, "pseudo filesystem" },
	{ 0x1373, "devtmpfs", false, "it has no block device" },
};

bool brd_blockmap_fs_allowed(unsigned long magic, const char **name,
			     const char **note)
{
	magic &= 0xffffffffUL;
	for (size_t i = 0; i < sizeof(fs_table) / sizeof(fs_table[0]); i++) {
		if (fs_table[i].magic != magic)
			continue;
		if (name)
			*name = fs_table[i].name;
		if (note)
			*note = fs_table[i].note;
		return fs_table[i].ok;
	}
	if (name)
		*name = NULL;
	if (note)
		*note = NULL;
	return false;
}

/* ----------------------------------------------------- extent checks --- */

int brd_blockmap_file_to_dev(const struct brd_blockmap *m, uint64_t off,
			     uint64_t *dev_off, uint64_t *run)
{
	for (size_t i = 0; i < m->next; i++) {
		const struct brd_extent *e = &m->ext[i];

		if (off >= e->logical && off - e->logical < e->length) {
			*dev_off = e->physical + (off - e->logical);
			if (run)
				*run = e->length - (off - e->logical);
			return 0;
		}
	}
	return -ENXIO;
}

/* the bytes of the device that hold the file: [0, roundup(size, blksz)) */
static uint64_t needed_bytes(const struct brd_blockmap *m)
{
	uint64_t b = m->blksz ? m->blksz : 1;

	if (m->size > UINT64_MAX - b)
		return UINT64_MAX;
	return (m->size + b - 1) / b * b;
}

/* One reason per bad flag first seen in extent @i, counting the extents
 * from there on that have it. */
static int report_flags(struct brd_blockmap *m, size_t i, uint32_t bad,
			uint32_t *seen_bad, uint64_t need)
{
	const struct brd_extent *e = &m->ext[i];
	int rc;

	for (uint32_t bit = 1; bit; bit <<= 1) {
		const char *name;
		char hex[16];
		size_t count = 0;

		if (!(bad & bit) || (*seen_bad & bit))
			continue;
		*seen_bad |= bit;
		for (size_t j = i; j < m->next; j++)
			if ((m->ext[j].flags & bit) && m->ext[j].logical < need)
				count++;
		name = brd_extent_flag_name(bit);
		if (!name) {
			snprintf(hex, sizeof(hex), "0x%x", bit);
			name = hex;
		}
		rc = brd_blockmap_add_reason(m, BRD_BMW_FLAG, bit, 0,
			"%zu extent%s %s (first at file offset %" PRIu64
			"): %s", count, count == 1 ? "" : "s", name,
			e->logical, flag_why(bit));
		if (rc)
			return rc;
	}
	return 0;
}

/* Reported once each: extents not block-aligned, extents off the device. */
struct ext_seen {
	uint32_t bad;
	bool aligned, outside;
};

static int check_place(struct brd_blockmap *m, const struct brd_extent *e,
		       uint32_t bad, struct ext_seen *seen)
{
	int rc;

	if (!seen->aligned && m->blksz &&
	    ((e->logical | e->length) % m->blksz ||
	     (m->dev_lbs && e->physical % m->dev_lbs) ||
	     e->physical % m->blksz)) {
		seen->aligned = true;
		rc = brd_blockmap_add_reason(m, BRD_BMW_ALIGN, 0, 0,
			"extent at file offset %" PRIu64 " (physical %"
			PRIu64 ", %" PRIu64 " bytes) is not aligned to "
			"the %" PRIu32 "-byte filesystem block",
			e->logical, e->physical, e->length, m->blksz);
		if (rc)
			return rc;
	}
	if (!seen->outside && m->dev_size &&
	    !(bad & 0x6) &&	/* UNKNOWN/DELALLOC have no address */
	    (e->physical >= m->dev_size ||
	     e->length > m->dev_size - e->physical)) {
		seen->outside = true;
		return brd_blockmap_add_reason(m, BRD_BMW_OUTSIDE, 0, 0,
			"extent at file offset %" PRIu64 " ends at device "
			"byte %" PRIu64 ", beyond the end of %s (%" PRIu64
			" bytes)", e->logical, e->physical + e->length,
			m->devnode ? m->devnode : "the device", m->dev_size);
	}
	return 0;
}

struct holes {
	size_t n;
	uint64_t first, bytes;
};

static void add_hole(struct holes *h, uint64_t from, uint64_t to)
{
	if (!h->n++)
		h->first = from;
	h->bytes += to - from;
}

int brd_blockmap_check_extents(struct brd_blockmap *m)
{
	uint64_t need = needed_bytes(m), covered = 0;
	struct ext_seen seen = { 0 };
	struct holes h = { 0 };
	int rc = 0;

	for (size_t i = 0; i < m->next && covered < need; i++) {
		const struct brd_extent *e = &m->ext[i];
		uint32_t bad = brd_extent_bad_flags(e->flags);
		uint64_t end = e->logical + e->length;

		if (e->length == 0 || end < e->logical)
			continue;
		if (e->logical >= need)
			break;
		if (e->logical > covered)
			add_hole(&h, covered, e->logical);
		if (end > covered)
			covered = end;
		if ((rc = report_flags(m, i, bad, &seen.bad, need)) ||
		    (rc = check_place(m, e, bad, &seen)))
			return rc;
	}
	if (covered < need)
		add_hole(&h, covered, need);
	if (h.n)
		rc = brd_blockmap_add_reason(m, BRD_BMW_HOLE, 0, 0,
			"%zu hole%s, %" PRIu64 " bytes unallocated (first at file "
			"offset %" PRIu64 ")", h.n, h.n == 1 ? "" : "s",
			h.bytes, h.first);
	if (!rc && m->blksz && m->dev_lbs && m->blksz % m->dev_lbs)
		rc = brd_blockmap_add_reason(m, BRD_BMW_ALIGN, 0, 0,
			"filesystem block size %" PRIu32 " is not a multiple of "
			"the device's logical block size %" PRIu32,
			m->blksz, m->dev_lbs);
	return rc;
}

/* ------------------------------------------------------------ mdstat --- */

void brd_strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* undo seq_file_path()'s octal escapes (\040 etc.) */
static char *unescape(const char *s, size_t len)
{
	char *r = malloc(len + 1), *o = r;

	if (!r)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') << 6 |
				      (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return r;
}

int brd_mdstat_bitmap_files(const char *mdstat, char ***names, char ***paths,
			    size_t *n)
{
	char **nv = NULL, **pv = NULL;
	size_t cnt = 0;
	char cur[64] = "";
	const char *line = mdstat;

	*names = *paths = NULL;
	*n = 0;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *f;

		if (len && line[0] != ' ' && line[0] != '\t') {
			/* "md127 : active raid1 ..." */
			const char *sp = memchr(line, ' ', len);
			size_t nl = sp ? (size_t)(sp - line) : len;

			if (sp && len > nl + 2 && sp[1] == ':' &&
			    nl < sizeof(cur)) {
				memcpy(cur, line, nl);
				cur[nl] = '\0';
			} else {
				cur[0] = '\0';
			}
		} else if (cur[0] && (f = memmem(line, len, "bitmap:", 7)) &&
			   (f = memmem(line, len, "file: ", 6))) {
			const char *p = f + 6;
			size_t plen = len - (size_t)(p - line);
			char **a, **b;

			a = realloc(nv, (cnt + 1) * sizeof(*a));
			if (!a)
				goto nomem;
			nv = a;
			b = realloc(pv, (cnt + 1) * sizeof(*b));
			if (!b)
				goto nomem;
			pv = b;
			nv[cnt] = strdup(cur);
			pv[cnt] = unescape(p, plen);
			if (!nv[cnt] || !pv[cnt]) {
				free(nv[cnt]);
				free(pv[cnt]);
				goto nomem;
			}
			cnt++;
		}
		line = eol ? eol + 1 : NULL;
	}
	*names = nv;
	*paths = pv;
	*n = cnt;
	return 0;
nomem:
	brd_strv_free(nv, cnt);
	brd_strv_free(pv, cnt);
	return -ENOMEM;
}

/* Is the file attached to an active md array?  Adds reasons (or, with
 * @force, only records m->md_user). */
static int check_md_in_use(struct brd_blockmap *m, bool force)
{
	char *text = NULL, **names = NULL, **paths = NULL;
	size_t n = 0;
	DIR *dir;
	struct dirent *de;
	int rc;

	rc = brd_path_read_string(&text, "/proc/mdstat");
	if (rc == 0)
		rc = brd_mdstat_bitmap_files(text, &names, &paths, &n);
	free(text);
	if (rc == -ENOENT)
		rc = 0;		/* no md driver: nothing uses the file */
	if (rc)
		return rc;

	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char rp[PATH_MAX];

		if (!brd_root_path(rp, sizeof(rp), paths[i]) ||
		    stat(rp, &st) < 0) {
			if (!m->md_user)
				m->md_user = strdup(names[i]);
			if (!force)
				rc = brd_blockmap_add_reason(m, BRD_BMW_MDINUSE,
					0, errno, "%s uses bitmap file %s, which "
					"cannot be compared with this file "
					"(%s); it may be this one", names[i],
					paths[i], strerror(errno));
		} else if (st.st_dev == m->dev && st.st_ino == m->ino) {
			free(m->md_user);
			m->md_user = strdup(names[i]);
			if (!force)
				rc = brd_blockmap_add_reason(m, BRD_BMW_MDINUSE,
					0, EBUSY, "the bitmap of active md array "
					"%s (stop the array first, or --force)",
					names[i]);
		}
		if (rc)
			break;
	}

	/* an array whose bitmap is a file that /proc/mdstat did not name */
	dir = rc ? NULL : brd_path_opendir("/sys/block");
	while (dir && (de = readdir(dir))) {
		char *loc = NULL;
		bool named = false;

		if (strncmp(de->d_name, "md", 2))
			continue;
		if (brd_path_read_string(&loc, "/sys/block/%s/md/bitmap/location",
					 de->d_name) || strcmp(loc, "file")) {
			free(loc);
			continue;
		}
		free(loc);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(names[i], de->d_name))
				named = true;
		if (named)
			continue;
		if (!m->md_user)
			m->md_user = strdup(de->d_name);
		if (!force && (rc = brd_blockmap_add_reason(m, BRD_BMW_MDINUSE,
				0, EBUSY, "md array %s has a bitmap file that "
				"/proc/mdstat does not name; it may be this one",
				de->d_name)))
			break;
	}
	if (dir)
		closedir(dir);
	brd_strv_free(names, n);
	brd_strv_free(paths, n);
	return rc;
}

/* ----------------------------------------------------------- mapping --- */

static int add_extent(struct brd_blockmap *m, const struct brd_extent *e)
{
	struct brd_extent *x;

	/* FIBMAP: merge with the previous one when contiguous */
	if (m->next && m->source == BRD_BM_SRC_FIBMAP) {
		struct brd_extent *p = &m->ext[m->next - 1];

		if (p->logical + p->length == e->logical &&
		    p->physical + p->length == e->physical &&
		    p->flags == e->flags) {
			p->length += e->length;
			return 0;
		}
	}
	x = realloc(m->ext, (m->next + 1) * sizeof(*x));
	if (!x)
		return -ENOMEM;
	m->ext = x;
	m->ext[m->next++] = *e;
	return 0;
}

#define FIEMAP_BATCH 128

int brd_fiemap_walk(int fd, uint64_t start, uint64_t end, bool sync,
		    brd_fiemap_fn fn, void *arg)
{
	size_t sz = sizeof(struct fiemap) +
		    FIEMAP_BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	int rc = 0;

	if (!fm)
		return -ENOMEM;
	while (start < end) {
		const struct fiemap_extent *last;

		memset(fm, 0, sz);
		fm->fm_start = start;
		fm->fm_length = FIEMAP_MAX_OFFSET - start;
		fm->fm_flags = sync ? FIEMAP_FLAG_SYNC : 0;
		fm->fm_extent_count = FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			rc = -errno;
			break;
		}
		if (fm->fm_mapped_extents == 0)
			break;
		for (uint32_t i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *fe = &fm->fm_extents[i];
			struct brd_extent e = {
				.logical = fe->fe_logical,
				.physical = fe->fe_physical,
				.length = fe->fe_length,
				.flags = fe->fe_flags,
			};

			if ((rc = fn(&e, arg)))
				goto out;
		}
		last = &fm->fm_extents[fm->fm_mapped_extents - 1];
		if ((last->fe_flags & FIEMAP_EXTENT_LAST) ||
		    last->fe_logical + last->fe_length <= start)
			break;
		start = last->fe_logical + last->fe_length;
	}
out:
	free(fm);
	return rc;
}

static int add_extent_cb(const struct brd_extent *e, void *arg)
{
	return add_extent(arg, e);
}

static int map_fiemap(struct brd_blockmap *m, int fd, bool sync)
{
	return brd_fiemap_walk(fd, 0, needed_bytes(m), sync, add_extent_cb, m);
}

/* at most this many FIBMAP calls (a bitmap file is far smaller) */
#define FIBMAP_MAX_BLOCKS (1u << 20)

static int fibmap_block(int fd, uint64_t lblk, uint64_t *pblk)
{
	int b;

	if (lblk > INT_MAX)
		return -EFBIG;
	b = (int)lblk;
	if (ioctl(fd, FIBMAP, &b) < 0)
		return -errno;
	*pblk = (uint64_t)(unsigned)b;
	return 0;
}

/* fallback: build the map from FIBMAP (0 = hole or unwritten) */
static int map_fibmap(struct brd_blockmap *m, int fd)
{
	uint64_t nblk = needed_bytes(m) / m->blksz;
	int rc;

	if (nblk > FIBMAP_MAX_BLOCKS)
		return -EFBIG;
	m->source = BRD_BM_SRC_FIBMAP;
	for (uint64_t b = 0; b < nblk; b++) {
		uint64_t p = 0;
		struct brd_extent e;

		if ((rc = fibmap_block(fd, b, &p)))
			return rc;
		if (!p)
			continue;
		e = (struct brd_extent){ .logical = b * m->blksz,
			.physical = p * m->blksz, .length = m->blksz };
		if ((rc = add_extent(m, &e)))
			return rc;
	}
	if (m->next)
		m->ext[m->next - 1].flags |= FIEMAP_EXTENT_LAST;
	return 0;
}

/* compare FIBMAP with the FIEMAP map, block by block */
static int fibmap_check(struct brd_blockmap *m, int fd)
{
	uint64_t nblk = needed_bytes(m) / m->blksz;
	size_t mismatches = 0, unmapped = 0;
	uint64_t first_mis = 0, first_unm = 0, mis_fib = 0, mis_fie = 0;
	int rc;

	if (nblk > FIBMAP_MAX_BLOCKS)
		nblk = FIBMAP_MAX_BLOCKS;
	for (uint64_t b = 0; b < nblk; b++) {
		uint64_t p = 0, dev_off, run;
		const struct brd_extent *e = NULL;

		if (brd_blockmap_file_to_dev(m, b * m->blksz, &dev_off, &run))
			continue;	/* a hole: already a reason */
		for (size_t i = 0; i < m->next; i++)
			if (b * m->blksz >= m->ext[i].logical &&
			    b * m->blksz - m->ext[i].logical < m->ext[i].length)
				e = &m->ext[i];
		if (e && brd_extent_bad_flags(e->flags))
			continue;	/* already a reason */
		rc = fibmap_block(fd, b, &p);
		if (rc) {
			m->fibmap = rc;
			brd_dbg("%s: FIBMAP: %s", m->path, strerror(-rc));
			return 0;
		}
		m->fibmap_blocks++;
		if (p == 0) {
			if (!unmapped++)
				first_unm = b;
		} else if (p * m->blksz != dev_off) {
			if (!mismatches++) {
				first_mis = b;
				mis_fib = p * m->blksz;
				mis_fie = dev_off;
			}
		}
	}
	m->fibmap = 1;
	rc = 0;
	if (mismatches)
		rc = brd_blockmap_add_reason(m, BRD_BMW_FIBMAP, 0, 0,
			"FIBMAP and FIEMAP disagree on %zu block%s (first: file "
			"block %" PRIu64 ", FIBMAP byte %" PRIu64 ", FIEMAP byte %"
			PRIu64 ")", mismatches, mismatches == 1 ? "" : "s",
			first_mis, mis_fib, mis_fie);
	if (!rc && unmapped)
		rc = brd_blockmap_add_reason(m, BRD_BMW_FIBMAP, 0, 0,
			"FIBMAP (md's bmap) reports %zu block%s unmapped (first: "
			"file block %" PRIu64 "); md could not use this file "
			"either", unmapped, unmapped == 1 ? "" : "s", first_unm);
	return rc;
}

/* ------------------------------------------------------------ device --- */

static int resolve_device(struct brd_blockmap *m)
{
	struct stat st;
	char *name;
	int fd, rc;
	uint64_t size = 0;
	int lbs = 0;

	if (major(m->dev) == 0)
		return brd_blockmap_add_reason(m, BRD_BMW_ANONDEV, 0, 0,
			"the file's device %u:%u is not a block device "
			"(anonymous device of a virtual, network or multi-device "
			"filesystem)", major(m->dev), minor(m->dev));
	name = blkid_devno_to_devname(m->dev);
	if (!name)
		return brd_blockmap_add_reason(m, BRD_BMW_NODEV, 0, ENODEV,
			"no device node found for block device %u:%u",
			major(m->dev), minor(m->dev));
	m->devnode = name;
	if (stat(name, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != m->dev)
		return brd_blockmap_add_reason(m, BRD_BMW_DEVMISMATCH, 0, 0,
			"%s is not block device %u:%u", name, major(m->dev),
			minor(m->dev));
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return brd_blockmap_add_reason(m, BRD_BMW_DEVOPEN, 0, errno,
			"cannot open %s: %s", name, strerror(errno));
	rc = 0;
	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != m->dev)
		rc = brd_blockmap_add_reason(m, BRD_BMW_DEVMISMATCH, 0, 0,
			"the opened %s is not block device %u:%u", name,
			major(m->dev), minor(m->dev));
	else if (ioctl(fd, BLKGETSIZE64, &size) < 0 ||
		 ioctl(fd, BLKSSZGET, &lbs) < 0 || lbs <= 0)
		rc = brd_blockmap_add_reason(m, BRD_BMW_NODEV, 0, errno,
			"cannot get the size of %s: %s", name, strerror(errno));
	close(fd);
	if (rc)
		return rc;
	m->dev_size = size;
	m->dev_lbs = (uint32_t)lbs;

	/* Would the kernel let us write?  (6.8+: CONFIG_BLK_DEV_WRITE_MOUNTED
	 * =n or bdev_allow_write_mounted=0 refuse a mounted device: EBUSY.) */
	fd = open(name, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		m->dev_write_err = -errno;
		if (errno == EBUSY)
			return brd_blockmap_add_reason(m, BRD_BMW_DEVOPEN, 0,
				EBUSY, "the kernel refuses to open mounted device "
				"%s for writing (CONFIG_BLK_DEV_WRITE_MOUNTED=n or "
				"bdev_allow_write_mounted=0)", name);
		return brd_blockmap_add_reason(m, BRD_BMW_DEVOPEN, 0, errno,
			"cannot open %s for writing: %s", name, strerror(errno));
	}
	close(fd);
	return 0;
}

static void find_mount(struct brd_blockmap *m)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_fs *fs;
	char p[PATH_MAX];

	if (!tb)
		return;
	if (brd_root_path(p, sizeof(p), "/proc/self/mountinfo") &&
	    mnt_table_parse_file(tb, p) == 0 &&
	    (fs = mnt_table_find_devno(tb, m->dev, MNT_ITER_BACKWARD))) {
		const char *t = mnt_fs_get_fstype(fs);
		const char *opts = mnt_fs_get_fs_options(fs);
		char *val = NULL;
		size_t vsz = 0;

		if (t && !m->fstype)
			m->fstype = strdup(t);
		if (mnt_fs_get_target(fs))
			m->mountpoint = strdup(mnt_fs_get_target(fs));
		if (opts && mnt_optstr_get_option(opts, "data", &val, &vsz) == 0 &&
		    val && vsz == 7 && !strncmp(val, "journal", 7))
			brd_blockmap_add_reason(m, BRD_BMW_FSOPT, 0, 0,
				"mounted with data=journal: the journal may hold "
				"newer copies of the blocks and replay them over "
				"a direct write");
	}
	mnt_unref_table(tb);
}

/* --------------------------------------------------------------- build --- */

/* The filesystem: on the allow-list?  Its name for the report. */
static int check_fs(struct brd_blockmap *m, int fd)
{
	struct statfs sfs;
	const char *fsname = NULL, *note = NULL;
	char unk[32];
	int rc;

	if (fstatfs(fd, &sfs) != 0)
		return 0;
	m->fs_magic = (unsigned long)sfs.f_type;
	if (!brd_blockmap_fs_allowed(m->fs_magic, &fsname, &note)) {
		if (!fsname) {
			snprintf(unk, sizeof(unk), "type 0x%lx", m->fs_magic);
			fsname = unk;
		}
		rc = brd_blockmap_add_reason(m, BRD_BMW_FSTYPE, 0, 0,
			"filesystem %s is not on the allow-list (ext2, "
			"ext3, ext4, xfs)%s%s", fsname, note ? ": " : "",
			note ? note : "");
		if (rc)
			return rc;
	}
	if (fsname && !strchr(fsname, ' ') && strcmp(fsname, "ext2/3/4"))
		m->fstype = strdup(fsname);
	return 0;
}

/* An XFS realtime file's addresses are on another device. */
static int check_realtime(struct brd_blockmap *m, int fd)
{
	struct fsxattr fx;

	if (m->fs_magic != 0x58465342 ||
	    ioctl(fd, FS_IOC_FSGETXATTR, &fx) != 0 ||
	    !(fx.fsx_xflags & FS_XFLAG_REALTIME))
		return 0;
	m->realtime = true;
	return brd_blockmap_add_reason(m, BRD_BMW_REALTIME, 0, 0,
		"XFS realtime file: its addresses are on the realtime device, "
		"not %u:%u", major(m->dev), minor(m->dev));
}

static void drop_extents(struct brd_blockmap *m)
{
	m->source = BRD_BM_SRC_NONE;
	free(m->ext);
	m->ext = NULL;
	m->next = 0;
}

/* The extents: FIEMAP (after an fsync unless BRD_BM_NOSYNC), else FIBMAP,
 * else a "no map" reason. */
static int map_extents(struct brd_blockmap *m, int fd, unsigned flags)
{
	int rc, frc;

	if (!(flags & BRD_BM_NOSYNC)) {
		/* make delayed allocations real first (md does the same) */
		if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
			return -errno;
		m->synced = true;
	}
	m->source = BRD_BM_SRC_FIEMAP;
	rc = map_fiemap(m, fd, !(flags & BRD_BM_NOSYNC));
	if (rc == -ENOMEM || !rc)
		return rc;
	m->fiemap_err = rc;
	drop_extents(m);
	frc = m->size ? map_fibmap(m, fd) : 0;
	if (frc == -ENOMEM)
		return frc;
	if (!frc)
		return 0;
	drop_extents(m);
	m->fibmap = frc;
	return brd_blockmap_add_reason(m, BRD_BMW_NOMAP, 0, rc,
		"the filesystem reports no block addresses (FIEMAP: %s; "
		"FIBMAP: %s)", strerror(-rc), strerror(-frc));
}

/* Open @path (a symlink is followed only when O_NOFOLLOW refuses it). */
static int open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0 && errno == ELOOP)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* Everything after the file is known to be a regular file. */
static int build_regular(struct brd_blockmap *m, int fd,
			 const struct stat *st, unsigned flags)
{
	int rc, bsz = 0;

	if ((rc = check_fs(m, fd)))
		return rc;
	find_mount(m);
	if ((rc = check_realtime(m, fd)))
		return rc;
	if (ioctl(fd, FIGETBSZ, &bsz) < 0 || bsz <= 0)
		bsz = (int)st->st_blksize;
	m->blksz = (uint32_t)bsz;
	if (m->size == 0 &&
	    (rc = brd_blockmap_add_reason(m, BRD_BMW_EMPTY, 0, 0,
					  "the file is empty")))
		return rc;
	if ((rc = map_extents(m, fd, flags)))
		return rc;
	if ((rc = resolve_device(m)))
		return rc;
	if (m->source != BRD_BM_SRC_NONE && m->size &&
	    (rc = brd_blockmap_check_extents(m)))
		return rc;
	if (m->source == BRD_BM_SRC_FIEMAP && m->size &&
	    !(flags & BRD_BM_NOFIBMAP) && (rc = fibmap_check(m, fd)))
		return rc;
	return check_md_in_use(m, flags & BRD_BM_FORCE);
}

int brd_blockmap_build(struct brd_blockmap *m, const char *path,
		       unsigned flags)
{
	struct stat st;
	int fd, rc;

	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	if (!m->path)
		return -ENOMEM;
	fd = open_file(path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	m->size = (uint64_t)st.st_size;
	if (S_ISREG(st.st_mode))
		rc = build_regular(m, fd, &st, flags);
	else
		rc = brd_blockmap_add_reason(m, BRD_BMW_NOTREG, 0, 0,
					     "not a regular file");
out:
	close(fd);
	return rc;
}

void brd_blockmap_free(struct brd_blockmap *m)
{
	for (size_t i = 0; i < m->nreasons; i++)
		free(m->reasons[i].text);
	free(m->reasons);
	free(m->ext);
	free(m->path);
	free(m->fstype);
	free(m->mountpoint);
	free(m->devnode);
	free(m->md_user);
	memset(m, 0, sizeof(*m));
}
