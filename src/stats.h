/* stats.h -- counters: per-thread blocks written without locks, summed when read. */
#ifndef TASKDNS_STATS_H
#define TASKDNS_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "query.h"

/** Every counter taskdns keeps. */
enum stats_counter {
	ST_QUERIES_UDP = 0,	/**< requests received over UDP */
	ST_QUERIES_TCP,		/**< requests received over TCP */
	ST_TRUNCATED,		/**< answers sent with TC set */
	ST_FWD_SENT,		/**< queries sent to upstream resolvers (each try) */
	ST_FWD_ANSWERED,	/**< forwarded queries answered by an upstream */
	ST_FWD_TIMEOUTS,	/**< upstream tries that timed out */
	ST_FWD_ERRORS,		/**< upstream tries that failed (refused, reset) */
	ST_FWD_TCP,		/**< upstream retries over TCP after TC */
	ST_FWD_SERVFAIL,	/**< forwarded queries no upstream answered */
	ST_FWD_FULL,		/**< forwards refused: forwardMaxPending reached */
	ST_FWD_RETRIES,		/**< next resolver asked before the first answered */
	ST_FWD_PROBES,		/**< probe queries to resolvers being skipped */
	ST_FWD_DENIED,		/**< forwards refused: client not in forwardAllow */
	ST_TCP_ACCEPTED,	/**< TCP connections accepted */
	ST_TCP_REJECTED,	/**< TCP connections refused: no room even after eviction */
	ST_TCP_EVICTED,		/**< idlest TCP connections closed to make room */
	ST_TCP_TIMEOUTS,	/**< TCP connections closed: idle, slow query or stalled reader */
	ST_TCP_OVERFLOW,	/**< TCP connections closed: output or memory cap */
	ST_REFRESH_OK,		/**< state loads that produced a table */
	ST_REFRESH_FAILED,	/**< state loads that failed (old table kept) */
	ST_EVENTS,		/**< event stream records applied to the model */
	ST_STREAM_SUBSCRIBED,	/**< subscriptions to the event stream that began */
	ST_STREAM_LOST,		/**< subscriptions that ended or failed */
	ST_GENERATIONS,		/**< record generations published */
	ST_OUTCOME,		/**< first of QUERY_OUTCOMES counters by outcome */
	ST_COUNT = ST_OUTCOME + QUERY_OUTCOMES
};

/** One thread's counters; written by that thread only. */
struct stats_block {
	_Atomic uint64_t c[ST_COUNT];
};

/**
 * A block for the calling thread, registered for stats_total().
 * Process lifetime. @return NULL when out of memory.
 */
struct stats_block *stats_block_new(void);

/** Count one event; single writer per block, so a plain add. */
static inline void
stats_inc(struct stats_block *b, enum stats_counter c)
{
	atomic_store_explicit(&b->c[c],
	    atomic_load_explicit(&b->c[c], memory_order_relaxed) + 1,
	    memory_order_relaxed);
}

/** The sum of a counter over all blocks. Any thread. */
uint64_t stats_total(enum stats_counter c);

/** The metric-style name of a counter ("queries_udp", "outcome_nxdomain"). */
const char *stats_name(enum stats_counter c, char *buf, unsigned size);

/** Log every non-zero counter on one line (SIGUSR1, exit). */
void stats_log(void);

#endif
