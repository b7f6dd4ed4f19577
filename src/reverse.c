/* reverse.c -- reverse zones by address prefix (RFC 1035 3.5, RFC 3596 2.5), each a writer's zone of PTR records. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "reverse.h"
#include "wire.h"
#include "zone.h"

/*
 * A prefix: a zone served, or (derived, over the cap) a prefix refused.
 * Either way it counts the PTR references taken through it, so that a
 * derived zone goes with its last address and a refused prefix is
 * refused for every address until the last refused one is given back.
 */
struct rzone {
	struct rzone *hnext;
	uint64_t hash;
	struct addr_cidr net;		/* host bits clear */
	struct zone *z;			/* NULL: refused */
	struct table_zone *cur;		/* as last published, one reference ours */
	uint32_t refs;
	uint32_t slot;			/* in served[] */
	bool named;
};

struct reverse {
	struct zone_params zp;
	struct rzone **b;		/* by prefix, chained; nb a power of two */
	uint32_t nb, n;
	struct rzone *served[REVERSE_MAX_ZONES];
	uint32_t nserved, max;
	bool derived;
	bool len4[33], len6[129];	/* prefix lengths of named zones */
	uint8_t max4, max6;		/* longest of them */
	bool dirty;			/* zones came or went */
	bool cap_logged;
	uint32_t outside, capped;
	const struct serial_file *floors;	/* NULL: no serial file */
};

bool
reverse_cidr_ok(const struct addr_cidr *net)
{
	if (net->ip.family == 4)
		return net->bits >= 8 && net->bits <= 32 && net->bits % 8 == 0;
	return net->ip.family == 6 && net->bits >= 4 && net->bits <= 128 &&
	    net->bits % 4 == 0;
}

/* Nibble @i (0: the high one of the first octet) of @ip. */
static unsigned
nibble(const struct addr_ip *ip, unsigned i)
{
	uint8_t b = ip->bytes[i / 2];

	return i % 2 ? b & 0xfu : b >> 4;
}

/*
 * The reverse name of the first @bits of @ip (RFC 1035 3.5: octets in
 * decimal, RFC 3596 2.5: nibbles in hex, least significant first), as
 * dotted text without a trailing dot. @return its length or -1.
 */
static int
reverse_text(const struct addr_ip *ip, unsigned bits, char *out, size_t size)
{
	size_t n = 0;
	int k;

	if (ip->family == 4) {
		for (unsigned i = bits / 8; i-- > 0;) {
			k = snprintf(out + n, size - n, "%u.", ip->bytes[i]);
			if (k < 0 || (size_t)k >= size - n)
				return -1;
			n += (size_t)k;
		}
		k = snprintf(out + n, size - n, "in-addr.arpa");
	} else {
		for (unsigned i = bits / 4; i-- > 0;) {
			k = snprintf(out + n, size - n, "%x.", nibble(ip, i));
			if (k < 0 || (size_t)k >= size - n)
				return -1;
			n += (size_t)k;
		}
		k = snprintf(out + n, size - n, "ip6.arpa");
	}
	if (k < 0 || (size_t)k >= size - n)
		return -1;
	return (int)(n + (size_t)k);
}

int
reverse_apex(const struct addr_cidr *net, char *out, size_t size)
{
	if (!reverse_cidr_ok(net))
		return -1;
	return reverse_text(&net->ip, net->bits, out, size);
}

/* @ip cut to its first @bits bits. */
static struct addr_cidr
prefix_of(const struct addr_ip *ip, unsigned bits)
{
	struct addr_cidr c;
	unsigned all = ip->family == 4 ? 32 : 128;

	memset(&c, 0, sizeof(c));
	c.ip.family = ip->family;
	memcpy(c.ip.bytes, ip->bytes, all / 8);
	c.bits = (uint8_t)bits;
	for (unsigned i = bits; i < all; i++)
		c.ip.bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	return c;
}

static uint64_t
prefix_hash(const struct addr_cidr *c)
{
	uint8_t key[18];

	key[0] = c->ip.family;
	key[1] = c->bits;
	memcpy(key + 2, c->ip.bytes, 16);
	return table_hash(key, sizeof(key));
}

static bool
prefix_equal(const struct addr_cidr *a, const struct addr_cidr *c)
{
	return a->bits == c->bits && addr_ip_equal(&a->ip, &c->ip);
}

static struct rzone *
find(const struct reverse *rv, const struct addr_cidr *c, uint64_t h)
{
	for (struct rzone *r = rv->b[h & (rv->nb - 1)]; r; r = r->hnext)
		if (r->hash == h && prefix_equal(&r->net, c))
			return r;
	return NULL;
}

static int
map_add(struct reverse *rv, struct rzone *r)
{
	if (rv->n >= rv->nb) {
		uint32_t nb = rv->nb * 2;
		struct rzone **b = calloc(nb, sizeof(*b)), *x, *next;
		if (!b)
			return -1;
		for (uint32_t i = 0; i < rv->nb; i++)
			for (x = rv->b[i]; x; x = next) {
				next = x->hnext;
				x->hnext = b[x->hash & (nb - 1)];
				b[x->hash & (nb - 1)] = x;
			}
		free(rv->b);
		rv->b = b;
		rv->nb = nb;
	}
	r->hnext = rv->b[r->hash & (rv->nb - 1)];
	rv->b[r->hash & (rv->nb - 1)] = r;
	rv->n++;
	return 0;
}

/* A zone for prefix @r->net. @return 0 or -1. */
static int
zone_make(struct reverse *rv, struct rzone *r)
{
	char apex[80];
	struct zone_params zp = rv->zp;

	if (reverse_apex(&r->net, apex, sizeof(apex)) < 0)
		return -1;
	zp.apex = apex;		/* zone_new() keeps it as wire */
	if (!(r->z = zone_new(&zp)))
		return -1;
	/*
	 * It starts above the serial the serial file keeps for it: served in
	 * the last run, or earlier in this one (a derived zone that comes back).
	 */
	zone_serial_floor_file(r->z, rv->floors);
	return 0;
}

/* Unlink @r from the map and free it and its zone. */
static void
rzone_drop(struct reverse *rv, struct rzone *r)
{
	struct rzone **pp = &rv->b[r->hash & (rv->nb - 1)];

	while (*pp != r)
		pp = &(*pp)->hnext;
	*pp = r->hnext;
	rv->n--;
	if (r->z) {
		rv->served[r->slot] = rv->served[--rv->nserved];
		rv->served[r->slot]->slot = r->slot;
		rv->dirty = true;
	}
	zone_free(r->z);
	table_zone_release(r->cur);
	free(r);
}

void
reverse_free(struct reverse *rv)
{
	if (!rv)
		return;
	for (uint32_t i = 0; rv->b && i < rv->nb; i++) {
		struct rzone *r = rv->b[i], *next;
		for (; r; r = next) {
			next = r->hnext;
			zone_free(r->z);
			table_zone_release(r->cur);
			free(r);
		}
	}
	free(rv->b);
	free(rv);
}

struct reverse *
reverse_new(const struct zone_params *zp, const struct addr_cidr *named,
    size_t n, uint32_t max)
{
	struct reverse *rv = calloc(1, sizeof(*rv));

	if (!rv)
		return NULL;
	rv->zp = *zp;
	rv->derived = n == 0;
	rv->nb = 64;
	rv->max = max;
	if (max > REVERSE_MAX_ZONES || n > max ||
	    !(rv->b = calloc(rv->nb, sizeof(*rv->b))))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct addr_cidr c;
		struct rzone *r;

		if (!reverse_cidr_ok(&named[i]))
			goto fail;
		c = prefix_of(&named[i].ip, named[i].bits);
		if (find(rv, &c, prefix_hash(&c)) || !(r = calloc(1, sizeof(*r))))
			goto fail;
		r->net = c;
		r->hash = prefix_hash(&c);
		r->named = true;
		if (zone_make(rv, r) < 0) {
			free(r);
			goto fail;
		}
		if (map_add(rv, r) < 0) {
			zone_free(r->z);
			free(r);
			goto fail;
		}
		r->slot = rv->nserved;
		rv->served[rv->nserved++] = r;
		if (c.ip.family == 4) {
			rv->len4[c.bits] = true;
			if (c.bits > rv->max4)
				rv->max4 = c.bits;
		} else {
			rv->len6[c.bits] = true;
			if (c.bits > rv->max6)
				rv->max6 = c.bits;
		}
	}
	rv->dirty = true;
	return rv;
fail:
	reverse_free(rv);
	return NULL;
}

/* The prefix @ip's PTR belongs to: its longest named zone, or its derived one. */
static struct rzone *
lookup(const struct reverse *rv, const struct addr_ip *ip, struct addr_cidr *c,
    uint64_t *h)
{
	const bool *lens = ip->family == 4 ? rv->len4 : rv->len6;
	unsigned step = ip->family == 4 ? 8 : 4;

	if (rv->derived) {
		*c = prefix_of(ip, ip->family == 4 ? REVERSE_DERIVED_BITS4 :
		    REVERSE_DERIVED_BITS6);
		*h = prefix_hash(c);
		return find(rv, c, *h);
	}
	for (unsigned bits = ip->family == 4 ? rv->max4 : rv->max6; bits >= step;
	    bits -= step) {
		struct rzone *r;
		if (!lens[bits])
			continue;
		*c = prefix_of(ip, bits);
		*h = prefix_hash(c);
		if ((r = find(rv, c, *h)))
			return r;
	}
	return NULL;
}

/* A new derived prefix: a zone while there is room, else refused. */
static struct rzone *
derive(struct reverse *rv, const struct addr_cidr *c, uint64_t h)
{
	struct rzone *r = calloc(1, sizeof(*r));
	char apex[80];

	if (!r)
		return NULL;
	r->net = *c;
	r->hash = h;
	if (rv->nserved < rv->max && zone_make(rv, r) < 0) {
		free(r);
		return NULL;
	}
	if (map_add(rv, r) < 0) {
		zone_free(r->z);
		free(r);
		return NULL;
	}
	if (r->z) {
		r->slot = rv->nserved;
		rv->served[rv->nserved++] = r;
		rv->dirty = true;
	} else if (!rv->cap_logged) {
		rv->cap_logged = true;
		(void)reverse_apex(c, apex, sizeof(apex));
		log_msg(LOG_WARN, "reverse: %s: not served: %u reverse zones "
		    "already; its addresses get no PTR (name the zones in "
		    "reverseZones)", apex, rv->max);
	}
	return r;
}

int
reverse_ptr(struct reverse *rv, int sign, const struct addr_ip *ip,
    const uint8_t *target, size_t tlen, uint32_t ttl)
{
	uint8_t owner[NAMES_WIRE_MAX];
	char text[80];
	struct addr_cidr c;
	struct rzone *r;
	uint64_t h = 0;
	int n;

	if (ip->family != 4 && ip->family != 6)
		return -1;
	r = lookup(rv, ip, &c, &h);
	if (!r && !rv->derived) {
		rv->outside += (uint32_t)sign;
		return 0;
	}
	if (!r) {
		if (sign < 0 || !(r = derive(rv, &c, h)))
			return -1;
	}
	if (!r->z) {
		if (sign < 0 && r->refs == 0)
			return -1;
		r->refs += (uint32_t)sign;
		rv->capped += (uint32_t)sign;
		if (r->refs == 0)
			rzone_drop(rv, r);
		return 0;
	}
	if ((n = reverse_text(ip, ip->family == 4 ? 32 : 128, text, sizeof(text))) < 0 ||
	    (n = names_text_to_wire(text, (size_t)n, true, owner)) < 0 ||
	    zone_rr(r->z, sign, owner, (size_t)n, WIRE_TYPE_PTR, ttl, target,
	    tlen) < 0) {
		if (!r->named && r->refs == 0)
			rzone_drop(rv, r);	/* made for this PTR */
		return -1;
	}
	r->refs += (uint32_t)sign;
	if (!r->named && r->refs == 0)
		rzone_drop(rv, r);
	return 0;
}

void
reverse_serial_floors(struct reverse *rv, const struct serial_file *f)
{
	rv->floors = f;
	for (uint32_t i = 0; i < rv->nserved; i++)
		zone_serial_floor_file(rv->served[i]->z, f);
}

bool
reverse_dirty(const struct reverse *rv)
{
	if (rv->dirty)
		return true;
	for (uint32_t i = 0; i < rv->nserved; i++)
		if (zone_dirty(rv->served[i]->z))
			return true;
	return false;
}

int
reverse_publish(struct reverse *rv, const struct table *prev, time_t now,
    struct table_zone **out, uint32_t room)
{
	uint32_t n = 0;

	if (rv->nserved > room)
		return -1;
	for (uint32_t i = 0; i < rv->nserved; i++) {
		struct rzone *r = rv->served[i];
		if (!r->cur || zone_dirty(r->z)) {
			struct table_zone *t = zone_publish(r->z, prev, now);
			if (!t) {
				while (n > 0)
					table_zone_release(out[--n]);
				return -1;
			}
			table_zone_release(r->cur);
			r->cur = t;
		}
		table_zone_ref(r->cur);
		out[n++] = r->cur;
	}
	return (int)n;
}

struct table *
reverse_publish_table(struct reverse *rv, struct zone *z,
    const struct table *prev, time_t now)
{
	struct table_zone *zones[TABLE_MAX_ZONES];
	struct table *t;
	int n = 0;

	if (!(zones[0] = zone_publish(z, prev, now)))
		return NULL;
	if (rv && (n = reverse_publish(rv, prev, now, zones + 1,
	    TABLE_MAX_ZONES - 1)) < 0) {
		table_zone_release(zones[0]);
		return NULL;
	}
	/* A failed table_new() leaves the changes pending: rv stays dirty. */
	if ((t = table_new(zones, (uint32_t)n + 1, now)) && rv)
		rv->dirty = false;
	return t;
}

void
reverse_counts(const struct reverse *rv, struct reverse_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (!rv)
		return;
	c->zones = rv->nserved;
	c->outside = rv->outside;
	c->capped = rv->capped;
}
