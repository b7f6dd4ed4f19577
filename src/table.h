/* table.h -- immutable generations of zones of RRsets: built off the query path, read by many. */
#ifndef TASKDNS_TABLE_H
#define TASKDNS_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "addr.h"
#include "wire.h"

/** Longest wire name, octets (RFC 1035 2.3.4). */
#define TABLE_NAME_MAX 255

/** Longest RDATA a record may have here (a named limit; the wire allows 65535). */
#define TABLE_RDATA_MAX 4096

/** Most zones one generation serves (a named limit). */
#define TABLE_MAX_ZONES 256

/** table_rdata.name_at when the RDATA has no name for the additional section. */
#define TABLE_NO_NAME UINT16_MAX

/**
 * Where the domain name in RDATA of @type begins (it runs to the end of
 * the RDATA: NS, CNAME, PTR, MX exchange, SRV target), or -1 for a type
 * whose RDATA holds none that this server knows of.
 */
static inline int
table_rdata_name(uint16_t type)
{
	switch (type) {
	case WIRE_TYPE_NS:
	case WIRE_TYPE_CNAME:
	case WIRE_TYPE_PTR:
		return 0;
	case WIRE_TYPE_MX:
		return 2;
	case WIRE_TYPE_SRV:
		return 6;
	default:
		return -1;
	}
}

/** One record's RDATA, as on the wire (names uncompressed, as given). */
struct table_rdata {
	const uint8_t *data;			/**< shard memory */
	uint16_t len;
	/**
	 * Offset of the name whose addresses go to the additional section
	 * (NS, MX, SRV targets, RFC 1035 3.3.9, RFC 2782), or TABLE_NO_NAME.
	 */
	uint16_t name_at;
};

/** The records of one type at one name: an RRset, one TTL (RFC 2181 5.2). */
struct table_rrset {
	uint16_t type;				/**< RR type, as on the wire */
	uint32_t count;				/**< records, at least 1 */
	uint32_t ttl;				/**< the smallest TTL its records were given */
	const struct table_rdata *rd;		/**< count records, in one fixed order */
};

/** A name that exists in a zone: an owner of records or an empty non-terminal. */
struct table_node {
	uint64_t hash;				/**< table_hash() of name */
	const uint8_t *name;			/**< lower-case wire, shard memory */
	uint8_t name_len;
	uint16_t nrrsets;			/**< 0 for an empty non-terminal */
	const struct table_rrset *rrsets;	/**< by ascending type */
};

/** The RRset of @type at @n, or NULL. */
static inline const struct table_rrset *
table_rrset(const struct table_node *n, uint16_t type)
{
	for (uint16_t i = 0; i < n->nrrsets && n->rrsets[i].type <= type; i++)
		if (n->rrsets[i].type == type)
			return &n->rrsets[i];
	return NULL;
}

/** Types counted one by one in table_stats (the others are summed). */
enum table_stat_type {
	TABLE_STAT_A = 0,
	TABLE_STAT_AAAA,
	TABLE_STAT_SRV,
	TABLE_STAT_NS,
	TABLE_STAT_PTR,
	TABLE_STAT_OTHER,
	TABLE_STAT_TYPES
};

/** The table_stats slot of RR type @type. */
enum table_stat_type table_stat_of(uint16_t type);

/** Name of a table_stats slot ("A", ..., "other"), for logs and metrics. */
const char *table_stat_name(enum table_stat_type s);

/**
 * A part of a zone: the names whose hash falls in it, with their records
 * and an index. Immutable and shared by every generation that did not
 * change it (reference counted), so publishing a change costs the shards
 * it touches, not the zone. One allocation holds it all.
 */
struct table_shard {
	_Atomic uint32_t refs;			/**< zone tables holding it */
	uint32_t nnodes;
	const struct table_node *nodes;
	const uint32_t *index;			/**< open addressing: node or UINT32_MAX */
	uint32_t index_mask;
	uint32_t rrs[TABLE_STAT_TYPES];		/**< records per type */
	uint64_t content_hash;			/**< order-independent hash of its records */
	uint32_t hidden;			/**< generated records withheld by static names */
	size_t bytes;				/**< memory it holds */
};

/** Zone parameters a zone is made from (copied; the caller keeps its own). */
struct zone_params {
	const char *apex;		/**< "mesos" */
	const char *soa_mname;		/**< "ns1.mesos.", also the apex NS */
	const char *soa_rname;		/**< "root.ns1.mesos." */
	uint32_t ttl;			/**< TTL of the SOA and NS records */
	uint32_t soa_refresh, soa_retry, soa_expire, soa_minimum;
	uint16_t srv_weight;		/**< weight of every generated SRV record */
};

/** Counts of one zone, for logs and metrics. */
struct table_stats {
	uint32_t nodes;			/**< names that exist, ENTs included */
	uint32_t rrs[TABLE_STAT_TYPES];	/**< records per type after de-duplication */
	uint32_t skipped_names;		/**< names refused as unaskable or out of zone */
	/**
	 * Generated records withheld because a static zone file holds
	 * their name (the collision rule of zone_static_rr()).
	 */
	uint32_t hidden_rrs;
	size_t bytes;			/**< memory the zone holds */
};

/**
 * One zone as published: immutable, so any number of threads may read it
 * without locks; shared by the generations it did not change (reference
 * counted). It owns its shard array and change list and holds a
 * reference on each shard. The SOA is not a stored RRset: it is made from
 * these fields, so that the serial can move without touching a shard.
 */
struct table_zone {
	_Atomic uint32_t refs;			/**< generations holding it */
	uint8_t apex[TABLE_NAME_MAX];		/**< lower-case wire */
	uint8_t apex_len;
	const struct table_node *apex_node;
	uint8_t soa_mname[TABLE_NAME_MAX], soa_rname[TABLE_NAME_MAX];
	uint8_t soa_mname_len, soa_rname_len;
	uint32_t ttl, serial, soa_refresh, soa_retry, soa_expire, soa_minimum;
	uint32_t shard_mask;			/**< shards - 1 (a power of two) */
	struct table_shard **shards;		/**< by table_shard_of() */
	uint64_t content_hash;			/**< sum of the shards' */
	/**
	 * What changed since the zone table this one followed (prev_serial):
	 * the names whose records or existence changed, as lower-case wire,
	 * in no particular order. When changed_all is set (a first load, a
	 * reshard, over TABLE_CHANGES_MAX names) the list is empty and
	 * anything may have changed.
	 */
	uint32_t prev_serial;
	bool changed_all;
	uint32_t nchanged;
	const uint8_t *const *changed;		/**< each: a length octet, then the wire name */
	uint32_t shards_built;			/**< shards this zone table built anew */
	struct table_stats stats;
};

/**
 * One step of a zone's history: zone table @to followed @from, and its
 * change list names what differs between them (the serials differ).
 */
struct table_step {
	struct table_zone *from, *to;		/**< a reference on each */
};

/** Most steps of one zone's history a generation keeps (for IXFR). */
#define TABLE_HIST_STEPS 64

/** Most changed names the steps of one zone's history list in all. */
#define TABLE_HIST_NAMES 65536

/**
 * Most memory a zone's history keeps alive, in copies of the zone: each
 * step holds the shards its change rebuilt (shards_built) as they were,
 * and the steps' sum stays within this many times the zone's shards.
 */
#define TABLE_HIST_ZONE_COPIES 2

/**
 * The recent history of one zone of a generation, newest step first:
 * steps[0].to has the zone's serial, and each step's from has the serial
 * of the next step's to. It ends at a step that listed all names as
 * changed, at a zone table that did not follow the one before, or at the
 * limits above (steps, names, superseded shards).
 */
struct table_hist {
	uint32_t n;				/**< steps */
	struct table_step *steps;		/**< newest first */
};

/**
 * A generation: the zones served together, swapped in at once. Readers
 * hold it for one batch of requests; it holds a reference on each zone.
 */
struct table {
	uint32_t nzones;
	struct table_zone **zones;		/**< longest apex first */
	time_t built;				/**< wall clock when put together */
	/** Per zone, as zones[]: its history; NULL until table_hist_attach(). */
	struct table_hist *hist;
};

/** Most changed names a zone table lists before it says changed_all. */
#define TABLE_CHANGES_MAX 65536

/** The shard of a name whose table_hash() is @hash. */
static inline uint32_t
table_shard_of(uint64_t hash, uint32_t mask)
{
	return (uint32_t)(hash >> 40) & mask;
}

/** Hash of a lower-case wire name, as stored in table_node.hash. */
uint64_t table_hash(const uint8_t *wire, size_t len);

/**
 * Find the node of lower-case wire @name whose table_hash() is @hash in
 * zone @z. @return the node, or NULL if the name does not exist. Any thread.
 */
static inline const struct table_node *
table_lookup(const struct table_zone *z, const uint8_t *name, size_t len,
    uint64_t hash)
{
	const struct table_shard *s = z->shards[table_shard_of(hash, z->shard_mask)];
	uint32_t i = (uint32_t)hash & s->index_mask;

	for (;;) {
		uint32_t n = s->index[i];
		if (n == UINT32_MAX)
			return NULL;
		const struct table_node *node = &s->nodes[n];
		if (node->hash == hash && node->name_len == len &&
		    __builtin_memcmp(node->name, name, len) == 0)
			return node;
		i = (i + 1) & s->index_mask;
	}
}

/**
 * The zone of @t that lower-case wire @name is in (the one with the
 * longest apex), or NULL. Any thread.
 */
const struct table_zone *table_zone_find(const struct table *t,
    const uint8_t *name, size_t len);

/** The zone of @t (may be NULL) whose apex is lower-case wire @apex, or NULL. */
const struct table_zone *table_zone_of(const struct table *t,
    const uint8_t *apex, size_t len);

/**
 * Put a generation together from @n zone tables (references the caller
 * gives up, even on failure), at wall clock @now.
 * @return the generation, or NULL when out of memory or over TABLE_MAX_ZONES.
 */
struct table *table_new(struct table_zone **zones, uint32_t n, time_t now);

/** Take a reference on zone table @z (any thread that holds one, or reads it in a read section). */
static inline void
table_zone_ref(struct table_zone *z)
{
	atomic_fetch_add_explicit(&z->refs, 1, memory_order_relaxed);
}

/**
 * Give each zone of @t (not yet published) its history: that of the same
 * zone in @prev (the generation it replaces; may be NULL), with one step
 * more where the zone table changed serial and its change list follows
 * @prev's, trimmed to TABLE_HIST_STEPS and TABLE_HIST_NAMES. Writer
 * thread. @return 0, or -1 when out of memory (@t then has no history).
 */
int table_hist_attach(struct table *t, const struct table *prev);

/** Drop a reference on a zone table, freeing it with the last; NULL is a no-op. */
void table_zone_release(struct table_zone *z);

struct table_builder;

/**
 * Start building a table for @zone. @return NULL when out of memory or when
 * a zone name is not a valid domain name. One thread per builder.
 */
struct table_builder *table_builder_new(const struct zone_params *zone);

/**
 * Add an A or AAAA record (by @ip's family) at @name (dotted text, relative
 * names are not accepted). Duplicates are merged. A name that is not a
 * valid host name (labels of letters, digits, '-', '_'), is too long, or is
 * outside the zone is refused and counted in stats.skipped_names.
 * @return 0, or -1 when refused or out of memory.
 */
int table_add_addr(struct table_builder *b, const char *name, size_t namelen,
    const struct addr_ip *ip);

/**
 * Add an SRV record at @name pointing at @target:@port (priority 0, the
 * zone's weight), with the same rules for both names as table_add_addr().
 * @return 0 or -1.
 */
int table_add_srv(struct table_builder *b, const char *name, size_t namelen,
    const char *target, size_t targetlen, uint16_t port);

/**
 * Add a record of any type but SOA at @name (dotted text, as for
 * table_add_addr()) with RDATA @rdata as on the wire. @return 0 or -1.
 */
int table_add_rr(struct table_builder *b, const char *name, size_t namelen,
    uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen);

/**
 * Finish: a generation of the one zone. The SOA serial stays that of
 * @prev's zone of the same apex when the records are the same, otherwise
 * it becomes max(now, prev serial + 1). @prev may be NULL. Frees @b in
 * all cases. @return the table, or NULL when out of memory.
 */
struct table *table_builder_finish(struct table_builder *b,
    const struct table *prev, time_t now);

/** Abandon a builder; NULL is a no-op. */
void table_builder_free(struct table_builder *b);

/** Drop a reference on a shard, freeing it with the last; NULL is a no-op. */
void table_shard_release(struct table_shard *s);

/** Free a table no reader can still hold; NULL is a no-op. */
void table_free(struct table *t);

/**
 * Print every zone of @t as an RFC 1035 master file (per zone: SOA first,
 * then names in canonical order) to @out. @return 0, or -1 on a write
 * error or when out of memory.
 */
int table_dump(const struct table *t, FILE *out);

#endif
