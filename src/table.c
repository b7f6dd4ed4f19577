/* table.c -- the immutable record table: lookup hash, builder over a zone, dump, free. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "table.h"
#include "zone.h"

/* A one-shot build: a zone published once. */
struct table_builder {
	struct zone *z;
	uint8_t apex[TABLE_NAME_MAX];
	size_t apex_len;
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
table_builder_new(const struct table_zone *zone)
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
	return zone_rr(b->z, 1, name, len, ip->family == 4 ? TABLE_A : TABLE_AAAA,
	    ip->bytes, ip->family == 4 ? 4 : 16, 0);
}

static int
add_srv_wire(struct table_builder *b, const uint8_t *name, size_t len,
    const uint8_t *target, size_t tlen, uint16_t port)
{
	if (!in_zone(b, name, len))
		return -1;
	return zone_rr(b->z, 1, name, len, TABLE_SRV, target, tlen, port);
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

struct table *
table_builder_finish(struct table_builder *b, const struct table *prev,
    time_t now)
{
	struct table *t = zone_publish(b->z, prev, now);

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
table_free(struct table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; t->shards && i <= t->shard_mask; i++)
		table_shard_release(t->shards[i]);
	free(t->shards);
	for (uint32_t i = 0; i < t->nchanged; i++)
		free((void *)t->changed[i]);
	free((void *)t->changed);
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
	for (uint32_t i = 0, k = 0; i <= t->shard_mask; i++)
		for (uint32_t j = 0; j < t->shards[i]->nnodes; j++)
			order[k++] = &t->shards[i]->nodes[j];
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
			memcpy(a.bytes, n->a[k], 4);
			addr_ip_to_text(&a, ip, sizeof(ip));
			fprintf(out, "%s\t%u\tIN\tA\t%s\n", name, t->ttl, ip);
		}
		for (uint32_t k = 0; k < n->count[TABLE_AAAA]; k++) {
			struct addr_ip a = { .family = 6 };
			memcpy(a.bytes, n->aaaa[k], 16);
			addr_ip_to_text(&a, ip, sizeof(ip));
			fprintf(out, "%s\t%u\tIN\tAAAA\t%s\n", name, t->ttl, ip);
		}
		for (uint32_t k = 0; k < n->count[TABLE_SRV]; k++) {
			const struct table_srv *s = &n->srv[k];
			names_wire_to_text(s->target, target);
			fprintf(out, "%s\t%u\tIN\tSRV\t0 %u %u %s\n", name, t->ttl,
			    t->srv_weight, s->port, target);
		}
	}
	free(order);
	return ferror(out) ? -1 : 0;
}
