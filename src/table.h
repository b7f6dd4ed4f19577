/* table.h -- the immutable record table: built off the query path, read by many. */
#ifndef TASKDNS_TABLE_H
#define TASKDNS_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "addr.h"

/** The RR types a node can hold, as indexes into table_node.first/count. */
enum table_type {
	TABLE_A = 0,
	TABLE_AAAA = 1,
	TABLE_SRV = 2,
	TABLE_NTYPES = 3
};

/** Longest wire name, octets (RFC 1035 2.3.4). */
#define TABLE_NAME_MAX 255

/** One SRV record; priority is always 0 and weight is per table. */
struct table_srv {
	uint16_t port;
	uint8_t target_len;			/**< wire length of target */
	const uint8_t *target;			/**< lower-case wire, shard memory */
	uint64_t target_hash;			/**< table_hash() of target, for glue */
};

/** A name that exists in the zone: an owner of records or an empty non-terminal. */
struct table_node {
	uint64_t hash;				/**< table_hash() of name */
	const uint8_t *name;			/**< lower-case wire, shard memory */
	uint8_t name_len;
	uint32_t count[TABLE_NTYPES];		/**< 0: no RRset of that type */
	const uint8_t (*a)[4];			/**< count[TABLE_A] addresses */
	const uint8_t (*aaaa)[16];		/**< count[TABLE_AAAA] addresses */
	const struct table_srv *srv;		/**< count[TABLE_SRV] records */
};

/**
 * A part of a table: the names whose hash falls in it, with their records
 * and an index. Immutable and shared by every generation that did not
 * change it (reference counted), so publishing a change costs the shards
 * it touches, not the zone. One allocation holds it all.
 */
struct table_shard {
	_Atomic uint32_t refs;			/**< generations holding it */
	uint32_t nnodes;
	const struct table_node *nodes;
	const uint32_t *index;			/**< open addressing: node or UINT32_MAX */
	uint32_t index_mask;
	uint32_t rrs[TABLE_NTYPES];		/**< records per type */
	uint64_t content_hash;			/**< order-independent hash of its records */
	size_t bytes;				/**< memory it holds */
};

/** Zone parameters a builder is given (copied; the caller keeps its own). */
struct table_zone {
	const char *apex;		/**< "mesos" */
	const char *soa_mname;		/**< "ns1.mesos." */
	const char *soa_rname;		/**< "root.ns1.mesos." */
	uint32_t ttl;			/**< TTL of every record, SOA and NS included */
	uint32_t soa_refresh, soa_retry, soa_expire, soa_minimum;
	uint16_t srv_weight;		/**< weight of every SRV record */
};

/** Counts of one table, for logs and metrics. */
struct table_stats {
	uint32_t nodes;			/**< names that exist, ENTs included */
	uint32_t rrs[TABLE_NTYPES];	/**< records per type after de-duplication */
	uint32_t skipped_names;		/**< names refused as unaskable or out of zone */
	size_t bytes;			/**< memory the table holds */
};

/**
 * A record table, one generation of the zone: immutable once published,
 * so any number of threads may read it without locks. Generation
 * lifetime: it owns its shard array and change list and holds a
 * reference on each shard; table_free() releases them.
 */
struct table {
	uint8_t apex[TABLE_NAME_MAX];		/**< lower-case wire */
	uint8_t apex_len;
	const struct table_node *apex_node;
	uint8_t soa_mname[TABLE_NAME_MAX], soa_rname[TABLE_NAME_MAX];
	uint8_t soa_mname_len, soa_rname_len;
	uint32_t ttl, serial, soa_refresh, soa_retry, soa_expire, soa_minimum;
	uint16_t srv_weight;
	uint32_t shard_mask;			/**< shards - 1 (a power of two) */
	struct table_shard **shards;		/**< by table_shard_of() */
	uint64_t content_hash;			/**< sum of the shards' */
	time_t built;				/**< wall clock when finished */
	/**
	 * What changed since the generation this one followed (prev_serial):
	 * the names whose records or existence changed, as lower-case wire,
	 * in no particular order. When changed_all is set (a first load, a
	 * reshard, over TABLE_CHANGES_MAX names) the list is empty and
	 * anything may have changed.
	 */
	uint32_t prev_serial;
	bool changed_all;
	uint32_t nchanged;
	const uint8_t *const *changed;		/**< each: a length octet, then the wire name */
	uint32_t shards_built;			/**< shards this generation built anew */
	struct table_stats stats;
};

/** Most changed names a generation lists before it says changed_all. */
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
 * Find the node of lower-case wire @name whose table_hash() is @hash.
 * @return the node, or NULL if the name does not exist. Any thread.
 */
static inline const struct table_node *
table_lookup(const struct table *t, const uint8_t *name, size_t len,
    uint64_t hash)
{
	const struct table_shard *s = t->shards[table_shard_of(hash, t->shard_mask)];
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

struct table_builder;

/**
 * Start building a table for @zone. @return NULL when out of memory or when
 * a zone name is not a valid domain name. One thread per builder.
 */
struct table_builder *table_builder_new(const struct table_zone *zone);

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
 * Add an SRV record at @name pointing at @target:@port, with the same rules
 * for both names as table_add_addr(). @return 0 or -1.
 */
int table_add_srv(struct table_builder *b, const char *name, size_t namelen,
    const char *target, size_t targetlen, uint16_t port);

/**
 * Finish: add empty non-terminals, merge duplicates, index. The SOA serial
 * stays that of @prev when the records are the same, otherwise it becomes
 * max(now, prev serial + 1). @prev may be NULL. Frees @b in all cases.
 * @return the table, or NULL when out of memory.
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
 * Print the whole table as an RFC 1035 master file (SOA first, then names in
 * canonical order) to @out. @return 0 or -1 on a write error.
 */
int table_dump(const struct table *t, FILE *out);

#endif
