/* zone.h -- the zone as the writer keeps it: names, referenced records, and publishing generations. */
#ifndef TASKDNS_ZONE_H
#define TASKDNS_ZONE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
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
 * @return a zone of @zp holding its apex NS record (to SOA MNAME), or
 * NULL when out of memory or when a name of @zp is not a domain name.
 */
struct zone *zone_new(const struct zone_params *zp);

/**
 * Take (@sign +1) or give back (@sign -1) a reference on the record of
 * @type with @ttl and RDATA @rdata (@rdlen octets, names uncompressed) at
 * lower-case wire @name, which must be in the zone. Records differing
 * only in TTL are one record in the RRset, which takes the smallest TTL.
 * @return 0, or -1 when out of memory, when @name is outside the zone,
 * when @type is SOA or a meta type, when @rdlen is over TABLE_RDATA_MAX,
 * or when a reference is given back that was never taken (a bug).
 */
int zone_rr(struct zone *z, int sign, const uint8_t *name, size_t len,
    uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen);

/**
 * zone_rr() for a record of a static zone file (writer thread). A name
 * holding any such record serves only those: the other records there
 * (generated ones) are withheld while it does, counted in
 * stats.hidden_rrs and logged when the collision starts and ends, and
 * served again when the static records are given back. The apex is not
 * subject to it (its NS stays). @return as zone_rr(), and -1 when a
 * static reference is given back that was never taken.
 */
int zone_static_rr(struct zone *z, int sign, const uint8_t *name, size_t len,
    uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen);

/**
 * Make @z a zone of a master file: the SOA MNAME and RNAME (wire @mname,
 * @rname) and the TTL, refresh, retry, expire and minimum of @zp are the
 * file's, and the generated apex NS is given back (the file's NS records
 * are the apex's). Call once, right after zone_new(). @return 0, or -1
 * when a name is not a wire name.
 */
int zone_own_soa(struct zone *z, const uint8_t *mname, size_t mlen,
    const uint8_t *rname, size_t rlen, const struct zone_params *zp);

/** zone_rr() of the A or AAAA record (by @ip's family) of @ip. */
int zone_addr(struct zone *z, int sign, const uint8_t *name, size_t len,
    uint32_t ttl, const struct addr_ip *ip);

/**
 * zone_rr() of the SRV record to lower-case wire @target (@tlen octets)
 * and @port, priority 0 and @weight, as Mesos-DNS serves them.
 */
int zone_srv(struct zone *z, int sign, const uint8_t *name, size_t len,
    uint32_t ttl, uint16_t weight, uint16_t port, const uint8_t *target,
    size_t tlen);

/** Whether anything changed since the last zone_publish(). */
bool zone_dirty(const struct zone *z);

/**
 * Publish: the zone as it is now, sharing the unchanged shards of the
 * last one. Its serial stays that of the zone of the same apex in @prev
 * (a generation, may be NULL) when the records are the same, otherwise it
 * becomes serial_next(prev serial, now): @now when greater (RFC 1982),
 * else prev serial + 1. Either way it is greater than the floor (the last
 * serial @z published, or zone_serial_floor()'s) unless it is @prev's. @return the zone table (one reference, the caller's),
 * or NULL when out of memory (the changes stay pending).
 */
struct table_zone *zone_publish(struct zone *z, const struct table *prev,
    time_t now);

/**
 * Set the floor of @z's serial to @saved (a serial served before, as the
 * serial file keeps it): the next serial zone_publish() gives @z is
 * greater than @saved in RFC 1982 arithmetic (the clock when it is
 * greater, else @saved + 1). A floor below the last serial published
 * (RFC 1982) changes nothing. Writer thread.
 */
void zone_serial_floor(struct zone *z, uint32_t saved);

struct serial_file;

/** zone_serial_floor() with what serial file @f (may be NULL) keeps for @z's apex, if anything. */
void zone_serial_floor_file(struct zone *z, const struct serial_file *f);

/**
 * zone_publish() as a generation of this zone alone (free with
 * table_free()), or NULL when out of memory.
 */
struct table *zone_publish_table(struct zone *z, const struct table *prev,
    time_t now);

/** This zone as published in generation @t (may be NULL), or NULL. */
const struct table_zone *zone_in(const struct zone *z, const struct table *t);

/** Count a name refused as unaskable (the stats.skipped_names of generations). */
void zone_skip(struct zone *z);

/** Free the zone (generations it published live on); NULL is a no-op. */
void zone_free(struct zone *z);

#endif
