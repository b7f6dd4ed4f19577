/* dnsnotify.h -- DNS NOTIFY (RFC 1996) to the secondaries of "notify" when a zone's serial moves. */
#ifndef TASKDNS_DNSNOTIFY_H
#define TASKDNS_DNSNOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct config;

/** Zones tracked at once (a named limit: a generation's TABLE_MAX_ZONES). */
#define DNSNOTIFY_MAX_ZONES 256

/** Tries of one NOTIFY to one secondary: the first and four retries. */
#define DNSNOTIFY_TRIES 5

/** The wait for an answer after the first try; it doubles with each try. */
#define DNSNOTIFY_RETRY_MS 1000

/** The longest wait for an answer: after the fourth and the fifth try. */
#define DNSNOTIFY_RETRY_MAX_MS 8000

/**
 * The NOTIFY sender: its own thread and event loop, one connected UDP
 * socket per secondary. Process lifetime.
 */
struct dnsnotify;

/**
 * A sender to the secondaries of c->notify (@c must outlive it); it
 * registers their counters (stats_notify_slot()). Nothing is sent
 * before dnsnotify_start(). Main thread.
 * @return NULL when out of memory.
 */
struct dnsnotify *dnsnotify_new(const struct config *c);

/**
 * Open the sockets and start the thread. A socket that cannot be opened
 * now is logged and tried again at each send.
 * @return 0, or -1 when the thread or its loop cannot be made.
 */
int dnsnotify_start(struct dnsnotify *n);

/**
 * Tell every secondary that the zone of lower-case wire name @apex
 * (@apex_len octets) now has serial @serial. Any thread; never blocks
 * on the network (a lock held for a copy, one write to a pipe).
 * Coalesced: while a NOTIFY of the zone to a secondary is unanswered,
 * the newest serial replaces the one waiting, goes out at its next try
 * (at most DNSNOTIFY_RETRY_MS after the last one) and has
 * DNSNOTIFY_TRIES tries of its own. Past DNSNOTIFY_MAX_ZONES zones
 * waiting or tracked, the zone is logged and not notified.
 */
void dnsnotify_zone(struct dnsnotify *n, const uint8_t *apex, size_t apex_len,
    uint32_t serial);

/** Stop and join the thread; what is unanswered is dropped. Main thread. */
void dnsnotify_stop(struct dnsnotify *n);

/** Stop, close the sockets and free; NULL is a no-op. Main thread. */
void dnsnotify_free(struct dnsnotify *n);

#endif
