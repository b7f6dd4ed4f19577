/* fuzz.h -- what the fuzz harnesses share: the libFuzzer entry points, fixtures, a DNS message walker. */
#ifndef TASKDNS_FUZZ_H
#define TASKDNS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "wire.h"

/** Called once before the first input (libFuzzer, or tests/fuzz/replay.c). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/** Run one input; returns 0. A violated invariant traps. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Stop on a violated invariant: libFuzzer saves the input as a crash. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		__builtin_trap(); \
	} \
} while (0)

/**
 * Feed @doc (@len octets) to a streaming parser @p through @feed in the
 * pieces the option octets @codes (@ncodes, cycled) say: 0 an empty feed
 * then one octet, under 0x80 that many octets, else (c & 0x7f) + 1 times
 * 64. Without codes, one piece. Stops where @feed refuses.
 */
static __attribute__((unused)) void
fuzz_feed_chunked(const uint8_t *codes, size_t ncodes, const uint8_t *doc,
    size_t len, int (*feed)(void *p, const void *data, size_t len), void *p)
{
	size_t off = 0, k = 0;

	while (off < len) {
		size_t n = len - off;
		if (ncodes) {
			uint8_t c = codes[k++ % ncodes];
			if (c == 0) {
				if (feed(p, doc + off, 0) < 0)
					return;
				n = 1;
			} else {
				n = c < 0x80 ? c : ((size_t)(c & 0x7f) + 1) * 64;
			}
			if (n > len - off)
				n = len - off;
		}
		if (feed(p, doc + off, n) < 0)
			return;
		off += n;
	}
}

/**
 * A parse error without its position: when the offending token began in
 * an earlier piece, yajl reports where it ends rather than where it starts.
 */
static __attribute__((unused)) const char *
fuzz_reason(const char *err)
{
	const char *p = strstr(err, " column ");

	if (strncmp(err, "not JSON: line ", 15) != 0 || !p)
		return err;
	p += 8;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

/*
 * The source tree, for fixtures: $top_srcdir (make check exports it), else
 * the one this harness was configured from.
 */
#ifndef FUZZ_TOP_SRCDIR
#define FUZZ_TOP_SRCDIR ".."
#endif

/**
 * Read @rel (relative to the source tree) whole, NUL-terminated; exits
 * when it cannot. Caller frees.
 */
static __attribute__((unused)) char *
fuzz_slurp(const char *rel, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", top && *top ? top : FUZZ_TOP_SRCDIR,
	    rel);
	if (!(f = fopen(path, "rb")) || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)n + 1)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fuzz: %s: cannot read (set top_srcdir)\n", path);
		exit(1);
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/** The records parameters the unit tests use: domain "mesos", netinfo then host. */
static __attribute__((unused)) void
fuzz_params(struct records_params *p)
{
	static const uint8_t sources[] = { RECORDS_SRC_NETINFO, RECORDS_SRC_HOST };
	static const char *const masters[] = { "10.0.0.1:5050", "10.0.0.2:5050" };

	memset(p, 0, sizeof(*p));
	p->zone.apex = "mesos";
	p->zone.soa_mname = "ns1.mesos.";
	p->zone.soa_rname = "root.ns1.mesos.";
	p->zone.ttl = 60;
	p->zone.soa_refresh = 60;
	p->zone.soa_retry = 600;
	p->zone.soa_expire = 86400;
	p->zone.soa_minimum = 30;
	p->zone.srv_weight = 1;
	p->spec = NAMES_RFC1123;
	p->ip_sources = sources;
	p->nip_sources = 2;
	p->masters = masters;
	p->nmasters = 2;
}

/*
 * Step over the name at @*pos of message @m (@len octets), following
 * compression pointers only backwards (RFC 1035 4.1.4) and to at most 255
 * octets in all. @return false if it is malformed.
 */
static __attribute__((unused)) bool
fuzz_name(const uint8_t *m, size_t len, size_t *pos)
{
	size_t p = *pos, total = 0, end = 0, floor = *pos;

	for (;;) {
		if (p >= len)
			return false;
		uint8_t c = m[p];
		if ((c & 0xc0) == 0xc0) {
			size_t to;
			if (p + 2 > len)
				return false;
			to = (size_t)((c & 0x3f) << 8 | m[p + 1]);
			if (!end)
				end = p + 2;
			if (to < WIRE_HEADER || to >= floor)
				return false;
			floor = to;
			p = to;
			continue;
		}
		if (c & 0xc0)
			return false;
		total += (size_t)c + 1;
		if (total > 255)
			return false;
		if (c == 0)
			break;
		p += (size_t)c + 1;
	}
	*pos = end ? end : p + 1;
	return true;
}

/**
 * Check that message @m (@len octets) is exactly its header and the
 * records its counts announce, with valid names (RDATA names of NS, SOA
 * and SRV included) and at most one OPT, in the additional section.
 */
static __attribute__((unused)) bool
fuzz_wellformed(const uint8_t *m, size_t len)
{
	size_t pos = WIRE_HEADER;
	unsigned nopt = 0;

	if (len < WIRE_HEADER)
		return false;
	for (unsigned i = 0; i < wire_get16(m + 4); i++) {
		if (!fuzz_name(m, len, &pos) || pos + 4 > len)
			return false;
		pos += 4;
	}
	for (int s = 0; s < 3; s++) {
		for (unsigned i = 0; i < wire_get16(m + 6 + 2 * s); i++) {
			size_t owner = pos, rd, rdlen;
			uint16_t type;

			if (!fuzz_name(m, len, &pos) || pos + 10 > len)
				return false;
			type = wire_get16(m + pos);
			rdlen = wire_get16(m + pos + 8);
			rd = pos + 10;
			if (rd + rdlen > len)
				return false;
			if (type == WIRE_TYPE_OPT && (s != 2 || m[owner] != 0 ||
			    ++nopt > 1))
				return false;
			pos = rd;
			switch (type) {
			case WIRE_TYPE_A:
			case WIRE_TYPE_AAAA:
				if (rdlen != (type == WIRE_TYPE_A ? 4u : 16u))
					return false;
				pos += rdlen;
				break;
			case WIRE_TYPE_NS:
				if (!fuzz_name(m, rd + rdlen, &pos))
					return false;
				break;
			case WIRE_TYPE_SOA:
				if (!fuzz_name(m, rd + rdlen, &pos) ||
				    !fuzz_name(m, rd + rdlen, &pos) || pos + 20 > rd + rdlen)
					return false;
				pos += 20;
				break;
			case WIRE_TYPE_SRV:
				pos += 6;
				if (pos > rd + rdlen || !fuzz_name(m, rd + rdlen, &pos))
					return false;
				break;
			default:
				pos += rdlen;
				break;
			}
			if (pos != rd + rdlen)
				return false;
		}
	}
	return pos == len;
}

#endif
