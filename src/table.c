/* table.c -- the immutable record table: lookup hash, builder over a zone, dump, free. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "names.h"
#include "table.h"
#include "wire.h"
#include "zone.h"

/* A one-shot build: a zone published once. */
struct table_builder {
	struct zone *z;
	uint8_t apex[TABLE_NAME_MAX];
	size_t apex_len;
	uint32_t ttl;
	uint16_t srv_weight;
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

struct table_builder *
table_builder_new(const struct zone_params *zone)
{
	struct table_builder *b = calloc(1, sizeof(*b));
	int n;

	if (!b)
		return NULL;
	n = names_text_to_wire(zone->apex, strlen(zone->apex), true, b->apex);
	if (n < 0 || !(b->z = zone_new(zone))) {
		free(b);
		return NULL;
	}
	b->apex_len = (size_t)n;
	b->ttl = zone->ttl;
	b->srv_weight = zone->srv_weight;
	return b;
}

void
table_builder_free(struct table_builder *b)
{
	if (!b)
		return;
	zone_free(b->z);
	free(b);
}

/* Names outside the zone are refused and counted, as unaskable ones. */
static bool
in_zone(struct table_builder *b, const uint8_t *name, size_t len)
{
	if (names_wire_in_zone(name, len, b->apex, b->apex_len))
		return true;
	zone_skip(b->z);
	return false;
}

static int
add_addr_wire(struct table_builder *b, const uint8_t *name, size_t len,
    const struct addr_ip *ip)
{
	if (!in_zone(b, name, len))
		return -1;
	return zone_addr(b->z, 1, name, len, b->ttl, ip);
}

static int
add_srv_wire(struct table_builder *b, const uint8_t *name, size_t len,
    const uint8_t *target, size_t tlen, uint16_t port)
{
	if (!in_zone(b, name, len))
		return -1;
	return zone_srv(b->z, 1, name, len, b->ttl, b->srv_weight, port, target,
	    tlen);
}

/* Text to checked wire form; over-long text cannot be a name. */
static int
to_wire(struct table_builder *b, const char *text, size_t len, uint8_t *wire)
{
	int n = len > NAMES_TEXT_MAX + 1 ? -1 :
	    names_text_to_wire(text, len, true, wire);

	if (n < 0)
		zone_skip(b->z);
	return n;
}

int
table_add_addr(struct table_builder *b, const char *name, size_t namelen,
    const struct addr_ip *ip)
{
	uint8_t wire[NAMES_WIRE_MAX];
	int n = to_wire(b, name, namelen, wire);

	return n < 0 ? -1 : add_addr_wire(b, wire, (size_t)n, ip);
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
	return t < 0 ? -1 : add_srv_wire(b, nw, (size_t)n, tw, (size_t)t, port);
}

int
table_add_rr(struct table_builder *b, const char *name, size_t namelen,
    uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	uint8_t wire[NAMES_WIRE_MAX];
	int n = to_wire(b, name, namelen, wire);

	if (n < 0 || !in_zone(b, wire, (size_t)n))
		return -1;
	return zone_rr(b->z, 1, wire, (size_t)n, type, ttl, rdata, rdlen);
}

struct table *
table_builder_finish(struct table_builder *b, const struct table *prev,
    time_t now)
{
	struct table *t = zone_publish_table(b->z, prev, now);

	table_builder_free(b);
	return t;
}

void
table_shard_release(struct table_shard *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		free(s);
}

void
table_zone_release(struct table_zone *z)
{
	if (!z || atomic_fetch_sub(&z->refs, 1) != 1)
		return;
	for (uint32_t i = 0; z->shards && i <= z->shard_mask; i++)
		table_shard_release(z->shards[i]);
	free(z->shards);
	for (uint32_t i = 0; i < z->nchanged; i++)
		free((void *)z->changed[i]);
	free((void *)z->changed);
	free(z);
}

/* Longest apex first: the first zone a name is in is its closest. */
static int
cmp_apex_len(const void *x, const void *y)
{
	const struct table_zone *a = *(const struct table_zone *const *)x;
	const struct table_zone *c = *(const struct table_zone *const *)y;

	/* Same length: by apex, so that equal zone sets dump alike. */
	if (a->apex_len != c->apex_len)
		return (int)c->apex_len - (int)a->apex_len;
	return memcmp(a->apex, c->apex, a->apex_len);
}

struct table *
table_new(struct table_zone **zones, uint32_t n, time_t now)
{
	struct table *t = n <= TABLE_MAX_ZONES ? calloc(1, sizeof(*t)) : NULL;

	if (t && !(t->zones = malloc((n ? n : 1) * sizeof(*t->zones)))) {
		free(t);
		t = NULL;
	}
	if (!t) {
		for (uint32_t i = 0; i < n; i++)
			table_zone_release(zones[i]);
		return NULL;
	}
	memcpy(t->zones, zones, n * sizeof(*zones));
	qsort(t->zones, n, sizeof(*t->zones), cmp_apex_len);
	t->nzones = n;
	t->built = now;
	return t;
}

const struct table_zone *
table_zone_find(const struct table *t, const uint8_t *name, size_t len)
{
	for (uint32_t i = 0; i < t->nzones; i++) {
		const struct table_zone *z = t->zones[i];
		/*
		 * With reverse zones most apexes end in "arpa": the last octet
		 * of the top label tells most zones apart without walking labels.
		 */
		if (z->apex_len > len || (z->apex_len > 1 &&
		    name[len - 2] != z->apex[z->apex_len - 2]))
			continue;
		if (names_wire_in_zone(name, len, z->apex, z->apex_len))
			return z;
	}
	return NULL;
}

const struct table_zone *
table_zone_of(const struct table *t, const uint8_t *apex, size_t len)
{
	for (uint32_t i = 0; t && i < t->nzones; i++)
		if (t->zones[i]->apex_len == len &&
		    memcmp(t->zones[i]->apex, apex, len) == 0)
			return t->zones[i];
	return NULL;
}

/* Drop the references a history holds and its steps. */
static void
hist_clear(struct table_hist *h)
{
	for (uint32_t i = 0; i < h->n; i++) {
		table_zone_release(h->steps[i].from);
		table_zone_release(h->steps[i].to);
	}
	free(h->steps);
	h->steps = NULL;
	h->n = 0;
}

/*
 * The history of zone table @z after @old (the same zone in the previous
 * generation, with history @oh; both may be NULL) into @h.
 * @return 0 or -1 when out of memory.
 */
static int
hist_next(struct table_hist *h, struct table_zone *z,
    struct table_zone *old, const struct table_hist *oh)
{
	uint32_t keep = 0, names, shards, add = 0;
	/* Superseded shards the history may keep alive: two zones' worth. */
	uint32_t shards_max = TABLE_HIST_ZONE_COPIES * (z->shard_mask + 1);

	h->n = 0;
	h->steps = NULL;
	if (!old)
		return 0;
	if (old == z || old->serial == z->serial) {
		/* No new version: the history goes on as it was. */
		keep = oh ? oh->n : 0;
	} else if (!z->changed_all && z->prev_serial == old->serial) {
		/* One step more, if its change list is within the bound. */
		add = z->nchanged <= TABLE_HIST_NAMES && z->shards_built <= shards_max;
		names = z->nchanged;
		shards = z->shards_built;
		if (add)
			for (keep = 0; oh && keep < oh->n && keep + 1 < TABLE_HIST_STEPS &&
			    names + oh->steps[keep].to->nchanged <= TABLE_HIST_NAMES &&
			    shards + oh->steps[keep].to->shards_built <= shards_max; keep++) {
				names += oh->steps[keep].to->nchanged;
				shards += oh->steps[keep].to->shards_built;
			}
	}
	if (!keep && !add)
		return 0;
	if (!(h->steps = malloc((keep + add) * sizeof(*h->steps))))
		return -1;
	if (add) {
		h->steps[0].from = old;
		h->steps[0].to = z;
	}
	if (keep)
		memcpy(h->steps + add, oh->steps, keep * sizeof(*h->steps));
	h->n = keep + add;
	for (uint32_t i = 0; i < h->n; i++) {
		table_zone_ref(h->steps[i].from);
		table_zone_ref(h->steps[i].to);
	}
	return 0;
}

int
table_hist_attach(struct table *t, const struct table *prev)
{
	if (!(t->hist = calloc(t->nzones ? t->nzones : 1, sizeof(*t->hist))))
		return -1;
	for (uint32_t i = 0; i < t->nzones; i++) {
		struct table_zone *z = t->zones[i], *old = NULL;
		const struct table_hist *oh = NULL;

		for (uint32_t j = 0; prev && j < prev->nzones; j++)
			if (prev->zones[j]->apex_len == z->apex_len &&
			    memcmp(prev->zones[j]->apex, z->apex, z->apex_len) == 0) {
				old = prev->zones[j];
				oh = prev->hist ? &prev->hist[j] : NULL;
				break;
			}
		if (hist_next(&t->hist[i], z, old, oh) < 0) {
			for (uint32_t j = 0; j < i; j++)
				hist_clear(&t->hist[j]);
			free(t->hist);
			t->hist = NULL;
			return -1;
		}
	}
	return 0;
}

void
table_free(struct table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; t->hist && i < t->nzones; i++)
		hist_clear(&t->hist[i]);
	free(t->hist);
	for (uint32_t i = 0; i < t->nzones; i++)
		table_zone_release(t->zones[i]);
	free(t->zones);
	free(t);
}

static const char *const stat_names[TABLE_STAT_TYPES] = {
	"A", "AAAA", "SRV", "NS", "PTR", "other"
};

enum table_stat_type
table_stat_of(uint16_t type)
{
	switch (type) {
	case WIRE_TYPE_A:	return TABLE_STAT_A;
	case WIRE_TYPE_AAAA:	return TABLE_STAT_AAAA;
	case WIRE_TYPE_SRV:	return TABLE_STAT_SRV;
	case WIRE_TYPE_NS:	return TABLE_STAT_NS;
	case WIRE_TYPE_PTR:	return TABLE_STAT_PTR;
	default:		return TABLE_STAT_OTHER;
	}
}

const char *
table_stat_name(enum table_stat_type s)
{
	return s < TABLE_STAT_TYPES ? stat_names[s] : "?";
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

/*
 * One record in master-file form, by ldns (any type it knows; RFC 3597's
 * generic form for the others).
 */
static void
dump_rr(FILE *out, const uint8_t *owner, size_t olen, uint16_t type,
    uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	uint8_t wire[TABLE_NAME_MAX + 10 + TABLE_RDATA_MAX];
	ldns_rr *rr = NULL;
	size_t pos = 0;
	char *text;

	memcpy(wire, owner, olen);
	wire_put16(wire + olen, type);
	wire_put16(wire + olen + 2, WIRE_CLASS_IN);
	wire_put32(wire + olen + 4, ttl);
	wire_put16(wire + olen + 8, (uint16_t)rdlen);
	memcpy(wire + olen + 10, rdata, rdlen);
	if (ldns_wire2rr(&rr, wire, olen + 10 + rdlen, &pos,
	    LDNS_SECTION_ANSWER) == LDNS_STATUS_OK && (text = ldns_rr2str(rr))) {
		fputs(text, out);
		free(text);
	} else {
		char name[NAMES_TEXT_MAX * 4 + 2];
		names_wire_to_text(owner, name);
		fprintf(out, "%s\t%u\tIN\tTYPE%u\t\\# %zu ", name, ttl, type, rdlen);
		for (size_t i = 0; i < rdlen; i++)
			fprintf(out, "%02x", rdata[i]);
		fputc('\n', out);
	}
	ldns_rr_free(rr);
}

static int
dump_zone(const struct table_zone *z, FILE *out)
{
	char name[NAMES_TEXT_MAX * 4 + 2];
	char mname[NAMES_TEXT_MAX * 4 + 2], rname[NAMES_TEXT_MAX * 4 + 2];
	const struct table_node **order;

	order = malloc((z->stats.nodes ? z->stats.nodes : 1) * sizeof(*order));
	if (!order)
		return -1;
	for (uint32_t i = 0, k = 0; i <= z->shard_mask; i++)
		for (uint32_t j = 0; j < z->shards[i]->nnodes; j++)
			order[k++] = &z->shards[i]->nodes[j];
	qsort(order, z->stats.nodes, sizeof(*order), cmp_canonical);

	names_wire_to_text(z->apex, name);
	names_wire_to_text(z->soa_mname, mname);
	names_wire_to_text(z->soa_rname, rname);
	fprintf(out, "; taskdns record table, %u names, serial %u\n",
	    z->stats.nodes, z->serial);
	fprintf(out, "%s\t%u\tIN\tSOA\t%s %s %u %u %u %u %u\n", name, z->ttl,
	    mname, rname, z->serial, z->soa_refresh, z->soa_retry,
	    z->soa_expire, z->soa_minimum);
	for (uint32_t i = 0; i < z->stats.nodes; i++) {
		const struct table_node *n = order[i];
		for (uint16_t k = 0; k < n->nrrsets; k++) {
			const struct table_rrset *set = &n->rrsets[k];
			for (uint32_t j = 0; j < set->count; j++)
				dump_rr(out, n->name, n->name_len, set->type,
				    set->ttl, set->rd[j].data, set->rd[j].len);
		}
	}
	free(order);
	return 0;
}

int
table_dump(const struct table *t, FILE *out)
{
	/* Shortest apex first, for a stable dump. */
	for (uint32_t i = t->nzones; i-- > 0;)
		if (dump_zone(t->zones[i], out) < 0)
			return -1;
	return ferror(out) ? -1 : 0;
}
