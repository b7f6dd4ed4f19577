/* query.h -- answer one DNS request from a record table: bytes in, bytes out, no sockets. */
#ifndef TASKDNS_QUERY_H
#define TASKDNS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

struct table;
struct table_zone;

/** Answering options; process lifetime, read-only while serving. */
struct query_opts {
	uint8_t apex[NAMES_WIRE_MAX];	/**< the domain, lower-case wire */
	size_t apex_len;
	bool recurse_on;		/**< set RA (config recurseon) */
	bool external_on;		/**< forward names outside the domain */
	uint16_t udp_max;		/**< our largest EDNS UDP answer, >= 512 */
};

/** What the caller does with a request. */
enum query_action {
	QUERY_REPLY = 0,	/**< send the response written into the buffer */
	QUERY_FORWARD,		/**< a name outside the domain: hand to the forwarder */
	QUERY_DROP,		/**< no response at all (a response, or no header) */
	QUERY_XFR		/**< AXFR or IXFR of qi->zone: the caller decides and sends */
};

/** How a request ended, for counters. */
enum query_outcome {
	QUERY_OK = 0,		/**< NOERROR with answers */
	QUERY_NODATA,		/**< NOERROR, no answer, SOA in authority */
	QUERY_NXDOMAIN,
	QUERY_FORMERR,
	QUERY_NOTIMP,
	QUERY_REFUSED,
	QUERY_SERVFAIL,
	QUERY_BADVERS,
	QUERY_FORWARDED,
	QUERY_DROPPED,
	QUERY_TRANSFER,		/**< AXFR or IXFR at a zone's apex (QUERY_XFR) */
	QUERY_NOTAUTH,		/**< AXFR or IXFR below a zone's apex, or a transfer refused for its TSIG */
	QUERY_OUTCOMES
};

/** What query_answer() learnt about a request; request lifetime. */
struct query_info {
	enum query_action action;
	enum query_outcome outcome;
	uint16_t id;			/**< the client's message id */
	uint16_t flags;			/**< the client's header flags */
	uint16_t qtype, qclass;
	const uint8_t *qname;		/**< as received, points into the request */
	size_t qname_len;
	size_t qend;			/**< offset just past the question; 0 if none */
	bool edns;			/**< the request carried an OPT record */
	bool edns_do;			/**< its DO bit */
	uint16_t udp_limit;		/**< largest UDP answer the client takes (forwarded: and we send) */
	bool truncated;			/**< the response has TC set */
	const struct table_zone *zone;	/**< QUERY_XFR: the zone (of the caller's generation) */
	bool ixfr_soa;			/**< the request had an SOA in authority (IXFR, RFC 1995 3) */
	uint32_t ixfr_serial;		/**< its serial */
	size_t tsig_at;			/**< offset of a TSIG record, the last one; 0: none */
	uint8_t lname[NAMES_WIRE_MAX];	/**< qname lower-cased (last: not cleared) */
};

/**
 * Answer request @req (@reqlen octets) from table @t (NULL: nothing loaded
 * yet, answer SERVFAIL for the domain) into @resp (@respmax >= 65535 for
 * TCP, >= @o->udp_max for UDP). @rng is the caller's PRNG state for the
 * per-query shuffle. Fills @qi. No allocation, no locks, no logging.
 * @return the response length (0 unless qi->action is QUERY_REPLY).
 */
size_t query_answer(const struct table *t, const struct query_opts *o,
    const uint8_t *req, size_t reqlen, bool tcp, uint64_t *rng,
    uint8_t *resp, size_t respmax, struct query_info *qi);

/**
 * Write an error reply with @rcode to a request query_answer() parsed
 * (header, the question, an OPT when the client used EDNS).
 * @return its length.
 */
size_t query_error(const struct query_opts *o, const struct query_info *qi,
    const uint8_t *req, uint8_t rcode, uint8_t *resp, size_t respmax);

/** Longest query query_upstream() writes: header, longest question, OPT. */
#define QUERY_UPSTREAM_MAX (12 + 255 + 4 + 11)

/**
 * Write the query to send upstream for request @req that query_answer()
 * forwarded (@qi): message id @id, opcode QUERY with the client's RD, AD
 * and CD, the question as asked, and, when the client used EDNS, our own
 * OPT (UDP size @udp_size, the client's DO, no options): nothing else of
 * the client's request travels. @return its length (at most
 * QUERY_UPSTREAM_MAX), 0 if it does not fit @outmax.
 */
size_t query_upstream(const struct query_info *qi, const uint8_t *req,
    uint16_t udp_size, uint16_t id, uint8_t *out, size_t outmax);

/**
 * Check that upstream response @up answers the request of @qi: a response,
 * and (unless it is an error without a question) the same question.
 */
bool query_matches(const struct query_info *qi, const uint8_t *up, size_t uplen,
    uint16_t upstream_id);

/**
 * Prepare upstream response @up for the client in place: restore the
 * client's id; over UDP, when it exceeds qi->udp_limit (the client's size,
 * at most our ednsUdpSize), cut it to header and question with TC set so
 * the client retries over TCP.
 * @return the length to send.
 */
size_t query_relay(const struct query_info *qi, uint8_t *up, size_t uplen,
    bool tcp);

/** Short name of an outcome ("nxdomain"), for logs and metrics. */
const char *query_outcome_name(enum query_outcome o);

#endif
