/* xfr.h -- zone transfers out (AXFR, RFC 5936; IXFR, RFC 1995) as streams of messages from a generation. */
#ifndef TASKDNS_XFR_H
#define TASKDNS_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct table;
struct table_zone;

/** Largest message a transfer writes, octets (compression pointers reach all of it). */
#define XFR_MSG_MAX 16384

/** Longest a transfer may take before the server gives it up, ms. */
#define XFR_TIME_MAX_MS (300 * 1000)

/** How a transfer answers. */
enum xfr_kind {
	XFR_AXFR = 0,		/**< the whole zone, SOA first and last */
	XFR_IXFR,		/**< the differences since the client's serial */
	XFR_IXFR_AXFR,		/**< IXFR asked, serial unknown: the whole zone */
	XFR_IXFR_SOA,		/**< IXFR asked, the client is up to date: one SOA */
	XFR_KINDS
};

struct xfr;

/**
 * Start a transfer of zone @z of generation @t (the caller holds the read
 * section; the transfer takes references and needs neither afterwards).
 * @ixfr: an IXFR was asked with client serial @serial. @question is the
 * request's question (name as received, type, class: @qlen octets), put
 * in the first message; @id its message id; @edns_size, when not 0, the
 * UDP size of an OPT record the first message carries (the request had
 * one, RFC 6891 7). Allocates.
 * @return the transfer, or NULL when out of memory.
 */
struct xfr *xfr_new(const struct table *t, const struct table_zone *z,
    bool ixfr, uint32_t serial, const uint8_t *question, size_t qlen,
    uint16_t id, uint16_t edns_size);

/** How @x answers (decided by xfr_new()). */
enum xfr_kind xfr_kind(const struct xfr *x);

/** The serial of the zone being sent. */
uint32_t xfr_serial(const struct xfr *x);

/**
 * Write the next message of @x into @buf: at most @max octets (at most
 * XFR_MSG_MAX are used), leaving @reserve of them free (for a TSIG
 * record). @return its length, or 0 when the transfer is complete.
 */
size_t xfr_next(struct xfr *x, uint8_t *buf, size_t max, size_t reserve);

/** Whether the last message of @x has been written. */
bool xfr_done(const struct xfr *x);

/** Records written so far. */
uint64_t xfr_records(const struct xfr *x);

/** Free a transfer (complete or not); NULL is a no-op. */
void xfr_free(struct xfr *x);

/** Name of a kind for logs and metrics ("axfr", "ixfr", ...). */
const char *xfr_kind_name(enum xfr_kind k);

#endif
