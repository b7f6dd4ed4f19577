/* table.c -- build, index, dump and free the immutable record table. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "region.h"
#include "table.h"

/* Name flags during a build. */
#define NAME_OWNER 0x01		/* holds records (or is the apex) */
#define NAME_ENT 0x02		/* empty non-terminal */
#define NAME_UP_DONE 0x04	/* ancestors already made to exist */

/* A name interned during a build; its bytes live in the table's region. */
struct bname {
	uint64_t hash;
	const uint8_t *wire;
	uint8_t len;
	uint8_t flags;
};

/* A record during a build. */
struct brec {
	uint32_t name;		/* bname index */
	uint8_t type;		/* enum table_type */
	union {
		uint8_t a[4];
		uint8_t aaaa[16];
		struct {
			uint16_t port;
			uint32_t target;	/* bname index */
		} srv;
	} d;
};

struct table_builder {
	struct table *t;		/* the product, region already made */
	struct bname *names;
	uint32_t nnames, capnames;
	uint32_t *nindex;		/* open addressing over names */
	uint32_t nindex_mask;
	struct brec *recs;
	size_t nrecs, caprecs;
	uint32_t apex_name;
	uint32_t skipped;
};

/* Hash of a wire name: 64-bit FNV-1a folded eight octets at a time. */
uint64_t
table_hash(const uint8_t *wire, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, wire + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ wire[i]) * 0x100000001b3ULL;
	h ^= h >> 32;
	return h;
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

static int
grow_index(struct table_builder *b)
{
	uint32_t size = (b->nindex_mask + 1) * 2;
	uint32_t *n = malloc((size_t)size * sizeof(*n));

	if (!n)
		return -1;
	memset(n, 0xff, (size_t)size * sizeof(*n));
	for (uint32_t i = 0; i < b->nnames; i++) {
		uint32_t h = (uint32_t)b->names[i].hash & (size - 1);
		while (n[h] != UINT32_MAX)
			h = (h + 1) & (size - 1);
		n[h] = i;
	}
	free(b->nindex);
	b->nindex = n;
	b->nindex_mask = size - 1;
	return 0;
}

/*
 * Intern a lower-case wire name. With @copy the octets are copied into the
 * table's region; without, @wire already lives there (a suffix of a name
 * interned before). @return the name index or UINT32_MAX when out of memory.
 */
static uint32_t
intern(struct table_builder *b, const uint8_t *wire, size_t len, bool copy)
{
	uint64_t hash = table_hash(wire, len);
	uint32_t h = (uint32_t)hash & b->nindex_mask;

	while (b->nindex[h] != UINT32_MAX) {
		struct bname *n = &b->names[b->nindex[h]];
		if (n->hash == hash && n->len == len && memcmp(n->wire, wire, len) == 0)
			return b->nindex[h];
		h = (h + 1) & b->nindex_mask;
	}
	if (b->nnames == b->capnames) {
		uint32_t cap = b->capnames ? b->capnames * 2 : 1024;
		struct bname *n = realloc(b->names, (size_t)cap * sizeof(*n));
		if (!n)
			return UINT32_MAX;
		b->names = n;
		b->capnames = cap;
	}
	struct bname *n = &b->names[b->nnames];
	n->hash = hash;
	n->len = (uint8_t)len;
	n->flags = 0;
	n->wire = copy ? region_memdup(b->t->region, wire, len) : wire;
	if (!n->wire)
		return UINT32_MAX;
	b->nindex[h] = b->nnames++;
	if (b->nnames * 2 > b->nindex_mask + 1 && grow_index(b) < 0)
		return UINT32_MAX;
	return b->nnames - 1;
}

static const uint8_t *
wire_dup(struct table_builder *b, const char *text, uint8_t *len, bool hostname)
{
	uint8_t wire[NAMES_WIRE_MAX];
	int n = names_text_to_wire(text, strlen(text), hostname, wire);

	if (n < 0)
		return NULL;
	*len = (uint8_t)n;
	return region_memdup(b->t->region, wire, (size_t)n);
}

struct table_builder *
table_builder_new(const struct table_zone *zone)
{
	struct table_builder *b = calloc(1, sizeof(*b));
	struct table *t;
	uint8_t len;

	if (!b)
		return NULL;
	b->t = t = calloc(1, sizeof(*t));
	if (!t || !(t->region = region_new(1 << 20)))
		goto fail;
	b->nindex_mask = 1023;
	b->nindex = malloc(1024 * sizeof(uint32_t));
	if (!b->nindex)
		goto fail;
	memset(b->nindex, 0xff, 1024 * sizeof(uint32_t));
	if (!(t->apex = wire_dup(b, zone->apex, &t->apex_len, true)) ||
	    !(t->soa_mname = wire_dup(b, zone->soa_mname, &t->soa_mname_len, false)) ||
	    !(t->soa_rname = wire_dup(b, zone->soa_rname, &t->soa_rname_len, false)))
		goto fail;
	t->ttl = zone->ttl;
	t->soa_refresh = zone->soa_refresh;
	t->soa_retry = zone->soa_retry;
	t->soa_expire = zone->soa_expire;
	t->soa_minimum = zone->soa_minimum;
	t->srv_weight = zone->srv_weight;
	b->apex_name = intern(b, t->apex, t->apex_len, false);
	if (b->apex_name == UINT32_MAX)
		goto fail;
	b->names[b->apex_name].flags = NAME_OWNER | NAME_UP_DONE;
	(void)len;
	return b;
fail:
	table_builder_free(b);
	return NULL;
}

void
table_builder_free(struct table_builder *b)
{
	if (!b)
		return;
	table_free(b->t);
	free(b->names);
	free(b->nindex);
	free(b->recs);
	free(b);
}

/* Intern a wire record name or target; count refusals. */
static uint32_t
intern_wire(struct table_builder *b, const uint8_t *wire, size_t len,
    bool in_zone)
{
	if (in_zone && !names_wire_in_zone(wire, len, b->t->apex, b->t->apex_len)) {
		b->skipped++;
		return UINT32_MAX;
	}
	return intern(b, wire, len, true);
}

static struct brec *
new_rec(struct table_builder *b)
{
	if (b->nrecs == b->caprecs) {
		size_t cap = b->caprecs ? b->caprecs * 2 : 4096;
		struct brec *n = realloc(b->recs, cap * sizeof(*n));
		if (!n)
			return NULL;
		b->recs = n;
		b->caprecs = cap;
	}
	struct brec *r = &b->recs[b->nrecs++];
	memset(r, 0, sizeof(*r));
	return r;
}

void
table_skip_name(struct table_builder *b)
{
	b->skipped++;
}

uint32_t
table_skipped(const struct table_builder *b)
{
	return b->skipped;
}

int
table_add_addr_wire(struct table_builder *b, const uint8_t *name, size_t len,
    const struct addr_ip *ip)
{
	uint32_t n = intern_wire(b, name, len, true);
	struct brec *r;

	if (n == UINT32_MAX || !(r = new_rec(b)))
		return -1;
	b->names[n].flags |= NAME_OWNER;
	r->name = n;
	if (ip->family == 4) {
		r->type = TABLE_A;
		memcpy(r->d.a, ip->bytes, 4);
	} else {
		r->type = TABLE_AAAA;
		memcpy(r->d.aaaa, ip->bytes, 16);
	}
	return 0;
}

int
table_add_srv_wire(struct table_builder *b, const uint8_t *name, size_t len,
    const uint8_t *target, size_t tlen, uint16_t port)
{
	uint32_t n = intern_wire(b, name, len, true), tg;
	struct brec *r;

	if (n == UINT32_MAX)
		return -1;
	tg = intern_wire(b, target, tlen, false);
	if (tg == UINT32_MAX || !(r = new_rec(b)))
		return -1;
	b->names[n].flags |= NAME_OWNER;
	r->name = n;
	r->type = TABLE_SRV;
	r->d.srv.port = port;
	r->d.srv.target = tg;
	return 0;
}

/* Text to checked wire form; over-long text cannot be a name. */
static int
to_wire(struct table_builder *b, const char *text, size_t len, uint8_t *wire)
{
	int n = len > NAMES_TEXT_MAX + 1 ? -1 :
	    names_text_to_wire(text, len, true, wire);

	if (n < 0)
		b->skipped++;
	return n;
}

int
table_add_addr(struct table_builder *b, const char *name, size_t namelen,
    const struct addr_ip *ip)
{
	uint8_t wire[NAMES_WIRE_MAX];
	int n = to_wire(b, name, namelen, wire);

	return n < 0 ? -1 : table_add_addr_wire(b, wire, (size_t)n, ip);
}

int
table_add_srv(struct table_builder *b, const char *name, size_t namelen,
    const char *target, size_t targetlen, uint16_t port)
{
	uint8_t nw[NAMES_WIRE_MAX], tw[NAMES_WIRE_MAX];
	int n = to_wire(b, name, namelen, nw), t;

	if (n < 0)
		return -1;
	t = to_wire(b, target, targetlen, tw);
	return t < 0 ? -1 : table_add_srv_wire(b, nw, (size_t)n, tw, (size_t)t, port);
}

/* Make every ancestor of an owner (up to the apex) exist (RFC 4592 2.2.2). */
static int
add_empty_non_terminals(struct table_builder *b)
{
	uint32_t count = b->nnames;

	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *w;
		size_t len;

		if ((b->names[i].flags & (NAME_OWNER | NAME_UP_DONE)) != NAME_OWNER)
			continue;
		b->names[i].flags |= NAME_UP_DONE;
		w = b->names[i].wire;
		len = b->names[i].len;
		while (len > b->t->apex_len) {
			len -= (size_t)w[0] + 1;
			w += w[0] + 1;
			uint32_t p = intern(b, w, len, false);
			if (p == UINT32_MAX)
				return -1;
			if (b->names[p].flags & NAME_UP_DONE)
				break;
			b->names[p].flags |= NAME_UP_DONE;
			if (!(b->names[p].flags & NAME_OWNER))
				b->names[p].flags |= NAME_ENT;
		}
	}
	return 0;
}

static int
cmp_a(const void *x, const void *y, void *arg)
{
	(void)arg;
	return memcmp(((const struct brec *)x)->d.a, ((const struct brec *)y)->d.a, 4);
}

static int
cmp_aaaa(const void *x, const void *y, void *arg)
{
	(void)arg;
	return memcmp(((const struct brec *)x)->d.aaaa,
	    ((const struct brec *)y)->d.aaaa, 16);
}

static int
cmp_srv(const void *x, const void *y, void *arg)
{
	const struct bname *names = arg;
	const struct brec *a = x, *c = y;
	const struct bname *ta = &names[a->d.srv.target];
	const struct bname *tc = &names[c->d.srv.target];
	size_t l = ta->len < tc->len ? ta->len : tc->len;
	int r = memcmp(ta->wire, tc->wire, l);

	if (r == 0 && ta->len != tc->len)
		r = ta->len < tc->len ? -1 : 1;
	if (r == 0 && a->d.srv.port != c->d.srv.port)
		r = a->d.srv.port < c->d.srv.port ? -1 : 1;
	return r;
}

static bool
same_rec(const struct brec *a, const struct brec *c)
{
	switch (a->type) {
	case TABLE_A:
		return memcmp(a->d.a, c->d.a, 4) == 0;
	case TABLE_AAAA:
		return memcmp(a->d.aaaa, c->d.aaaa, 16) == 0;
	default:
		return a->d.srv.port == c->d.srv.port &&
		    a->d.srv.target == c->d.srv.target;
	}
}

static uint64_t
rec_hash(const struct table_builder *b, const struct brec *r)
{
	uint64_t h = b->names[r->name].hash * 3 + r->type;

	switch (r->type) {
	case TABLE_A:
		h ^= table_hash(r->d.a, 4);
		break;
	case TABLE_AAAA:
		h ^= table_hash(r->d.aaaa, 16);
		break;
	default:
		h ^= b->names[r->d.srv.target].hash + r->d.srv.port;
		break;
	}
	return mix64(h);
}

struct table *
table_builder_finish(struct table_builder *b, const struct table *prev,
    time_t now)
{
	struct table *t = b->t;
	uint32_t *final = NULL, nnodes = 0, *start = NULL, *idx;
	struct brec *sorted = NULL;
	struct table_node *nodes;
	uint8_t (*a)[4];
	uint8_t (*aaaa)[16];
	struct table_srv *srv;
	uint32_t na = 0, naaaa = 0, nsrv = 0, size;
	uint64_t chash = 0;
	size_t ngroups, ntype[TABLE_NTYPES] = { 0, 0, 0 };

	if (add_empty_non_terminals(b) < 0)
		goto fail;

	/* Final node numbers for the names that exist. */
	final = malloc((size_t)b->nnames * sizeof(*final));
	if (!final)
		goto fail;
	for (uint32_t i = 0; i < b->nnames; i++)
		final[i] = (b->names[i].flags & (NAME_OWNER | NAME_ENT)) ?
		    nnodes++ : UINT32_MAX;

	/* Counting sort of records by (node, type). */
	ngroups = (size_t)nnodes * TABLE_NTYPES;
	start = calloc(ngroups + 1, sizeof(*start));
	sorted = malloc((b->nrecs ? b->nrecs : 1) * sizeof(*sorted));
	if (!start || !sorted)
		goto fail;
	for (size_t i = 0; i < b->nrecs; i++) {
		start[(size_t)final[b->recs[i].name] * TABLE_NTYPES + b->recs[i].type + 1]++;
		ntype[b->recs[i].type]++;
	}
	for (size_t g = 0; g < ngroups; g++)
		start[g + 1] += start[g];
	for (size_t i = 0; i < b->nrecs; i++) {
		size_t g = (size_t)final[b->recs[i].name] * TABLE_NTYPES + b->recs[i].type;
		sorted[start[g]++] = b->recs[i];
	}
	/* start[g] is now the end of group g; its beginning is start[g - 1]. */

	nodes = region_calloc(t->region, nnodes ? nnodes : 1, sizeof(*nodes));
	a = region_calloc(t->region, ntype[TABLE_A] + 1, sizeof(*a));
	aaaa = region_calloc(t->region, ntype[TABLE_AAAA] + 1, sizeof(*aaaa));
	srv = region_calloc(t->region, ntype[TABLE_SRV] + 1, sizeof(*srv));
	if (!nodes || !a || !aaaa || !srv)
		goto fail;
	for (uint32_t i = 0; i < b->nnames; i++) {
		struct table_node *node;
		if (final[i] == UINT32_MAX)
			continue;
		node = &nodes[final[i]];
		node->hash = b->names[i].hash;
		node->name = b->names[i].wire;
		node->name_len = b->names[i].len;
		for (int ty = 0; ty < TABLE_NTYPES; ty++) {
			size_t g = (size_t)final[i] * TABLE_NTYPES + (size_t)ty;
			size_t lo = g ? start[g - 1] : 0, hi = start[g], n = hi - lo;
			struct brec *grp = sorted + lo;
			size_t kept = 0;

			if (n == 0)
				continue;
			if (n > 1)
				qsort_r(grp, n, sizeof(*grp), ty == TABLE_A ? cmp_a :
				    ty == TABLE_AAAA ? cmp_aaaa : cmp_srv, b->names);
			node->first[ty] = ty == TABLE_A ? na : ty == TABLE_AAAA ?
			    naaaa : nsrv;
			for (size_t k = 0; k < n; k++) {
				if (kept && same_rec(&grp[k], &grp[k - 1]))
					continue;
				kept++;
				chash += rec_hash(b, &grp[k]);
				if (ty == TABLE_A) {
					memcpy(a[na++], grp[k].d.a, 4);
				} else if (ty == TABLE_AAAA) {
					memcpy(aaaa[naaaa++], grp[k].d.aaaa, 16);
				} else {
					const struct bname *tg = &b->names[grp[k].d.srv.target];
					struct table_srv *s = &srv[nsrv++];
					s->port = grp[k].d.srv.port;
					s->target = tg->wire;
					s->target_len = tg->len;
					s->target_node = final[grp[k].d.srv.target] ==
					    UINT32_MAX ? NULL : &nodes[final[grp[k].d.srv.target]];
				}
			}
			node->count[ty] = (uint32_t)kept;
		}
	}

	/* Lookup index at most half full. */
	size = 16;
	while (size < nnodes * 2)
		size *= 2;
	idx = region_alloc(t->region, (size_t)size * sizeof(*idx));
	if (!idx)
		goto fail;
	memset(idx, 0xff, (size_t)size * sizeof(*idx));
	for (uint32_t i = 0; i < nnodes; i++) {
		uint32_t h = (uint32_t)nodes[i].hash & (size - 1);
		while (idx[h] != UINT32_MAX)
			h = (h + 1) & (size - 1);
		idx[h] = i;
	}

	t->nodes = nodes;
	t->index = idx;
	t->index_mask = size - 1;
	t->a = (const uint8_t (*)[4])a;
	t->aaaa = (const uint8_t (*)[16])aaaa;
	t->srv = srv;
	t->apex_node = &nodes[final[b->apex_name]];
	t->content_hash = chash;
	t->built = now;
	/*
	 * The serial moves only when the records do, so secondaries and
	 * caches see a change exactly when there is one; it stays a clock
	 * value like Mesos-DNS's, and never goes backwards.
	 */
	if (prev && prev->content_hash == chash)
		t->serial = prev->serial;
	else if (prev && (uint32_t)now <= prev->serial)
		t->serial = prev->serial + 1;
	else
		t->serial = (uint32_t)now;
	t->stats.nodes = nnodes;
	t->stats.rrs[TABLE_A] = na;
	t->stats.rrs[TABLE_AAAA] = naaaa;
	t->stats.rrs[TABLE_SRV] = nsrv;
	t->stats.skipped_names = b->skipped;
	t->stats.bytes = region_size(t->region);

	free(final);
	free(start);
	free(sorted);
	b->t = NULL;
	table_builder_free(b);
	return t;
fail:
	free(final);
	free(start);
	free(sorted);
	table_builder_free(b);
	return NULL;
}

void
table_free(struct table *t)
{
	if (!t)
		return;
	region_free(t->region);
	free(t);
}

/* RFC 4034 6.1 canonical order: compare labels from the right. */
static int
cmp_canonical(const void *x, const void *y)
{
	const struct table_node *a = *(const struct table_node *const *)x;
	const struct table_node *c = *(const struct table_node *const *)y;
	const uint8_t *la[128], *lc[128];
	int na = 0, nc = 0;

	for (const uint8_t *p = a->name; *p; p += *p + 1)
		la[na++] = p;
	for (const uint8_t *p = c->name; *p; p += *p + 1)
		lc[nc++] = p;
	while (na > 0 && nc > 0) {
		const uint8_t *pa = la[--na], *pc = lc[--nc];
		size_t l = pa[0] < pc[0] ? pa[0] : pc[0];
		int r = memcmp(pa + 1, pc + 1, l);
		if (r)
			return r;
		if (pa[0] != pc[0])
			return pa[0] < pc[0] ? -1 : 1;
	}
	return na - nc;
}

int
table_dump(const struct table *t, FILE *out)
{
	char name[NAMES_TEXT_MAX * 4 + 2], target[NAMES_TEXT_MAX * 4 + 2];
	char mname[NAMES_TEXT_MAX * 4 + 2], rname[NAMES_TEXT_MAX * 4 + 2];
	const struct table_node **order;
	char ip[64];

	order = malloc((t->stats.nodes ? t->stats.nodes : 1) * sizeof(*order));
	if (!order)
		return -1;
	for (uint32_t i = 0; i < t->stats.nodes; i++)
		order[i] = &t->nodes[i];
	qsort(order, t->stats.nodes, sizeof(*order), cmp_canonical);

	names_wire_to_text(t->apex, name);
	names_wire_to_text(t->soa_mname, mname);
	names_wire_to_text(t->soa_rname, rname);
	fprintf(out, "; taskdns record table, %u names, serial %u\n",
	    t->stats.nodes, t->serial);
	fprintf(out, "%s\t%u\tIN\tSOA\t%s %s %u %u %u %u %u\n", name, t->ttl,
	    mname, rname, t->serial, t->soa_refresh, t->soa_retry,
	    t->soa_expire, t->soa_minimum);
	fprintf(out, "%s\t%u\tIN\tNS\t%s\n", name, t->ttl, mname);
	for (uint32_t i = 0; i < t->stats.nodes; i++) {
		const struct table_node *n = order[i];
		names_wire_to_text(n->name, name);
		for (uint32_t k = 0; k < n->count[TABLE_A]; k++) {
			struct addr_ip a = { .family = 4 };
			memcpy(a.bytes, t->a[n->first[TABLE_A] + k], 4);
			addr_ip_to_text(&a, ip, sizeof(ip));
			fprintf(out, "%s\t%u\tIN\tA\t%s\n", name, t->ttl, ip);
		}
		for (uint32_t k = 0; k < n->count[TABLE_AAAA]; k++) {
			struct addr_ip a = { .family = 6 };
			memcpy(a.bytes, t->aaaa[n->first[TABLE_AAAA] + k], 16);
			addr_ip_to_text(&a, ip, sizeof(ip));
			fprintf(out, "%s\t%u\tIN\tAAAA\t%s\n", name, t->ttl, ip);
		}
		for (uint32_t k = 0; k < n->count[TABLE_SRV]; k++) {
			const struct table_srv *s = &t->srv[n->first[TABLE_SRV] + k];
			names_wire_to_text(s->target, target);
			fprintf(out, "%s\t%u\tIN\tSRV\t0 %u %u %s\n", name, t->ttl,
			    t->srv_weight, s->port, target);
		}
	}
	free(order);
	return ferror(out) ? -1 : 0;
}
