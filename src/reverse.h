/* reverse.h -- the reverse zones (in-addr.arpa, ip6.arpa) the writer keeps beside the domain zone: PTR records by address prefix. */
#ifndef TASKDNS_REVERSE_H
#define TASKDNS_REVERSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "table.h"

struct serial_file;
struct zone;

/**
 * Most reverse zones served at once (a named limit): a generation holds
 * TABLE_MAX_ZONES zones, one of which is the domain.
 */
#define REVERSE_MAX_ZONES (TABLE_MAX_ZONES - 1)

/**
 * Reverse zones taskdns serves (named or derived): beside the domain and
 * the ZONEFILE_MAX_FILES whole zones zoneFiles may add, a generation's
 * TABLE_MAX_ZONES (asserted in model.c).
 */
#define REVERSE_ZONES_SERVED 127

/** Prefix length of a derived zone: one per /24 for IPv4 ... */
#define REVERSE_DERIVED_BITS4 24
/** ... and one per /64 for IPv6. */
#define REVERSE_DERIVED_BITS6 64

/**
 * The reverse zones and their PTR records. With named zones (reverseZones)
 * those zones exist for the life of the process and addresses outside them
 * get no PTR; without, a zone per /24 (IPv4) or /64 (IPv6) exists while an
 * address in it has a PTR, up to REVERSE_MAX_ZONES zones. A prefix refused
 * over the cap stays refused until every PTR refused in it is given back,
 * so that giving back mirrors taking exactly. Process lifetime; one writer
 * thread (the model's).
 */
struct reverse;

/** Counts of PTR references not served, for logs and metrics. */
struct reverse_counts {
	uint32_t zones;		/**< reverse zones served */
	uint32_t outside;	/**< PTRs whose address is in no named zone */
	uint32_t capped;	/**< PTRs refused: their derived zone was over the cap */
};

/**
 * True if @net is a reverse zone taskdns can serve: an IPv4 prefix of 8,
 * 16, 24 or 32 bits (an octet boundary) or an IPv6 prefix of a multiple
 * of 4 bits from 4 to 128 (a nibble boundary). Any thread.
 */
bool reverse_cidr_ok(const struct addr_cidr *net);

/**
 * The apex of the reverse zone of @net as dotted text without a trailing
 * dot ("7.168.192.in-addr.arpa") into @out (@size octets; 80 suffice).
 * @return its length, or -1 when @net is not reverse_cidr_ok(). Any thread.
 */
int reverse_apex(const struct addr_cidr *net, char *out, size_t size);

/**
 * Reverse zones with the SOA values, TTL and name server of @zp (copied;
 * its apex is not used), the @n named zones @named (copied; each
 * reverse_cidr_ok(), no two the same), or derived zones when @n is 0; at
 * most @max zones (REVERSE_MAX_ZONES at most: what a generation holds
 * beside the other zones published with them). @return NULL when out of
 * memory or when a zone is not acceptable or over @max. Writer thread.
 */
struct reverse *reverse_new(const struct zone_params *zp,
    const struct addr_cidr *named, size_t n, uint32_t max);

/** Free the zones (generations they were published in live on); NULL is a no-op. */
void reverse_free(struct reverse *rv);

/**
 * Take (@sign +1) or give back (@sign -1) a reference on the PTR record
 * from @ip to lower-case wire @target (@tlen octets) with @ttl. An
 * address in no zone, or in a derived zone over the cap, is counted
 * instead (the first refusal over the cap is logged). @return 0, or -1
 * when out of memory or when a reference is given back that was never
 * taken (a bug). Writer thread.
 */
int reverse_ptr(struct reverse *rv, int sign, const struct addr_ip *ip,
    const uint8_t *target, size_t tlen, uint32_t ttl);

/**
 * Give every reverse zone, those served now and those made later, the
 * serial floor (zone_serial_floor()) that @f (may be NULL: none; kept,
 * not copied, and read when a zone is made) remembers for its apex.
 * Writer thread.
 */
void reverse_serial_floors(struct reverse *rv, const struct serial_file *f);

/** Whether any reverse zone changed, came or went since the last publish. */
bool reverse_dirty(const struct reverse *rv);

/**
 * Publish the reverse zones of @rv into @out (@room slots; see
 * zone_publish(); @prev is the generation in service): a zone that did not
 * change is the very zone table of the last generation (shared).
 * @return how many (each a reference the caller takes), or -1 when out of
 * memory or over @room (nothing is left in @out then). Writer thread.
 */
int reverse_publish(struct reverse *rv, const struct table *prev, time_t now,
    struct table_zone **out, uint32_t room);

/**
 * Publish the domain zone @z (see zone_publish()) and the reverse zones of
 * @rv (NULL: none) as one generation. A reverse zone that did not change
 * is the very zone table of the last generation (shared). @return the
 * table (free with table_free()), or NULL when out of memory (the changes
 * stay pending). Writer thread.
 */
struct table *reverse_publish_table(struct reverse *rv, struct zone *z,
    const struct table *prev, time_t now);

/** Fill @c (zeroes for @rv NULL). */
void reverse_counts(const struct reverse *rv, struct reverse_counts *c);

#endif
