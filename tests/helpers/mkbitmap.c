// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkbitmap: test-input generator for "brdctl bitmap examine".
 *
 * Writes md bitmap superblocks with arbitrary raw field values, chunk data
 * patterns, truncation, cluster node slots, and md member images (0.90,
 * 1.0, 1.1, 1.2 superblocks) with an internal bitmap.  It has its own
 * little-endian encoder on purpose: it does not share lib/bitmap's, so a
 * field-offset bug there cannot hide itself.
 *
 *   mkbitmap [options] FILE
 *
 * Superblock fields: --magic --version --uuid HEX32 --events
 *   --events-cleared --sync-size SECTORS --state --chunksize --daemon
 *   --write-behind --reserved --nodes --cluster-name
 * Data: --pattern zero|full|alt|first:N|bits:A,B-C,...|random:SEED|
 *   states:S0,S1,...   (states: llbitmap state bytes, repeated)
 *   --data-bytes N  write exactly N bytes of chunk data (truncate/extend)
 *   --tail N[:V]    then N more bytes of value V (default 0xff), as real
 *                   llbitmap members carry after their last chunk
 *   --slots N       write N node slots (default: nodes, at least 1)
 * Placement: --offset BYTES  where the bitmap area starts in FILE
 *   --md 0.90|1.0|1.1|1.2 --dev-size BYTES [--bitmap-offset SECTORS]
 *   [--md-uuid HEX32] [--no-bitmap-flag] [--ctime N] [--clustered]
 *   builds a member image of --dev-size bytes: the md superblock at its
 *   standard place and the bitmap at sb + bitmap-offset.
 * FILE is created if missing and never truncated when --offset/--md are
 * used (so it can be a block device); otherwise it is replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static __attribute__((noreturn)) void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "mkbitmap: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !*s)
		die("bad number '%s'", s);
	return v;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void hex16(const char *s, unsigned char *u)
{
	int n = 0;

	for (; *s && n < 32; s++) {
		int v;

		if (*s == ':' || *s == '-')
			continue;
		if (sscanf((char[]){ *s, 0 }, "%1x", &v) != 1)
			die("bad uuid '%s'", s);
		if (n % 2)
			u[n / 2] |= (unsigned char)v;
		else
			u[n / 2] = (unsigned char)(v << 4);
		n++;
	}
	if (n != 32)
		die("uuid needs 32 hex digits: '%s'", s);
}

static struct {
	uint32_t magic, version, state, chunksize, daemon, wb, reserved, nodes;
	uint64_t events, events_cleared, sync_size;
	unsigned char uuid[16];
	char cname[65];
} F = { .magic = 0x6d746962, .version = 4, .chunksize = 65536, .daemon = 5,
	.events = 7, .events_cleared = 3, .sync_size = 2097152,
	.uuid = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } };

static const char *pattern = "full";
static int64_t data_bytes = -1;
static uint64_t tail_bytes;
static unsigned char tail_value = 0xff;
static long slots = -1;

static uint64_t chunks(void)
{
	uint64_t cb = F.version == 6 ? (uint64_t)F.chunksize * 512 : F.chunksize;
	unsigned __int128 b = (unsigned __int128)F.sync_size * 512;

	if (!cb || !F.sync_size)
		return 0;
	return (uint64_t)((b + cb - 1) / cb);
}

static uint64_t natural_data_bytes(void)
{
	return F.version == 6 ? chunks() : (chunks() + 7) / 8;
}

static uint64_t data_offset(void)
{
	return F.version == 6 ? 1024 : 256;
}

static void sb_bytes(unsigned char *p)
{
	memset(p, 0, 256);
	put32(p + 0, F.magic);
	put32(p + 4, F.version);
	memcpy(p + 8, F.uuid, 16);
	put64(p + 24, F.events);
	put64(p + 32, F.events_cleared);
	put64(p + 40, F.sync_size);
	put32(p + 48, F.state);
	put32(p + 52, F.chunksize);
	put32(p + 56, F.daemon);
	put32(p + 60, F.wb);
	put32(p + 64, F.reserved);
	put32(p + 68, F.nodes);
	memcpy(p + 72, F.cname, strnlen(F.cname, 64));
}

static int bit_in_list(const char *list, uint64_t c)
{
	const char *p = list;

	while (*p) {
		char *end;
		uint64_t a = strtoull(p, &end, 0), b = a;

		if (*end == '-')
			b = strtoull(end + 1, &end, 0);
		if (c >= a && c <= b)
			return 1;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			die("bad list '%s'", list);
	}
	return 0;
}

/* Byte @i of the chunk data. */
static unsigned char data_byte(uint64_t i)
{
	static uint64_t rnd;
	static int seeded;

	if (!strcmp(pattern, "zero"))
		return 0;
	if (!strcmp(pattern, "full"))
		return F.version == 6 ? 2 : 0xff;
	if (!strcmp(pattern, "alt"))
		return F.version == 6 ? (unsigned char)(i % 2 ? 2 : 1) : 0x55;
	if (!strncmp(pattern, "first:", 6)) {
		uint64_t n = num(pattern + 6);
		unsigned char b = 0;

		if (F.version == 6)
			return i < n ? 2 : 1;
		for (int k = 0; k < 8; k++)
			if (i * 8 + (uint64_t)k < n)
				b |= (unsigned char)(1u << k);
		return b;
	}
	if (!strncmp(pattern, "bits:", 5)) {
		unsigned char b = 0;

		if (F.version == 6)
			return bit_in_list(pattern + 5, i) ? 2 : 1;
		for (int k = 0; k < 8; k++)
			if (bit_in_list(pattern + 5, i * 8 + (uint64_t)k))
				b |= (unsigned char)(1u << k);
		return b;
	}
	if (!strncmp(pattern, "random:", 7)) {
		if (!seeded) {
			rnd = num(pattern + 7) * 2654435761u + 1;
			seeded = 1;
		}
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		return F.version == 6 ? (unsigned char)(rnd % 8)
				      : (unsigned char)rnd;
	}
	if (!strncmp(pattern, "states:", 7)) {
		const char *p = pattern + 7;
		uint64_t n = 1, k;

		for (const char *q = p; *q; q++)
			n += *q == ',';
		k = i % n;
		while (k--)
			p = strchr(p, ',') + 1;
		return (unsigned char)strtoul(p, NULL, 0);
	}
	die("unknown pattern '%s'", pattern);
	return 0;
}

static void xpwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	if (pwrite(fd, buf, len, (off_t)off) != (ssize_t)len) {
		perror("mkbitmap: write");
		exit(1);
	}
}

/* Write one bitmap area (superblock, gap, data) at @off. */
static uint64_t write_area(int fd, uint64_t off)
{
	unsigned char sb[256], buf[65536];
	uint64_t n = data_bytes >= 0 ? (uint64_t)data_bytes : natural_data_bytes();
	uint64_t doff = data_offset(), i = 0;

	sb_bytes(sb);
	xpwrite(fd, sb, sizeof(sb), off);
	if (doff > 256) {
		memset(buf, 0, doff - 256);
		xpwrite(fd, buf, doff - 256, off + 256);
	}
	while (i < n) {
		size_t k, m = n - i < sizeof(buf) ? (size_t)(n - i) : sizeof(buf);

		for (k = 0; k < m; k++)
			buf[k] = data_byte(i + k);
		xpwrite(fd, buf, m, off + doff + i);
		i += m;
	}
	for (i = 0; i < tail_bytes; ) {
		size_t m = tail_bytes - i < sizeof(buf) ? (size_t)(tail_bytes - i)
							: sizeof(buf);

		memset(buf, tail_value, m);
		xpwrite(fd, buf, m, off + doff + n + i);
		i += m;
	}
	return doff + n + tail_bytes;
}

static uint64_t slot_bytes(void)
{
	return (256 + (chunks() + 7) / 8 + 4095) / 4096 * 4096;
}

/* md superblocks */
static const char *md;
static uint64_t dev_size, ctime_ = 1700000000;
static int64_t bitmap_offset = 8;
static int have_md_uuid, no_bitmap_flag, clustered;
static unsigned char md_uuid[16];

static uint32_t csum_words(const unsigned char *p, size_t len)
{
	uint64_t s = 0;

	for (size_t i = 0; i + 4 <= len; i += 4)
		s += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
		     (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
	return (uint32_t)((s & 0xffffffff) + (s >> 32));
}

static uint64_t write_md(int fd)
{
	uint64_t dsize = dev_size / 512, sb_sec;
	const unsigned char *uuid = have_md_uuid ? md_uuid : F.uuid;

	if (!strcmp(md, "0.90")) {
		unsigned char sb[4096];

		if (dsize < 256)
			die("device too small for %s", md);
		sb_sec = (dsize & ~(uint64_t)127) - 128;
		memset(sb, 0, sizeof(sb));
		put32(sb + 0, 0xa92b4efc);
		put32(sb + 4, 0);		/* major */
		put32(sb + 8, 90);		/* minor */
		put32(sb + 12, 0);
		memcpy(sb + 20, uuid, 4);	/* set_uuid0 */
		put32(sb + 24, (uint32_t)ctime_);
		put32(sb + 28, 1);		/* level */
		put32(sb + 32, (uint32_t)(sb_sec / 2));	/* size KiB */
		put32(sb + 36, 2);		/* nr_disks */
		put32(sb + 40, 2);		/* raid_disks */
		memcpy(sb + 52, uuid + 4, 12);	/* set_uuid1..3 */
		put32(sb + 128, (uint32_t)ctime_);	/* utime */
		put32(sb + 132, 1u | (no_bitmap_flag ? 0 : 1u << 8));
		put32(sb + 136, 2);		/* active */
		put32(sb + 140, 2);		/* working */
		put32(sb + 160, 1);		/* events_lo (LE) */
		put32(sb + 152, 0);
		put32(sb + 152, csum_words(sb, sizeof(sb)));
		xpwrite(fd, sb, sizeof(sb), sb_sec * 512);
		return sb_sec * 512 + 4096;
	}
	{
		unsigned char sb[512];
		uint32_t max_dev = 2;

		if (!strcmp(md, "1.0"))
			sb_sec = (dsize - 16) & ~(uint64_t)7;
		else if (!strcmp(md, "1.1"))
			sb_sec = 0;
		else if (!strcmp(md, "1.2"))
			sb_sec = 8;
		else
			die("unknown metadata '%s'", md);
		memset(sb, 0, sizeof(sb));
		put32(sb + 0, 0xa92b4efc);
		put32(sb + 4, 1);
		put32(sb + 8, (no_bitmap_flag ? 0 : 1u) | (clustered ? 256u : 0));
		memcpy(sb + 16, uuid, 16);
		memcpy(sb + 32, "brdtest:0", 9);
		put64(sb + 64, ctime_);
		put32(sb + 72, 1);			/* level */
		put64(sb + 80, F.sync_size);		/* size */
		put32(sb + 92, 2);			/* raid_disks */
		put32(sb + 96, (uint32_t)(int32_t)bitmap_offset);
		put64(sb + 128, !strcmp(md, "1.0") ? 0 : 2048);	/* data_offset */
		put64(sb + 136, F.sync_size);		/* data_size */
		put64(sb + 144, sb_sec);		/* super_offset */
		put32(sb + 160, 0);			/* dev_number */
		memset(sb + 168, 0xab, 16);		/* device_uuid */
		put64(sb + 192, ctime_);		/* utime */
		put64(sb + 200, F.events);
		put64(sb + 208, ~0ull);			/* resync_offset */
		put32(sb + 220, max_dev);
		put32(sb + 224, 512);			/* logical_block_size */
		sb[256] = 0; sb[257] = 0;		/* role 0 */
		sb[258] = 1; sb[259] = 0;		/* role 1 */
		put32(sb + 216, csum_words(sb, 256 + 2 * max_dev));
		xpwrite(fd, sb, sizeof(sb), sb_sec * 512);
		return (uint64_t)((int64_t)sb_sec * 512 + bitmap_offset * 512);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "magic", 1, NULL, 'M' }, { "version", 1, NULL, 'V' },
		{ "uuid", 1, NULL, 'u' }, { "events", 1, NULL, 'e' },
		{ "events-cleared", 1, NULL, 'E' },
		{ "sync-size", 1, NULL, 's' }, { "state", 1, NULL, 'S' },
		{ "chunksize", 1, NULL, 'c' }, { "daemon", 1, NULL, 'd' },
		{ "write-behind", 1, NULL, 'w' }, { "reserved", 1, NULL, 'r' },
		{ "nodes", 1, NULL, 'n' }, { "cluster-name", 1, NULL, 'N' },
		{ "pattern", 1, NULL, 'p' }, { "data-bytes", 1, NULL, 'D' },
		{ "slots", 1, NULL, 'L' }, { "offset", 1, NULL, 'o' },
		{ "md", 1, NULL, 'm' }, { "dev-size", 1, NULL, 'z' },
		{ "bitmap-offset", 1, NULL, 'b' }, { "md-uuid", 1, NULL, 'U' },
		{ "no-bitmap-flag", 0, NULL, 'F' }, { "ctime", 1, NULL, 'T' },
		{ "clustered", 0, NULL, 'C' }, { "tail", 1, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t off = 0, end;
	int c, fd, keep = 0;
	long i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'M': F.magic = (uint32_t)num(optarg); break;
		case 'V': F.version = (uint32_t)num(optarg); break;
		case 'u': hex16(optarg, F.uuid); break;
		case 'e': F.events = num(optarg); break;
		case 'E': F.events_cleared = num(optarg); break;
		case 's': F.sync_size = num(optarg); break;
		case 'S': F.state = (uint32_t)num(optarg); break;
		case 'c': F.chunksize = (uint32_t)num(optarg); break;
		case 'd': F.daemon = (uint32_t)num(optarg); break;
		case 'w': F.wb = (uint32_t)num(optarg); break;
		case 'r': F.reserved = (uint32_t)num(optarg); break;
		case 'n': F.nodes = (uint32_t)num(optarg); break;
		case 'N': snprintf(F.cname, sizeof(F.cname), "%s", optarg); break;
		case 'p': pattern = optarg; break;
		case 'D': data_bytes = (int64_t)num(optarg); break;
		case 'L': slots = (long)num(optarg); break;
		case 'o': off = num(optarg); keep = 1; break;
		case 'm': md = optarg; keep = 1; break;
		case 'z': dev_size = num(optarg); break;
		case 'b': bitmap_offset = strtoll(optarg, NULL, 0); break;
		case 'U': hex16(optarg, md_uuid); have_md_uuid = 1; break;
		case 'F': no_bitmap_flag = 1; break;
		case 'T': ctime_ = num(optarg); break;
		case 'C': clustered = 1; break;
		case 't': {
			char *colon = strchr(optarg, ':');

			if (colon) {
				*colon = '\0';
				tail_value = (unsigned char)num(colon + 1);
			}
			tail_bytes = num(optarg);
			break;
		}
		default: exit(2);
		}
	}
	if (optind != argc - 1)
		die("%s", "usage: mkbitmap [options] FILE");
	fd = open(argv[optind], O_WRONLY | O_CREAT | (keep ? 0 : O_TRUNC), 0644);
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	if (md) {
		if (!dev_size)
			die("%s", "--md needs --dev-size");
		/* a block device keeps its size (EINVAL) */
		(void)!ftruncate(fd, (off_t)dev_size);
		off = write_md(fd);
	}
	if (slots < 0)
		slots = F.nodes ? F.nodes : 1;
	end = off;
	for (i = 0; i < slots; i++) {
		uint64_t pos = off + (uint64_t)i * (F.nodes ? slot_bytes() : 0);

		end = pos + write_area(fd, pos);
	}
	(void)end;
	if (fsync(fd) < 0 && errno != EINVAL) {
		perror("mkbitmap: fsync");
		return 1;
	}
	close(fd);
	return 0;
}
