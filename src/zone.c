/* zone.c -- the writer's zone: names and referenced records in shards; generations built shard by shard. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "serial.h"
#include "wire.h"
#include "zone.h"

/* Most shards (a named limit): 65536 shards of ZONE_SHARD_NAMES names. */
#define ZONE_MAX_SHARDS 65536

/* A record, held by as many references as sources gave it. */
struct zrr {
	struct zrr *next, **pprev;	/* in its name's list */
	uint32_t refs;
	uint32_t srefs;			/* of refs, those of static zone files */
	uint32_t ttl;
	uint32_t hash;			/* rr_hash(): most mismatches cost no memcmp */
	uint16_t type;
	uint16_t len;			/* of data */
	uint8_t data[];			/* RDATA */
};

/* A name that exists: the apex, an owner, or an empty non-terminal. */
struct zname {
	struct zname *next;		/* in its shard's bucket */
	struct zname *parent;		/* NULL for the apex */
	struct zrr *rrs;
	struct zidx *idx;		/* over ZONE_INDEX_MIN records: by hash */
	uint32_t nrrs;
	uint64_t hash;
	uint32_t children;		/* existing names one label below */
	uint32_t changed;		/* generation it was last listed as changed in */
	uint32_t nstatic;		/* records with srefs: the others are hidden */
	bool hiding;			/* a collision logged as started */
	uint8_t len;
	uint8_t wire[];
};

/*
 * The records of a name with many (slave.mesos has one per agent), by
 * zrr.hash, open addressing: taking or giving back one costs the same
 * whatever their number.
 */
struct zidx {
	uint32_t mask;
	struct zrr *slot[];
};

/* Records a name holds before it gets an index (below, its list is walked). */
#define ZONE_INDEX_MIN 64

struct zshard {
	struct zname **buckets;		/* chained, nbuckets a power of two */
	uint32_t nbuckets, nnames;
	bool dirty;
	struct table_shard *cur;	/* as last published, one reference ours */
};

struct zone {
	struct zone_params zp;
	uint8_t apex[TABLE_NAME_MAX], mname[TABLE_NAME_MAX], rname[TABLE_NAME_MAX];
	uint8_t apex_len, mname_len, rname_len;
	struct zshard *shards;
	uint32_t nshards;
	uint64_t nnames;
	uint32_t gen;			/* generations published, + 1 */
	bool all_changed;		/* since the last publish */
	bool dirty;
	uint8_t **changed;		/* names listed since the last publish */
	uint32_t nchanged, capchanged;
	uint32_t skipped;
	/*
	 * The last serial published, or the floor zone_serial_floor() set:
	 * the next serial is greater (RFC 1982), even when the generation
	 * in service does not hold the zone.
	 */
	uint32_t floor;
	bool has_floor;
};

static int
to_wire(const char *text, uint8_t *wire, uint8_t *len, bool hostname)
{
	int n = names_text_to_wire(text, strlen(text), hostname, wire);

	if (n < 0)
		return -1;
	*len = (uint8_t)n;
	return 0;
}

static int
shards_init(struct zshard *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		s[i].nbuckets = 8;
		s[i].buckets = calloc(8, sizeof(*s[i].buckets));
		if (!s[i].buckets)
			return -1;
		s[i].dirty = true;
	}
	return 0;
}

static void
bucket_insert(struct zshard *s, struct zname *n)
{
	uint32_t b = (uint32_t)n->hash & (s->nbuckets - 1);

	n->next = s->buckets[b];
	s->buckets[b] = n;
	s->nnames++;
}

static int
shard_grow(struct zshard *s)
{
	uint32_t nb = s->nbuckets * 2;
	struct zname **b = calloc(nb, sizeof(*b)), *n, *next;

	if (!b)
		return -1;
	for (uint32_t i = 0; i < s->nbuckets; i++)
		for (n = s->buckets[i]; n; n = next) {
			next = n->next;
			n->next = b[(uint32_t)n->hash & (nb - 1)];
			b[(uint32_t)n->hash & (nb - 1)] = n;
		}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
	return 0;
}

static struct zname *
find(const struct zone *z, const uint8_t *wire, size_t len, uint64_t hash)
{
	const struct zshard *s = &z->shards[table_shard_of(hash, z->nshards - 1)];

	for (struct zname *n = s->buckets[(uint32_t)hash & (s->nbuckets - 1)];
	    n; n = n->next)
		if (n->hash == hash && n->len == len && memcmp(n->wire, wire, len) == 0)
			return n;
	return NULL;
}

/* List @n as changed in this generation, once. */
static int
note_change(struct zone *z, const struct zname *n)
{
	uint8_t *copy;

	z->shards[table_shard_of(n->hash, z->nshards - 1)].dirty = true;
	z->dirty = true;
	if (z->all_changed)
		return 0;
	if (z->nchanged == TABLE_CHANGES_MAX) {
		z->all_changed = true;
		return 0;
	}
	if (z->nchanged == z->capchanged) {
		uint32_t cap = z->capchanged ? z->capchanged * 2 : 64;
		uint8_t **c = realloc(z->changed, cap * sizeof(*c));
		if (!c)
			return -1;
		z->changed = c;
		z->capchanged = cap;
	}
	if (!(copy = malloc((size_t)n->len + 1)))
		return -1;
	copy[0] = n->len;
	memcpy(copy + 1, n->wire, n->len);
	z->changed[z->nchanged++] = copy;
	return 0;
}

static int
mark(struct zone *z, struct zname *n)
{
	if (n->changed == z->gen)
		return 0;
	n->changed = z->gen;
	return note_change(z, n);
}

/* Find or make @wire and, up to the apex, its ancestors. */
static struct zname *
make(struct zone *z, const uint8_t *wire, size_t len)
{
	uint64_t hash = table_hash(wire, len);
	struct zname *n = find(z, wire, len, hash), *parent;
	struct zshard *s;

	if (n)
		return n;
	/* Not the apex (it always exists): the parent is one label up. */
	parent = make(z, wire + wire[0] + 1, len - wire[0] - 1);
	if (!parent || !(n = calloc(1, sizeof(*n) + len)))
		return NULL;
	n->hash = hash;
	n->len = (uint8_t)len;
	memcpy(n->wire, wire, len);
	n->parent = parent;
	parent->children++;
	s = &z->shards[table_shard_of(hash, z->nshards - 1)];
	if (s->nnames >= s->nbuckets && shard_grow(s) < 0) {
		parent->children--;
		free(n);
		return NULL;
	}
	bucket_insert(s, n);
	z->nnames++;
	if (mark(z, n) < 0)
		return NULL;
	return n;
}

/* Remove @n, and its ancestors that it alone kept in existence. */
static void
prune(struct zone *z, struct zname *n)
{
	while (n->parent && !n->rrs && !n->children) {
		struct zname *p = n->parent;
		struct zshard *s = &z->shards[table_shard_of(n->hash, z->nshards - 1)];
		struct zname **pp = &s->buckets[(uint32_t)n->hash & (s->nbuckets - 1)];

		if (n->changed != z->gen)
			(void)note_change(z, n);
		else
			s->dirty = true;
		while (*pp != n)
			pp = &(*pp)->next;
		*pp = n->next;
		s->nnames--;
		z->nnames--;
		free(n);
		p->children--;
		n = p;
	}
}

struct zone *
zone_new(const struct zone_params *zp)
{
	struct zone *z = calloc(1, sizeof(*z));
	struct zname *apex;

	if (!z)
		return NULL;
	z->zp = *zp;
	z->gen = 1;
	z->all_changed = true;
	z->dirty = true;
	if (to_wire(zp->apex, z->apex, &z->apex_len, true) < 0 ||
	    to_wire(zp->soa_mname, z->mname, &z->mname_len, false) < 0 ||
	    to_wire(zp->soa_rname, z->rname, &z->rname_len, false) < 0)
		goto fail;
	z->nshards = 1;
	if (!(z->shards = calloc(1, sizeof(*z->shards))) ||
	    shards_init(z->shards, 1) < 0)
		goto fail;
	if (!(apex = calloc(1, sizeof(*apex) + z->apex_len)))
		goto fail;
	apex->hash = table_hash(z->apex, z->apex_len);
	apex->len = z->apex_len;
	memcpy(apex->wire, z->apex, z->apex_len);
	bucket_insert(&z->shards[0], apex);
	z->nnames = 1;
	if (zone_rr(z, 1, z->apex, z->apex_len, WIRE_TYPE_NS, zp->ttl, z->mname,
	    z->mname_len) < 0)
		goto fail;
	return z;
fail:
	zone_free(z);
	return NULL;
}

static uint32_t
rr_hash(uint16_t type, uint32_t ttl, const uint8_t *data, size_t dlen)
{
	return (uint32_t)(table_hash(data, dlen) ^ ((uint64_t)type << 32 | ttl));
}

static bool
same_rr(const struct zrr *r, uint32_t hash, uint16_t type, uint32_t ttl,
    const uint8_t *data, size_t dlen)
{
	return r->hash == hash && r->type == type && r->ttl == ttl &&
	    r->len == dlen && memcmp(r->data, data, dlen) == 0;
}

/* (Re)build the index of @n for @want records, half full at most. */
static int
idx_build(struct zname *n, uint32_t want)
{
	uint32_t size = 128;
	struct zidx *x;

	while (size < want * 2)
		size *= 2;
	if (!(x = calloc(1, sizeof(*x) + size * sizeof(x->slot[0]))))
		return -1;
	x->mask = size - 1;
	for (struct zrr *r = n->rrs; r; r = r->next) {
		uint32_t i = r->hash & x->mask;
		while (x->slot[i])
			i = (i + 1) & x->mask;
		x->slot[i] = r;
	}
	free(n->idx);
	n->idx = x;
	return 0;
}

/* The slot of @r in the index of @n, or of the empty one it would take. */
static uint32_t
idx_slot(const struct zidx *x, uint32_t hash, const struct zrr *r)
{
	uint32_t i = hash & x->mask;

	while (x->slot[i] && x->slot[i] != r)
		i = (i + 1) & x->mask;
	return i;
}

/* Take @r out of the index, shifting back what followed it. */
static void
idx_remove(struct zidx *x, const struct zrr *r)
{
	uint32_t i = idx_slot(x, r->hash, r), j = i;

	x->slot[i] = NULL;
	for (;;) {
		uint32_t k;
		j = (j + 1) & x->mask;
		if (!x->slot[j])
			return;
		k = x->slot[j]->hash & x->mask;
		/* Stays unless its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		x->slot[i] = x->slot[j];
		x->slot[j] = NULL;
		i = j;
	}
}

/* The record of @n equal to the arguments, or NULL. */
static struct zrr *
rr_find(const struct zname *n, uint32_t h, uint16_t type, uint32_t ttl,
    const uint8_t *data, size_t dlen)
{
	if (n->idx) {
		for (uint32_t i = h & n->idx->mask; n->idx->slot[i];
		    i = (i + 1) & n->idx->mask)
			if (same_rr(n->idx->slot[i], h, type, ttl, data, dlen))
				return n->idx->slot[i];
		return NULL;
	}
	for (struct zrr *r = n->rrs; r; r = r->next)
		if (same_rr(r, h, type, ttl, data, dlen))
			return r;
	return NULL;
}

/* Add @r to @n. @return 0, or -1 when out of memory (@r not added). */
static int
rr_link(struct zname *n, struct zrr *r)
{
	if (n->idx && (n->nrrs + 1) * 4 > (n->idx->mask + 1) * 3 &&
	    idx_build(n, n->nrrs + 1) < 0)
		return -1;
	r->next = n->rrs;
	if (n->rrs)
		n->rrs->pprev = &r->next;
	r->pprev = &n->rrs;
	n->rrs = r;
	n->nrrs++;
	if (n->idx)
		n->idx->slot[idx_slot(n->idx, r->hash, NULL)] = r;
	else if (n->nrrs > ZONE_INDEX_MIN)
		(void)idx_build(n, n->nrrs);	/* without one, the list is walked */
	return 0;
}

static void
rr_unlink(struct zname *n, struct zrr *r)
{
	*r->pprev = r->next;
	if (r->next)
		r->next->pprev = r->pprev;
	n->nrrs--;
	if (n->idx)
		idx_remove(n->idx, r);
	if (n->idx && n->nrrs == 0) {
		free(n->idx);
		n->idx = NULL;
	}
}

/*
 * Take or give back a reference on a record; @stat: one of a static zone
 * file. A name holding static records hides its other records (see
 * shard_build()), so a record turning static or not changes the name.
 */
static int
rr_ref(struct zone *z, int sign, bool stat, const uint8_t *name, size_t len,
    uint16_t type, uint32_t ttl, const uint8_t *data, size_t dlen)
{
	int at = table_rdata_name(type);
	struct zname *n;
	struct zrr *r;
	uint32_t h;

	/*
	 * The SOA is the zone's own; meta types and OPT are not data. A name
	 * in RDATA must be one well-formed wire name to its end: answers copy
	 * and compress it, and the additional section looks it up.
	 */
	if (dlen > TABLE_RDATA_MAX || type == WIRE_TYPE_SOA ||
	    type == WIRE_TYPE_OPT || (type >= 128 && type <= 255) ||
	    (at >= 0 && (dlen <= (size_t)at ||
	    !names_wire_valid(data + at, dlen - (size_t)at))) ||
	    !names_wire_in_zone(name, len, z->apex, z->apex_len))
		return -1;
	h = rr_hash(type, ttl, data, dlen);
	if (sign > 0) {
		if (!(n = make(z, name, len)))
			return -1;
		if ((r = rr_find(n, h, type, ttl, data, dlen))) {
			r->refs++;
			if (stat && r->srefs++ == 0) {
				n->nstatic++;
				return mark(z, n);
			}
			return 0;
		}
		if (!(r = malloc(sizeof(*r) + dlen))) {
			prune(z, n);
			return -1;
		}
		r->refs = 1;
		r->srefs = stat ? 1 : 0;
		n->nstatic += stat;
		r->hash = h;
		r->type = type;
		r->ttl = ttl;
		r->len = (uint16_t)dlen;
		memcpy(r->data, data, dlen);
		if (rr_link(n, r) < 0) {
			n->nstatic -= stat;
			free(r);
			prune(z, n);
			return -1;
		}
		return mark(z, n);
	}
	n = find(z, name, len, table_hash(name, len));
	if (!n || !(r = rr_find(n, h, type, ttl, data, dlen)) ||
	    (stat && r->srefs == 0))
		return -1;
	if (stat && --r->srefs == 0) {
		n->nstatic--;
		if (--r->refs > 0)
			return mark(z, n);
	} else if (--r->refs > 0)
		return 0;
	rr_unlink(n, r);
	free(r);
	if (mark(z, n) < 0)
		return -1;
	prune(z, n);
	return 0;
}

int
zone_rr(struct zone *z, int sign, const uint8_t *name, size_t len,
    uint16_t type, uint32_t ttl, const uint8_t *data, size_t dlen)
{
	return rr_ref(z, sign, false, name, len, type, ttl, data, dlen);
}

int
zone_static_rr(struct zone *z, int sign, const uint8_t *name, size_t len,
    uint16_t type, uint32_t ttl, const uint8_t *data, size_t dlen)
{
	return rr_ref(z, sign, true, name, len, type, ttl, data, dlen);
}

int
zone_own_soa(struct zone *z, const uint8_t *mname, size_t mlen,
    const uint8_t *rname, size_t rlen, const struct zone_params *zp)
{
	if (mlen > TABLE_NAME_MAX || rlen > TABLE_NAME_MAX ||
	    !names_wire_valid(mname, mlen) || !names_wire_valid(rname, rlen))
		return -1;
	/* The file's NS records are the apex's: not the generated one. */
	if (rr_ref(z, -1, false, z->apex, z->apex_len, WIRE_TYPE_NS, z->zp.ttl,
	    z->mname, z->mname_len) < 0)
		return -1;
	memcpy(z->mname, mname, mlen);
	z->mname_len = (uint8_t)mlen;
	memcpy(z->rname, rname, rlen);
	z->rname_len = (uint8_t)rlen;
	z->zp.ttl = zp->ttl;
	z->zp.soa_refresh = zp->soa_refresh;
	z->zp.soa_retry = zp->soa_retry;
	z->zp.soa_expire = zp->soa_expire;
	z->zp.soa_minimum = zp->soa_minimum;
	return 0;
}

int
zone_addr(struct zone *z, int sign, const uint8_t *name, size_t len,
    uint32_t ttl, const struct addr_ip *ip)
{
	return zone_rr(z, sign, name, len, ip->family == 4 ? WIRE_TYPE_A :
	    WIRE_TYPE_AAAA, ttl, ip->bytes, ip->family == 4 ? 4 : 16);
}

int
zone_srv(struct zone *z, int sign, const uint8_t *name, size_t len,
    uint32_t ttl, uint16_t weight, uint16_t port, const uint8_t *target,
    size_t tlen)
{
	uint8_t rd[6 + TABLE_NAME_MAX];

	if (tlen > TABLE_NAME_MAX)
		return -1;
	wire_put16(rd, 0);
	wire_put16(rd + 2, weight);
	wire_put16(rd + 4, port);
	memcpy(rd + 6, target, tlen);
	return zone_rr(z, sign, name, len, WIRE_TYPE_SRV, ttl, rd, 6 + tlen);
}

bool
zone_dirty(const struct zone *z)
{
	return z->dirty;
}

void
zone_skip(struct zone *z)
{
	z->skipped++;
}

/*
 * Spread the names over @n shards (a power of two), every shard dirty.
 * Buckets are sized first, so that moving names cannot fail half-way.
 */
static int
reshard(struct zone *z, uint32_t n)
{
	struct zshard *s = calloc(n, sizeof(*s));
	struct zname *x, *next;

	if (!s)
		return -1;
	for (uint32_t i = 0; i < z->nshards; i++)
		for (uint32_t b = 0; b < z->shards[i].nbuckets; b++)
			for (x = z->shards[i].buckets[b]; x; x = x->next)
				s[table_shard_of(x->hash, n - 1)].nnames++;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t nb = 8;
		while (nb < s[i].nnames)
			nb *= 2;
		s[i].nbuckets = nb;
		s[i].nnames = 0;
		s[i].dirty = true;
		if (!(s[i].buckets = calloc(nb, sizeof(*s[i].buckets)))) {
			for (uint32_t k = 0; k <= i; k++)
				free(s[k].buckets);
			free(s);
			return -1;
		}
	}
	for (uint32_t i = 0; i < z->nshards; i++) {
		for (uint32_t b = 0; b < z->shards[i].nbuckets; b++)
			for (x = z->shards[i].buckets[b]; x; x = next) {
				next = x->next;
				bucket_insert(&s[table_shard_of(x->hash, n - 1)], x);
			}
		table_shard_release(z->shards[i].cur);
		free(z->shards[i].buckets);
	}
	free(z->shards);
	z->shards = s;
	z->nshards = n;
	z->all_changed = true;
	return 0;
}

/* By type, then RDATA, then TTL: one order for every build. */
static int
cmp_rr(const void *x, const void *y)
{
	const struct zrr *a = *(const struct zrr *const *)x;
	const struct zrr *c = *(const struct zrr *const *)y;
	size_t l = a->len < c->len ? a->len : c->len;
	int r;

	if (a->type != c->type)
		return a->type < c->type ? -1 : 1;
	r = memcmp(a->data, c->data, l);
	if (r == 0 && a->len != c->len)
		r = a->len < c->len ? -1 : 1;
	if (r == 0 && a->ttl != c->ttl)
		r = a->ttl < c->ttl ? -1 : 1;
	return r;
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Where the name whose addresses go to the additional section starts. */
static uint16_t
name_at(uint16_t type)
{
	return type == WIRE_TYPE_NS || type == WIRE_TYPE_MX ||
	    type == WIRE_TYPE_SRV ? (uint16_t)table_rdata_name(type) : TABLE_NO_NAME;
}

/*
 * Count, for the memory of a shard, the records of @n, their octets and
 * its RRsets (its distinct types). Records differing only in TTL are
 * counted twice: the shard has room to spare, rather than a sort more.
 * @return the records.
 */
static uint32_t
node_count(const struct zname *n, uint32_t *nrd, uint32_t *nsets,
    size_t *octets)
{
	uint16_t types[8];
	uint32_t c = 0, nt = 0;

	for (const struct zrr *r = n->rrs; r; r = r->next, c++) {
		uint32_t k = 0;
		*octets += r->len;
		while (k < nt && k < 8 && types[k] != r->type)
			k++;
		if (k == nt) {
			if (nt < 8)
				types[nt] = r->type;
			nt++;
		}
	}
	/* Over 8 types only the first 8 are told apart: at most one RRset a record. */
	*nsets += nt <= 8 ? nt : c;
	*nrd += c;
	return c;
}

/*
 * Build the immutable form of shard @s in one allocation: shard header,
 * nodes, RRsets, RDATA descriptors, index, then name and RDATA octets.
 */
/*
 * The collision rule: a name that holds records of a static zone file
 * serves those alone; the generated records there are withheld, not
 * dropped (they keep their references and come back when the static
 * name goes). The apex is the exception: its NS is the zone's own. A
 * collision is logged when it starts and when it ends. @return the
 * records @n hides.
 */
static uint32_t
hidden(struct zname *n)
{
	uint32_t c = 0;

	if (n->nstatic && n->parent)
		c = n->nrrs - n->nstatic;
	if ((c > 0) != n->hiding) {
		char text[NAMES_TEXT_MAX * 4 + 2];
		names_wire_to_text(n->wire, text);
		if (c)
			log_msg(LOG_WARN, "zone: %s: static records hide %u generated "
			    "records", text, c);
		else
			log_msg(LOG_INFO, "zone: %s: static records no longer hide "
			    "generated records", text);
		n->hiding = c > 0;
	}
	return c;
}

static struct table_shard *
shard_build(const struct zshard *s)
{
	uint32_t size = 2, maxrr = 0, nrd = 0, nsets = 0;
	uint32_t ni = 0, kset = 0, krd = 0;
	size_t octets = 0, total;
	struct table_shard *t;
	struct table_node *nodes;
	struct table_rrset *sets;
	struct table_rdata *rds;
	uint32_t *index;
	uint8_t *bytes;
	const struct zrr **sorted;
	uint64_t chash = 0;
	uint32_t nhidden = 0;

	for (uint32_t b = 0; b < s->nbuckets; b++)
		for (struct zname *n = s->buckets[b]; n; n = n->next) {
			uint32_t c = node_count(n, &nrd, &nsets, &octets);
			nhidden += hidden(n);
			octets += n->len;
			if (c > maxrr)
				maxrr = c;
		}
	if (!(sorted = malloc((maxrr ? maxrr : 1) * sizeof(*sorted))))
		return NULL;
	while (size < s->nnames * 2)
		size *= 2;
	total = sizeof(*t) + s->nnames * sizeof(*nodes) + nsets * sizeof(*sets) +
	    nrd * sizeof(*rds) + size * sizeof(*index) + octets;
	if (!(t = calloc(1, total))) {
		free(sorted);
		return NULL;
	}
	/* Layout, largest alignment first. */
	nodes = (struct table_node *)(t + 1);
	sets = (struct table_rrset *)(nodes + s->nnames);
	rds = (struct table_rdata *)(sets + nsets);
	index = (uint32_t *)(rds + nrd);
	bytes = (uint8_t *)(index + size);
	memset(index, 0xff, size * sizeof(*index));

	for (uint32_t b = 0; b < s->nbuckets; b++)
		for (const struct zname *n = s->buckets[b]; n; n = n->next) {
			struct table_node *node = &nodes[ni];
			struct table_rrset *set = NULL;
			uint32_t c = 0, h = (uint32_t)n->hash & (size - 1);

			bool stat_only = n->nstatic && n->parent;
			for (const struct zrr *r = n->rrs; r; r = r->next)
				if (!stat_only || r->srefs)
					sorted[c++] = r;
			qsort(sorted, c, sizeof(*sorted), cmp_rr);
			node->hash = n->hash;
			node->name = bytes;
			node->name_len = n->len;
			memcpy(bytes, n->wire, n->len);
			bytes += n->len;
			node->rrsets = &sets[kset];
			for (uint32_t k = 0; k < c; k++) {
				const struct zrr *r = sorted[k], *q = k ? sorted[k - 1] : NULL;
				struct table_rdata *rd;
				if (q && q->type == r->type && q->len == r->len &&
				    memcmp(q->data, r->data, r->len) == 0)
					continue;	/* the same record, a larger TTL */
				if (!set || set->type != r->type) {
					node->nrrsets++;
					set = &sets[kset++];
					set->type = r->type;
					set->ttl = r->ttl;
					set->rd = &rds[krd];
				}
				if (r->ttl < set->ttl)
					set->ttl = r->ttl;
				rd = &rds[krd++];
				rd->data = bytes;
				rd->len = r->len;
				rd->name_at = name_at(r->type);
				memcpy(bytes, r->data, r->len);
				bytes += r->len;
				set->count++;
				t->rrs[table_stat_of(r->type)]++;
				chash += mix64((n->hash * 3 + r->type) ^
				    (table_hash(r->data, r->len) + r->ttl));
			}
			while (index[h] != UINT32_MAX)
				h = (h + 1) & (size - 1);
			index[h] = ni++;
		}
	free(sorted);
	atomic_init(&t->refs, 1);
	t->nnodes = s->nnames;
	t->nodes = nodes;
	t->index = index;
	t->index_mask = size - 1;
	t->content_hash = chash;
	t->hidden = nhidden;
	t->bytes = total;
	return t;
}

struct table_zone *
zone_publish(struct zone *z, const struct table *prevgen, time_t now)
{
	const struct table_zone *prev = table_zone_of(prevgen, z->apex, z->apex_len);
	struct table_zone *t = calloc(1, sizeof(*t));
	struct table_shard **built = NULL;
	uint32_t want = z->nshards;

	if (!t)
		return NULL;
	/* Shards of a few hundred to ZONE_SHARD_NAMES names: grow by powers of two. */
	if (z->nnames > (uint64_t)z->nshards * ZONE_SHARD_NAMES) {
		while ((uint64_t)want * ZONE_SHARD_NAMES / 4 < z->nnames &&
		    want < ZONE_MAX_SHARDS)
			want *= 2;
		if (want != z->nshards && reshard(z, want) < 0)
			goto fail;
	}
	t->shards = calloc(z->nshards, sizeof(*t->shards));
	built = calloc(z->nshards, sizeof(*built));
	if (!t->shards || !built)
		goto fail;
	for (uint32_t i = 0; i < z->nshards; i++)
		if (z->shards[i].dirty || !z->shards[i].cur) {
			if (!(built[i] = shard_build(&z->shards[i])))
				goto fail;
			t->shards_built++;
		}
	/* Everything built: nothing below can fail. */
	for (uint32_t i = 0; i < z->nshards; i++) {
		struct zshard *s = &z->shards[i];
		if (built[i]) {
			table_shard_release(s->cur);
			s->cur = built[i];
			s->dirty = false;
		}
		atomic_fetch_add(&s->cur->refs, 1);
		t->shards[i] = s->cur;
		t->content_hash += s->cur->content_hash;
		t->stats.nodes += s->cur->nnodes;
		for (int ty = 0; ty < TABLE_STAT_TYPES; ty++)
			t->stats.rrs[ty] += s->cur->rrs[ty];
		t->stats.bytes += s->cur->bytes;
		t->stats.hidden_rrs += s->cur->hidden;
	}
	free(built);
	atomic_init(&t->refs, 1);
	t->shard_mask = z->nshards - 1;
	memcpy(t->apex, z->apex, z->apex_len);
	t->apex_len = z->apex_len;
	memcpy(t->soa_mname, z->mname, z->mname_len);
	t->soa_mname_len = z->mname_len;
	memcpy(t->soa_rname, z->rname, z->rname_len);
	t->soa_rname_len = z->rname_len;
	t->ttl = z->zp.ttl;
	t->soa_refresh = z->zp.soa_refresh;
	t->soa_retry = z->zp.soa_retry;
	t->soa_expire = z->zp.soa_expire;
	t->soa_minimum = z->zp.soa_minimum;
	t->apex_node = table_lookup(t, t->apex, t->apex_len,
	    table_hash(t->apex, t->apex_len));
	t->stats.skipped_names = z->skipped;
	/*
	 * The serial moves only when the records do, so secondaries and
	 * caches see a change exactly when there is one; it stays a clock
	 * value like Mesos-DNS's, and never goes backwards (RFC 1982
	 * arithmetic: RFC 1996 secondaries transfer only a greater one).
	 * With over one change a second it runs ahead of the clock; the
	 * floor (the last serial published, or the serial file's at start)
	 * keeps it growing where the clock alone would send it back.
	 */
	if (prev && prev->content_hash == t->content_hash)
		t->serial = prev->serial;
	else if (prev)
		t->serial = serial_next(prev->serial, (uint32_t)now);
	else
		t->serial = (uint32_t)now;
	if (z->has_floor && !serial_gt(t->serial, z->floor) &&
	    !(prev && t->serial == prev->serial))
		t->serial = serial_next(z->floor, (uint32_t)now);
	z->floor = t->serial;
	z->has_floor = true;
	t->prev_serial = prev ? prev->serial : 0;
	t->changed_all = z->all_changed || !prev;
	if (t->changed_all) {
		for (uint32_t i = 0; i < z->nchanged; i++)
			free(z->changed[i]);
	} else {
		t->changed = (const uint8_t *const *)z->changed;
		t->nchanged = z->nchanged;
		z->changed = NULL;
		z->capchanged = 0;
	}
	z->nchanged = 0;
	z->all_changed = false;
	z->dirty = false;
	z->gen++;
	return t;
fail:
	for (uint32_t i = 0; built && i < z->nshards; i++)
		table_shard_release(built[i]);
	free(built);
	free(t->shards);
	free(t);
	return NULL;
}

void
zone_serial_floor(struct zone *z, uint32_t saved)
{
	if (!z->has_floor || serial_gt(saved, z->floor)) {
		z->floor = saved;
		z->has_floor = true;
	}
}

void
zone_serial_floor_file(struct zone *z, const struct serial_file *f)
{
	uint32_t saved;

	if (f && serial_file_get(f, z->apex, z->apex_len, &saved))
		zone_serial_floor(z, saved);
}

struct table *
zone_publish_table(struct zone *z, const struct table *prev, time_t now)
{
	struct table_zone *zt = zone_publish(z, prev, now);

	return zt ? table_new(&zt, 1, now) : NULL;
}

const struct table_zone *
zone_in(const struct zone *z, const struct table *t)
{
	return table_zone_of(t, z->apex, z->apex_len);
}

void
zone_free(struct zone *z)
{
	if (!z)
		return;
	for (uint32_t i = 0; z->shards && i < z->nshards; i++) {
		struct zshard *s = &z->shards[i];
		for (uint32_t b = 0; s->buckets && b < s->nbuckets; b++) {
			struct zname *n = s->buckets[b], *next;
			for (; n; n = next) {
				struct zrr *r = n->rrs, *rn;
				next = n->next;
				for (; r; r = rn) {
					rn = r->next;
					free(r);
				}
				free(n->idx);
				free(n);
			}
		}
		free(s->buckets);
		table_shard_release(s->cur);
	}
	free(z->shards);
	for (uint32_t i = 0; i < z->nchanged; i++)
		free(z->changed[i]);
	free(z->changed);
	free(z);
}
