/* xfr.c -- zone transfers out (AXFR, RFC 5936; IXFR, RFC 1995) as streams of messages from a generation. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "serial.h"
#include "table.h"
#include "wire.h"
#include "xfr.h"

/* An OPT record with no options (RFC 6891 6.1.2). */
#define OPT_LEN 11

/* Where a transfer is: the records it sends, in order. */
enum xfr_phase {
	XP_SOA_FIRST = 0,	/* the zone's SOA */
	XP_APEX,		/* AXFR: the apex's other records */
	XP_NODES,		/* AXFR: every other name */
	XP_STEP_FROM,		/* IXFR, per step: the SOA it starts from */
	XP_STEP_DEL,		/* the records it removes */
	XP_STEP_TO,		/* the SOA it ends at */
	XP_STEP_ADD,		/* the records it adds */
	XP_SOA_LAST,		/* the zone's SOA again */
	XP_DONE
};

struct xfr {
	enum xfr_kind kind;
	enum xfr_phase phase;
	struct table_zone *z;		/* a reference: the zone as sent */
	struct table_step *steps;	/* IXFR: oldest first, a reference on each zone */
	uint32_t nsteps, step;
	/*
	 * IXFR: per step, the names its change list holds, each once (a
	 * name that went and came back within a generation is listed twice).
	 */
	const uint8_t *const **names;
	uint32_t *nnames;
	/* Cursors: AXFR (shard, node, rrset, rd); IXFR (name, rrset, rd). */
	uint32_t shard, node, rrset, rd;
	uint16_t id;
	uint16_t edns_size;		/* 0: no OPT in the first message */
	uint8_t question[TABLE_NAME_MAX + 4];
	uint16_t qlen;
	uint64_t records;
	uint32_t msgs;
};

/* A message being written. */
struct msg {
	uint8_t *buf;
	size_t len, limit;
	uint16_t count;		/* answer records */
	uint16_t apex_at;	/* where the apex is written in full; 0: nowhere yet */
	const uint8_t *last;	/* the previous owner name (shard memory) */
	uint16_t last_at;	/* where it was written */
	uint8_t apex_len;
};

const char *
xfr_kind_name(enum xfr_kind k)
{
	static const char *const names[XFR_KINDS] = {
		"axfr", "ixfr", "ixfr_axfr", "ixfr_soa"
	};

	return k < XFR_KINDS ? names[k] : "?";
}

/*
 * An owner name of the zone (lower-case wire, @len octets, ending in the
 * apex): the same name as the last record's is a pointer to it; any other
 * is its labels below the apex and a pointer to the apex, written in full
 * once per message (RFC 1035 4.1.4).
 */
static bool
put_owner(struct msg *m, const uint8_t *name, uint8_t len)
{
	size_t below = (size_t)len - m->apex_len;
	size_t need;

	if (m->last && m->last_at && m->last == name) {
		if (m->len + 2 > m->limit)
			return false;
		wire_put16(m->buf + m->len, (uint16_t)(0xc000 | m->last_at));
		m->len += 2;
		return true;
	}
	need = below + (m->apex_at ? 2 : m->apex_len);
	if (m->len + need > m->limit)
		return false;
	m->last = name;
	m->last_at = (uint16_t)m->len;
	memcpy(m->buf + m->len, name, below);
	m->len += below;
	if (m->apex_at) {
		wire_put16(m->buf + m->len, (uint16_t)(0xc000 | m->apex_at));
		m->len += 2;
	} else {
		m->apex_at = (uint16_t)m->len;
		memcpy(m->buf + m->len, name + below, m->apex_len);
		m->len += m->apex_len;
	}
	if (m->last_at >= 0x4000)
		m->last = NULL;		/* out of a pointer's reach */
	if (m->apex_at >= 0x4000)
		m->apex_at = 0;
	return true;
}

/* One record; the RDATA as stored (names in it are not compressed). */
static bool
put_rr(struct msg *m, const uint8_t *owner, uint8_t olen, uint16_t type,
    uint32_t ttl, const uint8_t *rd, uint16_t rdlen)
{
	size_t start = m->len;
	const uint8_t *last = m->last;
	uint16_t last_at = m->last_at, apex_at = m->apex_at;

	if (!put_owner(m, owner, olen) || m->len + 10 + rdlen > m->limit) {
		m->len = start;
		m->last = last;
		m->last_at = last_at;
		m->apex_at = apex_at;
		return false;
	}
	wire_put16(m->buf + m->len, type);
	wire_put16(m->buf + m->len + 2, WIRE_CLASS_IN);
	wire_put32(m->buf + m->len + 4, ttl);
	wire_put16(m->buf + m->len + 8, rdlen);
	memcpy(m->buf + m->len + 10, rd, rdlen);
	m->len += 10 + (size_t)rdlen;
	m->count++;
	return true;
}

/* The SOA of zone table @z (RFC 1035 3.3.13). */
static bool
put_soa(struct msg *m, const struct table_zone *z)
{
	uint8_t rd[2 * TABLE_NAME_MAX + 20];
	size_t n = 0;

	memcpy(rd, z->soa_mname, z->soa_mname_len);
	n += z->soa_mname_len;
	memcpy(rd + n, z->soa_rname, z->soa_rname_len);
	n += z->soa_rname_len;
	wire_put32(rd + n, z->serial);
	wire_put32(rd + n + 4, z->soa_refresh);
	wire_put32(rd + n + 8, z->soa_retry);
	wire_put32(rd + n + 12, z->soa_expire);
	wire_put32(rd + n + 16, z->soa_minimum);
	return put_rr(m, z->apex, z->apex_len, WIRE_TYPE_SOA, z->ttl, rd,
	    (uint16_t)(n + 20));
}

/* The records of @n from the cursor on. */
static bool
put_node(struct xfr *x, struct msg *m, const struct table_node *n)
{
	for (; x->rrset < n->nrrsets; x->rrset++, x->rd = 0) {
		const struct table_rrset *set = &n->rrsets[x->rrset];
		for (; x->rd < set->count; x->rd++)
			if (!put_rr(m, n->name, n->name_len, set->type, set->ttl,
			    set->rd[x->rd].data, set->rd[x->rd].len))
				return false;
	}
	return true;
}

/* RDATA order of an RRset as zone.c builds every shard (cmp_rr): octets, then length. */
static int
cmp_rdata(const struct table_rdata *a, const uint8_t *data, uint16_t len)
{
	size_t l = a->len < len ? a->len : len;
	int r = memcmp(a->data, data, l);

	if (r == 0 && a->len != len)
		r = a->len < len ? -1 : 1;
	return r;
}

/* Whether @n (may be NULL) has the record @type @ttl @rd. */
static bool
has_rr(const struct table_node *n, uint16_t type, uint32_t ttl,
    const struct table_rdata *rd)
{
	const struct table_rrset *set = n ? table_rrset(n, type) : NULL;
	uint32_t lo = 0, hi;

	if (!set || set->ttl != ttl)
		return false;
	/* Sorted (cmp_rdata): a binary search. */
	hi = set->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int r = cmp_rdata(&set->rd[mid], rd->data, rd->len);
		if (r == 0)
			return true;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * The records of the current step that are in @a and not in @b (both
 * zone tables of the step), from the cursor on: deletions with a = from,
 * additions with a = to. An RRset whose TTL changed goes out and back in
 * whole.
 */
static bool
put_diff(struct xfr *x, struct msg *m, const struct table_zone *a,
    const struct table_zone *b)
{
	const uint8_t *const *names = x->names[x->step];

	for (; x->node < x->nnames[x->step]; x->node++, x->rrset = 0, x->rd = 0) {
		const uint8_t *name = names[x->node] + 1;
		uint8_t len = names[x->node][0];
		uint64_t h = table_hash(name, len);
		const struct table_node *na = table_lookup(a, name, len, h);
		const struct table_node *nb = table_lookup(b, name, len, h);

		if (!na)
			continue;
		for (; x->rrset < na->nrrsets; x->rrset++, x->rd = 0) {
			const struct table_rrset *set = &na->rrsets[x->rrset];
			for (; x->rd < set->count; x->rd++) {
				if (has_rr(nb, set->type, set->ttl, &set->rd[x->rd]))
					continue;
				if (!put_rr(m, na->name, na->name_len, set->type,
				    set->ttl, set->rd[x->rd].data, set->rd[x->rd].len))
					return false;
			}
		}
	}
	return true;
}

/* Go on from the cursor until the message is full or the transfer ends. */
static void
fill(struct xfr *x, struct msg *m)
{
	const struct table_zone *z = x->z;

	for (;;) {
		switch (x->phase) {
		case XP_SOA_FIRST:
			if (!put_soa(m, z))
				return;
			x->phase = x->kind == XFR_IXFR_SOA ? XP_DONE :
			    x->kind == XFR_IXFR ? XP_STEP_FROM : XP_APEX;
			x->rrset = x->rd = 0;
			break;
		case XP_APEX:
			if (z->apex_node && !put_node(x, m, z->apex_node))
				return;
			x->phase = XP_NODES;
			x->shard = x->node = x->rrset = x->rd = 0;
			break;
		case XP_NODES:
			for (; x->shard <= z->shard_mask; x->shard++, x->node = 0) {
				const struct table_shard *s = z->shards[x->shard];
				for (; x->node < s->nnodes; x->node++, x->rrset = 0, x->rd = 0) {
					const struct table_node *n = &s->nodes[x->node];
					if (n != z->apex_node && !put_node(x, m, n))
						return;
				}
			}
			x->phase = XP_SOA_LAST;
			break;
		case XP_STEP_FROM:
			if (x->step == x->nsteps) {
				x->phase = XP_SOA_LAST;
				break;
			}
			if (!put_soa(m, x->steps[x->step].from))
				return;
			x->phase = XP_STEP_DEL;
			x->node = x->rrset = x->rd = 0;
			break;
		case XP_STEP_DEL:
			if (!put_diff(x, m, x->steps[x->step].from, x->steps[x->step].to))
				return;
			x->phase = XP_STEP_TO;
			break;
		case XP_STEP_TO:
			if (!put_soa(m, x->steps[x->step].to))
				return;
			x->phase = XP_STEP_ADD;
			x->node = x->rrset = x->rd = 0;
			break;
		case XP_STEP_ADD:
			if (!put_diff(x, m, x->steps[x->step].to, x->steps[x->step].from))
				return;
			x->step++;
			x->phase = XP_STEP_FROM;
			break;
		case XP_SOA_LAST:
			if (!put_soa(m, z))
				return;
			x->phase = XP_DONE;
			break;
		case XP_DONE:
			return;
		}
	}
}

size_t
xfr_next(struct xfr *x, uint8_t *buf, size_t max, size_t reserve)
{
	struct msg m;
	bool opt = x->msgs == 0 && x->edns_size;

	if (x->phase == XP_DONE)
		return 0;
	if (max > XFR_MSG_MAX)
		max = XFR_MSG_MAX;
	memset(&m, 0, sizeof(m));
	m.buf = buf;
	m.limit = max > reserve + (opt ? OPT_LEN : 0) ?
	    max - reserve - (opt ? OPT_LEN : 0) : 0;
	m.apex_len = x->z->apex_len;
	if (m.limit < WIRE_HEADER + (size_t)x->qlen)
		return 0;
	/* Header: a response, authoritative (RFC 5936 2.2.1), NOERROR. */
	wire_put16(buf, x->id);
	wire_put16(buf + 2, WIRE_QR | WIRE_AA);
	wire_put16(buf + 4, x->msgs == 0);
	wire_put16(buf + 6, 0);
	wire_put16(buf + 8, 0);
	wire_put16(buf + 10, 0);
	m.len = WIRE_HEADER;
	/* The question in the first message only (RFC 5936 2.2.1). */
	if (x->msgs == 0) {
		memcpy(buf + m.len, x->question, x->qlen);
		m.len += x->qlen;
	}
	fill(x, &m);
	if (m.count == 0)
		return 0;	/* not even one record fits: the caller's buffer is too small */
	wire_put16(buf + 6, m.count);
	if (opt) {
		/* OPT: root owner, our UDP size, no extended rcode or flags. */
		static const uint8_t o[OPT_LEN] = { 0, 0, WIRE_TYPE_OPT };
		memcpy(buf + m.len, o, OPT_LEN);
		wire_put16(buf + m.len + 3, x->edns_size);
		m.len += OPT_LEN;
		wire_put16(buf + 10, 1);
	}
	x->records += m.count;
	x->msgs++;
	return m.len;
}

/* Order of change list entries: a length octet, then the name. */
static int
cmp_changed(const void *a, const void *b)
{
	const uint8_t *x = *(const uint8_t *const *)a, *y = *(const uint8_t *const *)b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return memcmp(x + 1, y + 1, x[0]);
}

/* The change list of each step of @x, sorted, each name once. @return 0 or -1. */
static int
unique_names(struct xfr *x)
{
	if (!(x->names = calloc(x->nsteps, sizeof(*x->names))) ||
	    !(x->nnames = calloc(x->nsteps, sizeof(*x->nnames))))
		return -1;
	for (uint32_t i = 0; i < x->nsteps; i++) {
		const struct table_zone *to = x->steps[i].to;
		const uint8_t **v = malloc((to->nchanged ? to->nchanged : 1) * sizeof(*v));
		uint32_t n = 0;

		if (!v)
			return -1;
		memcpy(v, to->changed, to->nchanged * sizeof(*v));
		qsort(v, to->nchanged, sizeof(*v), cmp_changed);
		for (uint32_t k = 0; k < to->nchanged; k++)
			if (n == 0 || cmp_changed(&v[n - 1], &v[k]) != 0)
				v[n++] = v[k];
		x->names[i] = v;
		x->nnames[i] = n;
	}
	return 0;
}

/*
 * The steps from the client's @serial to @z, oldest first, into @x, with
 * a reference on each zone. @return 1 when found, 0 when the history does
 * not reach back to @serial, -1 when out of memory.
 */
static int
find_steps(struct xfr *x, const struct table *t, const struct table_zone *z,
    uint32_t serial)
{
	const struct table_hist *h = NULL;
	uint32_t k;

	for (uint32_t i = 0; t->hist && i < t->nzones; i++)
		if (t->zones[i] == z)
			h = &t->hist[i];
	if (!h || h->n == 0 || h->steps[0].to->serial != z->serial)
		return 0;
	for (k = 0; k < h->n && h->steps[k].from->serial != serial; k++)
		;
	if (k == h->n)
		return 0;
	if (!(x->steps = malloc((k + 1) * sizeof(*x->steps))))
		return -1;
	x->nsteps = k + 1;
	for (uint32_t i = 0; i <= k; i++) {
		x->steps[i] = h->steps[k - i];
		table_zone_ref(x->steps[i].from);
		table_zone_ref(x->steps[i].to);
	}
	return unique_names(x) < 0 ? -1 : 1;
}

struct xfr *
xfr_new(const struct table *t, const struct table_zone *z, bool ixfr,
    uint32_t serial, const uint8_t *question, size_t qlen, uint16_t id,
    uint16_t edns_size)
{
	struct xfr *x;

	if (qlen > sizeof(x->question) || !(x = calloc(1, sizeof(*x))))
		return NULL;
	x->kind = XFR_AXFR;
	if (ixfr) {
		/* Up to date or newer: one SOA (RFC 1995 2). */
		if (!serial_gt(z->serial, serial))
			x->kind = XFR_IXFR_SOA;
		else {
			int r = find_steps(x, t, z, serial);
			if (r < 0) {
				xfr_free(x);
				return NULL;
			}
			x->kind = r ? XFR_IXFR : XFR_IXFR_AXFR;
		}
	}
	x->z = (struct table_zone *)z;
	table_zone_ref(x->z);
	x->id = id;
	x->edns_size = edns_size;
	memcpy(x->question, question, qlen);
	x->qlen = (uint16_t)qlen;
	return x;
}

enum xfr_kind
xfr_kind(const struct xfr *x)
{
	return x->kind;
}

uint32_t
xfr_serial(const struct xfr *x)
{
	return x->z->serial;
}

bool
xfr_done(const struct xfr *x)
{
	return x->phase == XP_DONE;
}

uint64_t
xfr_records(const struct xfr *x)
{
	return x->records;
}

void
xfr_free(struct xfr *x)
{
	if (!x)
		return;
	for (uint32_t i = 0; i < x->nsteps; i++) {
		table_zone_release(x->steps[i].from);
		table_zone_release(x->steps[i].to);
		if (x->names)
			free((void *)x->names[i]);
	}
	free(x->names);
	free(x->nnames);
	free(x->steps);
	table_zone_release(x->z);
	free(x);
}
