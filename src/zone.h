/* zone.h -- the zone as the writer keeps it: names, referenced records, and publishing generations. */
#ifndef TASKDNS_ZONE_H
#define TASKDNS_ZONE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "table.h"

/**
 * The mutable zone. Each record is held by references (two tasks with
 * the same address at the same name give one A record held twice), so a
 * source takes back exactly what it gave. Empty non-terminals exist while
 * a name below them does (RFC 4592 2.2.2). Names are spread over shards
 * by hash; publishing rebuilds only the shards that changed and shares
 * the others with the previous generation. Process lifetime; one writer
 * thread.
 */
struct zone;

/** Names per shard above which the zone reshards (a named limit). */
#define ZONE_SHARD_NAMES 1024

/**
 * @return an empty zone (the apex only) for @zp, or NULL when out of
 * memory or when a name of @zp is not a valid domain name.
 */
struct zone *zone_new(const struct table_zone *zp);

/**
 * Take (@sign +1) or give back (@sign -1) a reference on the record of
 * @type at lower-case wire @name (which must be in the zone): for A and
 * AAAA @data is the address (4 or 16 octets), for SRV the lower-case
 * wire target and @port the port.
 * @return 0, or -1 when out of memory, when @name is outside the zone, or
 * when a reference is given back that was never taken (a bug).
 */
int zone_rr(struct zone *z, int sign, const uint8_t *name, size_t len,
    enum table_type type, const uint8_t *data, size_t dlen, uint16_t port);

/** Whether anything changed since the last zone_publish(). */
bool zone_dirty(const struct zone *z);

/**
 * Publish: a new generation sharing the unchanged shards of the last one.
 * The serial stays that of @prev when the records are the same, otherwise
 * it becomes max(now, prev serial + 1) (RFC 1982 arithmetic is the
 * reader's: it only grows). @prev may be NULL.
 * @return the table (free with table_free()), or NULL when out of memory
 * (the changes stay pending).
 */
struct table *zone_publish(struct zone *z, const struct table *prev,
    time_t now);

/** Count a name refused as unaskable (the stats.skipped_names of generations). */
void zone_skip(struct zone *z);

/** Free the zone (generations it published live on); NULL is a no-op. */
void zone_free(struct zone *z);

#endif
