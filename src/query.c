/* query.c -- request bytes + record table -> response bytes (RFC 1034/1035, 2181, 2308, 6891). */
#include "autoconf.h"

#include <stddef.h>
#include <string.h>

#include "names.h"
#include "query.h"
#include "table.h"
#include "wire.h"

/* Largest RRset permutation computed per query; beyond it, rotate. */
#define ORDER_MAX 4096
/* Compression targets remembered per response. */
#define COMP_MAX 64
/* SRV targets whose addresses go to the additional section. */
#define GLUE_MAX 128
/* The OPT record we append: root, type, class, TTL, RDLENGTH. */
#define OPT_LEN 11
/* CNAMEs followed in one answer (a named limit): a loop ends sooner. */
#define CHAIN_MAX 8

struct comp {
	const uint8_t *name;	/* lower-case wire suffix */
	uint16_t len;
	uint16_t off;		/* where it starts in the response */
};

/* A response under construction; request lifetime, on the stack. */
struct pkt {
	uint8_t *buf;
	size_t len;
	size_t limit;		/* usable octets (OPT space already reserved) */
	uint16_t count[3];	/* answer, authority, additional */
	size_t last_rd;		/* where the RDATA of the last record begins */
	struct comp comp[COMP_MAX];
	unsigned ncomp;
};

static uint64_t
rand64(uint64_t *s)
{
	/* xorshift64*: fast, per-thread state, good enough to shuffle. */
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint32_t
rand_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rand64(s) >> 32) * (uint64_t)n) >> 32);
}

/*
 * Fill @ord with the order to send @n records in: a fresh random
 * permutation per query (Mesos-DNS shuffles for rudimentary load
 * balancing), or for very large sets a random rotation.
 * @return how many entries were written (at most ORDER_MAX).
 */
static uint32_t
order_rrset(uint32_t n, uint64_t *rng, uint32_t *ord)
{
	if (n <= ORDER_MAX) {
		for (uint32_t i = 0; i < n; i++)
			ord[i] = i;
		for (uint32_t i = n; i > 1; i--) {
			uint32_t j = rand_below(rng, i), tmp = ord[i - 1];
			ord[i - 1] = ord[j];
			ord[j] = tmp;
		}
		return n;
	}
	uint32_t start = rand_below(rng, n);
	for (uint32_t i = 0; i < ORDER_MAX; i++)
		ord[i] = (start + i) % n;
	return ORDER_MAX;
}

/* @return where @name (@len octets) is in the response, or -1 if it is not. */
static int
comp_find(const struct pkt *p, const uint8_t *name, size_t len)
{
	for (unsigned c = 0; c < p->ncomp; c++)
		if (p->comp[c].len == len && memcmp(p->comp[c].name, name, len) == 0)
			return p->comp[c].off;
	return -1;
}

/*
 * Remember the suffixes of @name (@len octets, root included) that begin
 * before offset @stop in it, the name being written at @off: all of them
 * for a name written literally (@stop = @len), only those of the labels
 * written out when the rest is a pointer (@stop = where the pointer is).
 */
static void
comp_add(struct pkt *p, const uint8_t *name, size_t len, size_t stop,
    size_t off)
{
	for (size_t i = 0; i < stop && i + 1 < len; i += (size_t)name[i] + 1) {
		if (p->ncomp == COMP_MAX || off + i >= 0x4000)
			return;
		/* Known already, and so are its suffixes: keep the slots for
		 * new names (many SRV targets share "<app>.<fw>.mesos"). */
		if (comp_find(p, name + i, len - i) >= 0)
			return;
		p->comp[p->ncomp].name = name + i;
		p->comp[p->ncomp].len = (uint16_t)(len - i);
		p->comp[p->ncomp].off = (uint16_t)(off + i);
		p->ncomp++;
	}
}

/*
 * Write lower-case wire @name, compressed against names already in the
 * response (RFC 1035 4.1.4). @return false if it does not fit.
 */
static bool
put_name(struct pkt *p, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += (size_t)name[i] + 1) {
		int off = comp_find(p, name + i, len - i);

		if (off < 0)
			continue;
		if (p->len + i + 2 > p->limit)
			return false;
		memcpy(p->buf + p->len, name, i);
		wire_put16(p->buf + p->len + i, (uint16_t)(0xc000 | off));
		comp_add(p, name, len, i, p->len);
		p->len += i + 2;
		return true;
	}
	if (p->len + len > p->limit)
		return false;
	memcpy(p->buf + p->len, name, len);
	comp_add(p, name, len, len, p->len);
	p->len += len;
	return true;
}

/* Start an RR: owner (pointer @owner_ptr, or @owner), type, class, TTL. */
static bool
put_rr_head(struct pkt *p, uint16_t owner_ptr, const uint8_t *owner,
    size_t owner_len, uint16_t type, uint32_t ttl)
{
	if (owner) {
		if (!put_name(p, owner, owner_len))
			return false;
	} else {
		if (p->len + 2 > p->limit)
			return false;
		wire_put16(p->buf + p->len, (uint16_t)(0xc000 | owner_ptr));
		p->len += 2;
	}
	if (p->len + 10 > p->limit)
		return false;
	wire_put16(p->buf + p->len, type);
	wire_put16(p->buf + p->len + 2, WIRE_CLASS_IN);
	wire_put32(p->buf + p->len + 4, ttl);
	p->len += 10;	/* RDLENGTH written by put_rr_end() */
	return true;
}

static void
put_rr_end(struct pkt *p, size_t rdstart, int section)
{
	wire_put16(p->buf + rdstart - 2, (uint16_t)(p->len - rdstart));
	p->count[section]++;
	p->last_rd = rdstart;
}

/* A position to roll back to when a record does not fit. */
struct mark {
	size_t len;
	unsigned ncomp;
};

static struct mark
mark(const struct pkt *p)
{
	return (struct mark){ p->len, p->ncomp };
}

static bool
rollback(struct pkt *p, struct mark m)
{
	p->len = m.len;
	p->ncomp = m.ncomp;
	return false;
}

/*
 * One record in @section: owner a pointer to @owner_ptr, or @owner. A
 * name in RDATA is compressed where RFC 1035 allows it (RFC 3597 4); any
 * other is written out, and remembered for later names to point to (RFC
 * 2782 says SRV targets are not compressed; every resolver would decode
 * them, but follow the letter).
 */
static bool
put_rr(struct pkt *p, int section, uint16_t owner_ptr, const uint8_t *owner,
    size_t owner_len, const struct table_rrset *set,
    const struct table_rdata *rd)
{
	struct mark m = mark(p);
	/* RFC 1035's types only (RFC 3597 4): not SRV's target. */
	int c = set->type == WIRE_TYPE_SRV ? -1 : table_rdata_name(set->type);
	size_t rdstart;

	if (!put_rr_head(p, owner_ptr, owner, owner_len, set->type, set->ttl))
		return rollback(p, m);
	rdstart = p->len;
	if (c >= 0) {		/* zone_rr() checked the name */
		if (p->len + (size_t)c > p->limit)
			return rollback(p, m);
		memcpy(p->buf + p->len, rd->data, (size_t)c);
		p->len += (size_t)c;
		if (!put_name(p, rd->data + c, rd->len - (size_t)c))
			return rollback(p, m);
	} else {
		if (p->len + rd->len > p->limit)
			return rollback(p, m);
		memcpy(p->buf + p->len, rd->data, rd->len);
		if (rd->name_at != TABLE_NO_NAME)
			comp_add(p, rd->data + rd->name_at, rd->len - rd->name_at,
			    rd->len - rd->name_at, p->len + rd->name_at);
		p->len += rd->len;
	}
	put_rr_end(p, rdstart, section);
	return true;
}

/* The SOA of @z; its owner a pointer to @owner_ptr, or (0) its apex. */
static bool
put_soa(struct pkt *p, int section, const struct table_zone *z, uint32_t ttl,
    uint16_t owner_ptr)
{
	struct mark m = mark(p);
	size_t rd;

	if (!put_rr_head(p, owner_ptr, owner_ptr ? NULL : z->apex,
	    z->apex_len, WIRE_TYPE_SOA, ttl))
		return rollback(p, m);
	rd = p->len;
	if (!put_name(p, z->soa_mname, z->soa_mname_len) ||
	    !put_name(p, z->soa_rname, z->soa_rname_len) || p->len + 20 > p->limit)
		return rollback(p, m);
	wire_put32(p->buf + p->len, z->serial);
	wire_put32(p->buf + p->len + 4, z->soa_refresh);
	wire_put32(p->buf + p->len + 8, z->soa_retry);
	wire_put32(p->buf + p->len + 12, z->soa_expire);
	wire_put32(p->buf + p->len + 16, z->soa_minimum);
	p->len += 20;
	put_rr_end(p, rd, section);
	return true;
}

/* An RRset in the answer, owned by the name at @owner_ptr, in a fresh random order. */
static bool
answer_rrset(struct pkt *p, uint16_t owner_ptr, const struct table_rrset *set,
    uint64_t *rng, uint32_t *ord)
{
	uint32_t m = order_rrset(set->count, rng, ord);

	for (uint32_t k = 0; k < m; k++)
		if (!put_rr(p, 0, owner_ptr, NULL, 0, set, &set->rd[ord[k]]))
			return false;
	return true;
}

/* Addresses of @n (an NS, MX or SRV target) in the additional section. */
static bool
glue(struct pkt *p, const struct table_node *n)
{
	for (uint16_t i = 0; i < n->nrrsets; i++) {
		const struct table_rrset *set = &n->rrsets[i];
		if (set->type != WIRE_TYPE_A && set->type != WIRE_TYPE_AAAA)
			continue;
		for (uint32_t k = 0; k < set->count; k++)
			if (!put_rr(p, 2, 0, n->name, n->name_len, set, &set->rd[k]))
				return false;
	}
	return true;
}

/*
 * The addresses of the names that the records of @set name (NS, MX, SRV
 * targets) and that we serve, each once, in the additional section as
 * far as they fit (a missing additional record never sets TC, RFC 2181
 * 9): the first @m records in the order @ord, or in their own order when
 * @ord is NULL.
 */
static void
additional(struct pkt *p, const struct table *t, const struct table_rrset *set,
    const uint32_t *ord, uint32_t m)
{
	const struct table_node *done[GLUE_MAX];
	uint32_t ndone = 0;

	for (uint32_t k = 0; k < m; k++) {
		const struct table_rdata *rd = &set->rd[ord ? ord[k] : k];
		uint8_t lname[TABLE_NAME_MAX];
		const struct table_zone *tz;
		const struct table_node *tn;
		size_t len;
		bool seen = false;

		if (rd->name_at == TABLE_NO_NAME)
			continue;
		len = rd->len - rd->name_at;
		for (size_t i = 0; i < len; i++)	/* length octets are < 'A' */
			lname[i] = names_lower(rd->data[rd->name_at + i]);
		if (!(tz = table_zone_find(t, lname, len)))
			continue;
		/* Looked up now: the target may live in a shard built later. */
		if (!(tn = table_lookup(tz, lname, len, table_hash(lname, len))))
			continue;
		for (uint32_t d = 0; d < ndone && !seen; d++)
			seen = done[d] == tn;
		if (seen)
			continue;
		if (ndone == GLUE_MAX || !glue(p, tn))
			return;
		done[ndone++] = tn;
	}
}

/* How a CNAME chain ended. */
enum chain_end {
	CHAIN_ANSWER,		/* at a name holding the type asked */
	CHAIN_NODATA,		/* at a name without it */
	CHAIN_NXDOMAIN,		/* at a name of ours that does not exist */
	CHAIN_OPEN		/* outside our zones, at a loop or at CHAIN_MAX */
};

/*
 * The CNAME at @n (the qname's node) and the chain from it (RFC 1034 4.3.2
 * step 3a, RFC 2181 10.1.1): each target in one of our zones is looked up
 * there, its records of @qtype answered, or its CNAME followed, at most
 * CHAIN_MAX CNAMEs; a name seen before ends it. Each owner points to the
 * target written just before it. @*zp: the zone of the last name.
 * @return false when the answer does not fit.
 */
static bool
chain(struct pkt *p, const struct table *t, uint16_t qtype,
    const struct table_node *n, const struct table_zone **zp,
    enum chain_end *end, uint64_t *rng, uint32_t *ord)
{
	const struct table_node *seen[CHAIN_MAX];
	uint8_t lname[TABLE_NAME_MAX];
	size_t owner = WIRE_HEADER;

	*end = CHAIN_OPEN;
	for (unsigned hop = 0; hop < CHAIN_MAX; hop++) {
		const struct table_rrset *cs = table_rrset(n, WIRE_TYPE_CNAME);
		const struct table_rdata *rd = &cs->rd[0];	/* one, RFC 2181 10.1 */
		const struct table_rrset *set;
		const struct table_zone *tz;

		seen[hop] = n;
		if (!put_rr(p, 0, (uint16_t)owner, NULL, 0, cs, rd))
			return false;
		/* A pointer reaches 0x3fff at most: beyond, the chain ends. */
		if ((owner = p->last_rd) >= 0x4000)
			return true;
		for (size_t i = 0; i < rd->len; i++)	/* length octets are < 'A' */
			lname[i] = names_lower(rd->data[i]);
		if (!(tz = table_zone_find(t, lname, rd->len)))
			return true;		/* not ours: the resolver follows it */
		*zp = tz;
		if (!(n = table_lookup(tz, lname, rd->len, table_hash(lname, rd->len)))) {
			*end = CHAIN_NXDOMAIN;
			return true;
		}
		for (unsigned k = 0; k <= hop; k++)
			if (seen[k] == n)
				return true;	/* a loop */
		if (qtype == WIRE_TYPE_SOA && n == tz->apex_node) {
			*end = CHAIN_ANSWER;
			return put_soa(p, 0, tz, tz->ttl, (uint16_t)owner);
		}
		if ((set = table_rrset(n, qtype))) {
			uint32_t m = set->count < ORDER_MAX ? set->count : ORDER_MAX;
			*end = CHAIN_ANSWER;
			if (!answer_rrset(p, (uint16_t)owner, set, rng, ord))
				return false;
			additional(p, t, set, ord, m);
			return true;
		}
		if (!table_rrset(n, WIRE_TYPE_CNAME)) {
			*end = CHAIN_NODATA;
			return true;
		}
	}
	return true;
}

static void
put_header(uint8_t *buf, const struct query_info *qi, const struct query_opts *o,
    bool aa, uint8_t rcode)
{
	uint16_t flags = WIRE_QR | (qi->flags & 0x7800) | (rcode & 0x0f);

	/*
	 * RD, CD and RA mean something in a QUERY only (RFC 1035 4.1.1, RFC
	 * 6895 2): the NOTIMP answer to any other opcode has them clear (RFC
	 * 8906 3.1.4, as BIND and ISC's compliance tests expect).
	 */
	if ((qi->flags & 0x7800) == 0) {
		flags |= qi->flags & (WIRE_RD | WIRE_CD);
		if (o->recurse_on)
			flags |= WIRE_RA;
	}
	if (aa)
		flags |= WIRE_AA;
	wire_put16(buf, qi->id);
	wire_put16(buf + 2, flags);
	memset(buf + 4, 0, 8);
}

/* Append the OPT record (RFC 6891 6.1.2): our UDP size, extended rcode, DO. */
static size_t
put_opt(uint8_t *buf, size_t len, const struct query_opts *o,
    const struct query_info *qi, uint8_t rcode)
{
	uint8_t *p = buf + len;

	p[0] = 0;
	wire_put16(p + 1, WIRE_TYPE_OPT);
	wire_put16(p + 3, o->udp_max);
	p[5] = (uint8_t)(rcode >> 4);	/* extended RCODE, upper 8 bits */
	p[6] = 0;			/* version 0 */
	/* DO is copied (RFC 3225 3); the other flags are zero (RFC 6891 6.1.4). */
	wire_put16(p + 7, qi->edns_do ? WIRE_EDNS_DO : 0);
	wire_put16(p + 9, 0);
	wire_put16(buf + 10, (uint16_t)(wire_get16(buf + 10) + 1));
	return len + OPT_LEN;
}

static size_t
finish(struct pkt *p, const struct query_opts *o, struct query_info *qi,
    uint8_t rcode)
{
	wire_put16(p->buf + 2, (uint16_t)((wire_get16(p->buf + 2) & ~0x0f) |
	    (rcode & 0x0f)));
	wire_put16(p->buf + 6, p->count[0]);
	wire_put16(p->buf + 8, p->count[1]);
	wire_put16(p->buf + 10, p->count[2]);
	if (qi->truncated)
		wire_put16(p->buf + 2, (uint16_t)(wire_get16(p->buf + 2) | WIRE_TC));
	if (qi->edns)
		p->len = put_opt(p->buf, p->len, o, qi, rcode);
	qi->action = QUERY_REPLY;
	return p->len;
}

size_t
query_error(const struct query_opts *o, const struct query_info *qi,
    const uint8_t *req, uint8_t rcode, uint8_t *resp, size_t respmax)
{
	size_t len = WIRE_HEADER;

	put_header(resp, qi, o, false, rcode);
	if (qi->qend) {
		memcpy(resp + WIRE_HEADER, req + WIRE_HEADER, qi->qend - WIRE_HEADER);
		wire_put16(resp + 4, 1);
		len = qi->qend;
	}
	if (qi->edns && len + OPT_LEN <= respmax)
		len = put_opt(resp, len, o, qi, rcode);
	return len;
}

static size_t
reply_error(const struct query_opts *o, struct query_info *qi,
    const uint8_t *req, uint8_t rcode, enum query_outcome outcome,
    uint8_t *resp, size_t respmax)
{
	qi->action = QUERY_REPLY;
	qi->outcome = outcome;
	return query_error(o, qi, req, rcode, resp, respmax);
}

/*
 * Parse the question (exactly one, RFC 1035 4.1.2; no compression can
 * occur in it) and lower-case its name. @return false if malformed.
 */
static bool
parse_question(const uint8_t *req, size_t reqlen, struct query_info *qi)
{
	size_t pos = WIRE_HEADER, n = 0;

	for (;;) {
		if (pos >= reqlen)
			return false;
		uint8_t c = req[pos];
		if (c & 0xc0)
			return false;
		if (n + c + 1 > NAMES_WIRE_MAX || pos + c + 1 > reqlen)
			return false;
		qi->lname[n++] = c;
		for (uint8_t k = 1; k <= c; k++)
			qi->lname[n++] = names_lower(req[pos + k]);
		pos += (size_t)c + 1;
		if (c == 0)
			break;
	}
	if (pos + 4 > reqlen)
		return false;
	qi->qname = req + WIRE_HEADER;
	qi->qname_len = n;
	qi->qtype = wire_get16(req + pos);
	qi->qclass = wire_get16(req + pos + 2);
	qi->qend = pos + 4;
	return true;
}

/*
 * Walk the answer, authority and additional sections for the OPT record
 * (RFC 6891 6.1.1: at most one, owned by the root). @return false if the
 * message is malformed.
 */
static bool
parse_rest(const uint8_t *req, size_t reqlen, struct query_info *qi,
    uint8_t *version)
{
	size_t pos = qi->qend;
	unsigned total = (unsigned)wire_get16(req + 6) + wire_get16(req + 8);
	unsigned nar = wire_get16(req + 10);

	for (unsigned i = 0; i < total + nar; i++) {
		size_t owner = pos;
		uint16_t type, rdlen;

		if (!wire_skip_name(req, reqlen, &pos) || pos + 10 > reqlen)
			return false;
		type = wire_get16(req + pos);
		rdlen = wire_get16(req + pos + 8);
		if (pos + 10 + rdlen > reqlen)
			return false;
		/* IXFR: the client's SOA (RFC 1995 3); its serial is last. */
		if (type == WIRE_TYPE_SOA && i >= wire_get16(req + 6) && i < total &&
		    !qi->ixfr_soa && rdlen >= 22) {
			size_t rd = pos + 10, end = rd + rdlen;
			if (wire_skip_name(req, end, &rd) &&
			    wire_skip_name(req, end, &rd) && rd + 20 == end) {
				qi->ixfr_soa = true;
				qi->ixfr_serial = wire_get32(req + rd);
			}
		}
		/* A TSIG must be the last record (RFC 8945 5.1). */
		if (type == WIRE_TYPE_TSIG) {
			if (i + 1 != total + nar || i < total)
				return false;
			qi->tsig_at = owner;
		}
		if (type == WIRE_TYPE_OPT) {
			if (i < total || qi->edns || req[owner] != 0)
				return false;
			qi->edns = true;
			/* Below 512 is treated as 512 (RFC 6891 6.2.5). */
			uint16_t size = wire_get16(req + pos + 2);
			qi->udp_limit = size < 512 ? 512 : size;
			*version = req[pos + 5];
			qi->edns_do = (wire_get16(req + pos + 6) & WIRE_EDNS_DO) != 0;
		}
		pos += 10 + (size_t)rdlen;
	}
	return true;
}

size_t
query_answer(const struct table *t, const struct query_opts *o,
    const uint8_t *req, size_t reqlen, bool tcp, uint64_t *rng,
    uint8_t *resp, size_t respmax, struct query_info *qi)
{
	uint32_t ord[ORDER_MAX];
	const struct table_zone *z = NULL;
	const struct table_node *node;
	struct pkt p;
	uint8_t version = 0, opcode;
	bool ok = true, rest_ok;

	/* lname is last and filled as the question is parsed. */
	memset(qi, 0, offsetof(struct query_info, lname));
	qi->udp_limit = 512;
	/* Too short for a header, or a response: never answer (RFC 1035 4.1.1). */
	if (reqlen < WIRE_HEADER || (wire_get16(req + 2) & WIRE_QR)) {
		qi->action = QUERY_DROP;
		qi->outcome = QUERY_DROPPED;
		return 0;
	}
	qi->id = wire_get16(req);
	qi->flags = wire_get16(req + 2);
	opcode = (uint8_t)((qi->flags >> 11) & 0x0f);

	if (wire_get16(req + 4) != 1 || !parse_question(req, reqlen, qi)) {
		qi->qend = 0;
		return reply_error(o, qi, req, opcode ? WIRE_NOTIMP : WIRE_FORMERR,
		    opcode ? QUERY_NOTIMP : QUERY_FORMERR, resp, respmax);
	}
	/*
	 * Find the OPT before judging the opcode: a responder MUST include
	 * an OPT in every response to a request that had one (RFC 6891 7),
	 * NOTIMP included.
	 */
	rest_ok = parse_rest(req, reqlen, qi, &version);
	if (!rest_ok) {
		qi->edns = qi->edns_do = false;
		qi->udp_limit = 512;
	}
	if (opcode != 0)	/* only QUERY (RFC 1035 4.1.1) */
		return reply_error(o, qi, req, WIRE_NOTIMP, QUERY_NOTIMP, resp,
		    respmax);
	if (!rest_ok)
		return reply_error(o, qi, req, WIRE_FORMERR, QUERY_FORMERR, resp,
		    respmax);
	if (qi->edns && version != 0)
		return reply_error(o, qi, req, WIRE_BADVERS, QUERY_BADVERS, resp,
		    respmax);
	if (qi->qtype == WIRE_TYPE_OPT)	/* a pseudo-type cannot be asked for */
		return reply_error(o, qi, req, WIRE_FORMERR, QUERY_FORMERR, resp,
		    respmax);

	/* Before a first state there is no table: the domain is still ours. */
	if (t ? !(z = table_zone_find(t, qi->lname, qi->qname_len)) :
	    !names_wire_in_zone(qi->lname, qi->qname_len, o->apex, o->apex_len)) {
		/*
		 * Only ordinary questions of class IN go upstream: no CHAOS
		 * (version.bind and friends are ours to refuse), no zone
		 * transfers.
		 */
		if (!o->external_on || qi->qclass != WIRE_CLASS_IN ||
		    qi->qtype == WIRE_TYPE_AXFR || qi->qtype == WIRE_TYPE_IXFR)
			return reply_error(o, qi, req, WIRE_REFUSED, QUERY_REFUSED,
			    resp, respmax);
		/* A relayed UDP answer is no larger than ours would be. */
		if (qi->udp_limit > o->udp_max)
			qi->udp_limit = o->udp_max;
		qi->action = QUERY_FORWARD;
		qi->outcome = QUERY_FORWARDED;
		return 0;
	}
	if (qi->qclass != WIRE_CLASS_IN && qi->qclass != WIRE_CLASS_ANY)
		return reply_error(o, qi, req, WIRE_REFUSED, QUERY_REFUSED, resp,
		    respmax);
	if (!t)		/* no state loaded yet: do not let anyone cache a miss */
		return reply_error(o, qi, req, WIRE_SERVFAIL, QUERY_SERVFAIL, resp,
		    respmax);
	/*
	 * Transfers are of whole zones: at the apex the caller takes them on,
	 * below it we are not the zone's authority (RFC 5936 2.2.1: NOTAUTH).
	 */
	if (qi->qtype == WIRE_TYPE_AXFR || qi->qtype == WIRE_TYPE_IXFR) {
		if (qi->qname_len != z->apex_len)
			return reply_error(o, qi, req, WIRE_NOTAUTH, QUERY_NOTAUTH,
			    resp, respmax);
		qi->action = QUERY_XFR;
		qi->outcome = QUERY_TRANSFER;
		qi->zone = z;
		return 0;
	}

	/* The response: header, the question as asked, then the sections. */
	p.buf = resp;
	p.len = qi->qend;
	p.limit = tcp ? 65535 : (qi->edns ? (qi->udp_limit < o->udp_max ?
	    qi->udp_limit : o->udp_max) : 512);
	if (p.limit > respmax)
		p.limit = respmax;
	if (qi->edns)
		p.limit -= OPT_LEN;
	p.count[0] = p.count[1] = p.count[2] = 0;
	p.ncomp = 0;
	p.last_rd = 0;
	put_header(resp, qi, o, true, WIRE_NOERROR);
	memcpy(resp + WIRE_HEADER, req + WIRE_HEADER, qi->qend - WIRE_HEADER);
	wire_put16(resp + 4, 1);
	/*
	 * Owners that are the qname point to it and so keep the client's case
	 * (RFC 4343 4.1; 0x20 resolvers check it). Other names may share its
	 * suffixes only where the octets are the same, so our data keeps its
	 * own case: the qname as received goes into the table, compared with
	 * memcmp against our lower-case names.
	 */
	comp_add(&p, qi->qname, qi->qname_len, qi->qname_len, WIRE_HEADER);

	node = table_lookup(z, qi->lname, qi->qname_len,
	    table_hash(qi->lname, qi->qname_len));
	/* A CNAME is alone at its name (zonefile.c sees to it): follow it. */
	if (node && node->nrrsets == 1 && node->rrsets[0].type == WIRE_TYPE_CNAME &&
	    qi->qtype != WIRE_TYPE_CNAME && qi->qtype != WIRE_TYPE_ANY) {
		enum chain_end end;
		const struct table_zone *lz = z;

		ok = chain(&p, t, qi->qtype, node, &lz, &end, rng, ord);
		if (!ok) {
			qi->truncated = true;
			p.count[1] = p.count[2] = 0;
			qi->outcome = QUERY_OK;
			return finish(&p, o, qi, WIRE_NOERROR);
		}
		if (end == CHAIN_ANSWER || end == CHAIN_OPEN) {
			qi->outcome = QUERY_OK;
			return finish(&p, o, qi, WIRE_NOERROR);
		}
		/* RFC 6604: the rcode and the SOA of the last name. */
		uint32_t neg = lz->ttl < lz->soa_minimum ? lz->ttl : lz->soa_minimum;
		if (!put_soa(&p, 1, lz, neg, 0))
			qi->truncated = true;
		qi->outcome = end == CHAIN_NODATA ? QUERY_NODATA : QUERY_NXDOMAIN;
		return finish(&p, o, qi, end == CHAIN_NODATA ? WIRE_NOERROR :
		    WIRE_NXDOMAIN);
	}
	if (node) {
		const struct table_rrset *set;

		if (node == z->apex_node && (qi->qtype == WIRE_TYPE_ANY ||
		    qi->qtype == WIRE_TYPE_SOA))
			ok = put_soa(&p, 0, z, z->ttl, WIRE_HEADER);
		if (qi->qtype != WIRE_TYPE_ANY) {
			if (ok && (set = table_rrset(node, qi->qtype))) {
				ok = answer_rrset(&p, WIRE_HEADER, set, rng, ord);
				if (ok)
					additional(&p, t, set, ord,
					    set->count < ORDER_MAX ? set->count :
					    ORDER_MAX);
			}
		} else {
			/* Every RRset, then the additional records of each. */
			for (uint16_t i = 0; ok && i < node->nrrsets; i++)
				ok = answer_rrset(&p, WIRE_HEADER, &node->rrsets[i],
				    rng, ord);
			for (uint16_t i = 0; ok && i < node->nrrsets; i++) {
				set = &node->rrsets[i];
				additional(&p, t, set, NULL,
				    set->count < ORDER_MAX ? set->count : ORDER_MAX);
			}
		}
	}
	if (!ok) {
		/* RFC 2181 9: what fits goes out, with TC so a client can retry over TCP. */
		qi->truncated = true;
		p.count[1] = p.count[2] = 0;
		qi->outcome = QUERY_OK;
		return finish(&p, o, qi, WIRE_NOERROR);
	}
	if (p.count[0] > 0) {
		qi->outcome = QUERY_OK;
		return finish(&p, o, qi, WIRE_NOERROR);
	}
	/*
	 * NODATA (the name exists: an owner, an empty non-terminal, the apex)
	 * or NXDOMAIN, both with the SOA so resolvers can cache the miss for
	 * min(SOA TTL, MINIMUM) (RFC 2308 3 and 5).
	 */
	uint32_t neg = z->ttl < z->soa_minimum ? z->ttl : z->soa_minimum;
	p.count[2] = 0;
	if (!put_soa(&p, 1, z, neg, 0))
		qi->truncated = true;
	qi->outcome = node ? QUERY_NODATA : QUERY_NXDOMAIN;
	return finish(&p, o, qi, node ? WIRE_NOERROR : WIRE_NXDOMAIN);
}

size_t
query_upstream(const struct query_info *qi, const uint8_t *req,
    uint16_t udp_size, uint16_t id, uint8_t *out, size_t outmax)
{
	size_t qlen = qi->qend - WIRE_HEADER, len;

	if (!qi->qend || WIRE_HEADER + qlen + OPT_LEN > outmax)
		return 0;
	/* Opcode QUERY, the client's RD, AD and CD (RFC 6840 5.7, 5.9). */
	wire_put16(out, id);
	wire_put16(out + 2, qi->flags & (WIRE_RD | WIRE_AD | WIRE_CD));
	wire_put16(out + 4, 1);
	memset(out + 6, 0, 6);
	/* The question as asked: the client's letter case (0x20) included. */
	memcpy(out + WIRE_HEADER, req + WIRE_HEADER, qlen);
	len = qi->qend;
	if (qi->edns) {
		/*
		 * Our own OPT: our UDP size, version 0, the client's DO, and no
		 * option of the client's (client subnet, cookies, padding).
		 */
		out[len] = 0;
		wire_put16(out + len + 1, WIRE_TYPE_OPT);
		wire_put16(out + len + 3, udp_size);
		out[len + 5] = 0;
		out[len + 6] = 0;
		wire_put16(out + len + 7, qi->edns_do ? WIRE_EDNS_DO : 0);
		wire_put16(out + len + 9, 0);
		wire_put16(out + 10, 1);
		len += OPT_LEN;
	}
	return len;
}

bool
query_matches(const struct query_info *qi, const uint8_t *up, size_t uplen,
    uint16_t upstream_id)
{
	size_t pos = WIRE_HEADER;
	uint16_t flags;

	if (uplen < WIRE_HEADER || wire_get16(up) != upstream_id)
		return false;
	flags = wire_get16(up + 2);
	if (!(flags & WIRE_QR))
		return false;
	if (wire_get16(up + 4) == 0)	/* FORMERR and friends may drop it */
		return (flags & 0x0f) != WIRE_NOERROR;
	if (wire_get16(up + 4) != 1)
		return false;
	for (size_t i = 0; i < qi->qname_len; i++, pos++) {
		if (pos >= uplen)
			return false;
		/* Compare as names, ignoring case (RFC 4343). */
		if (names_lower(up[pos]) != qi->lname[i])
			return false;
	}
	return pos + 4 <= uplen && wire_get16(up + pos) == qi->qtype &&
	    wire_get16(up + pos + 2) == qi->qclass;
}

/*
 * Find the OPT record in the additional section of message @m (@len
 * octets). @return its offset, with its length in @*rrlen, or 0 when there
 * is none or the message cannot be walked.
 */
static size_t
find_opt(const uint8_t *m, size_t len, size_t *rrlen)
{
	size_t pos = WIRE_HEADER;
	unsigned qd = wire_get16(m + 4);
	unsigned before = (unsigned)wire_get16(m + 6) + wire_get16(m + 8);
	unsigned total = before + wire_get16(m + 10);

	for (unsigned i = 0; i < qd; i++) {
		if (!wire_skip_name(m, len, &pos) || pos + 4 > len)
			return 0;
		pos += 4;
	}
	for (unsigned i = 0; i < total; i++) {
		size_t start = pos, rdlen;

		if (!wire_skip_name(m, len, &pos) || pos + 10 > len)
			return 0;
		rdlen = wire_get16(m + pos + 8);
		if (pos + 10 + rdlen > len)
			return 0;
		pos += 10 + rdlen;
		if (i >= before && m[start] == 0 &&
		    wire_get16(m + start + 1) == WIRE_TYPE_OPT) {
			*rrlen = pos - start;
			return start;
		}
	}
	return 0;
}

size_t
query_relay(const struct query_info *qi, uint8_t *up, size_t uplen, bool tcp)
{
	size_t opt = 0, optlen = 0, len;

	wire_put16(up, qi->id);
	if (tcp || uplen <= qi->udp_limit)
		return uplen;
	/* Too large for the client's UDP: TC and the question (RFC 2181 9). */
	wire_put16(up + 2, (uint16_t)(wire_get16(up + 2) | WIRE_TC));
	if (wire_get16(up + 4) != 1 || !qi->qend || qi->qend > uplen) {
		memset(up + 4, 0, 8);
		return WIRE_HEADER;
	}
	/*
	 * Keep the upstream's OPT for an EDNS client: every response to a
	 * request with an OPT carries one (RFC 6891 7), and it holds the
	 * upper bits of the rcode.
	 */
	if (qi->edns)
		opt = find_opt(up, uplen, &optlen);
	memset(up + 6, 0, 6);
	len = qi->qend;
	if (opt && len + optlen <= qi->udp_limit) {
		memmove(up + len, up + opt, optlen);
		wire_put16(up + 10, 1);
		len += optlen;
	}
	return len;
}

const char *
query_outcome_name(enum query_outcome o)
{
	static const char *const names[QUERY_OUTCOMES] = {
		"noerror", "nodata", "nxdomain", "formerr", "notimp",
		"refused", "servfail", "badvers", "forwarded", "dropped",
		"transfer", "notauth"
	};
	return (unsigned)o < QUERY_OUTCOMES ? names[o] : "?";
}
