/* zonefile.h -- static zone files (RFC 1035 master files, read by ldns): whole local zones and names inside the cluster domain. */
#ifndef TASKDNS_ZONEFILE_H
#define TASKDNS_ZONEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct table;
struct zone;

/** Largest zone file, octets (a named limit). */
#define ZONEFILE_MAX_BYTES (16u << 20)

/** Most records in one zone file (a named limit). */
#define ZONEFILE_MAX_RRS_FILE 100000

/** Most records in all zone files together (a named limit). */
#define ZONEFILE_MAX_RRS 1000000

/**
 * Most zone files, and so most whole zones: a generation serves at most
 * TABLE_MAX_ZONES, and the rest are the cluster domain and its reverse
 * zones (a named limit).
 */
#define ZONEFILE_MAX_FILES 128

/** Longest error line zonefile_load() writes. */
#define ZONEFILE_ERR_MAX 1024

/**
 * The zone files as loaded, immutable: the whole zones (a file whose
 * first record is an SOA), each published once as a zone table, and the
 * records inside the cluster domain (files without an SOA). Reference
 * counted: the loader's caller and the writer thread each hold one.
 */
struct zonefile_set;

/**
 * Load the master files @paths (@n of them) for cluster domain @domain
 * (dotted, no trailing dot) with default TTL @ttl. A whole zone whose
 * file is unchanged since @prev (may be NULL) keeps its zone table, so
 * its serial; a changed one takes its file's serial (a warning is logged
 * when it did not grow, RFC 1982). Any thread; reads files, allocates.
 * @return a set (one reference, the caller's), or NULL with one line
 * "FILE:LINE: what" (or "FILE: what") in @err (@errlen octets).
 */
struct zonefile_set *zonefile_load(const char *const *paths, size_t n,
    const char *domain, uint32_t ttl, const struct zonefile_set *prev,
    time_t now, char *err, size_t errlen);

/** Take one more reference on @s. @return @s. */
struct zonefile_set *zonefile_set_ref(struct zonefile_set *s);

/** Drop a reference on @s, freeing it with the last; NULL is a no-op. */
void zonefile_set_free(struct zonefile_set *s);

/**
 * Move zone @z (the cluster domain's, writer thread) from the records
 * inside the domain of @old to those of @new (either may be NULL): the
 * new ones are taken first, then the old ones given back, so a record in
 * both never leaves. @return 0, or -1 when out of memory (then @z holds
 * @old's, as before).
 */
int zonefile_apply(struct zone *z, const struct zonefile_set *old,
    const struct zonefile_set *new);

/**
 * The generation @t (given up, even on failure) with the whole zones of
 * @s (may be NULL) beside its own, at wall clock @now; a zone of @t with
 * the apex of one of @s (a reverse zone) is left out. @return the new
 * generation, or NULL when out of memory or over TABLE_MAX_ZONES.
 */
struct table *zonefile_join(struct table *t, const struct zonefile_set *s,
    time_t now);

/** Whole zones in @s (NULL: 0). */
size_t zonefile_zones(const struct zonefile_set *s);

/** Records inside the cluster domain in @s (NULL: 0). */
size_t zonefile_domain_rrs(const struct zonefile_set *s);

#endif
