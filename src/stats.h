/* stats.h -- counters, gauges and histograms: per-thread blocks written without locks, summed when read. */
#ifndef TASKDNS_STATS_H
#define TASKDNS_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "query.h"

/** Query types counted one by one (the others are "other"). */
enum stats_qtype {
	SQ_A = 0, SQ_AAAA, SQ_SRV, SQ_PTR, SQ_ANY, SQ_SOA, SQ_NS, SQ_MX, SQ_TXT,
	SQ_CNAME, SQ_AXFR, SQ_IXFR, SQ_OTHER,
	STATS_QTYPES
};

/** Response codes counted one by one (the others are "other"). */
enum stats_rcode {
	SR_NOERROR = 0, SR_FORMERR, SR_SERVFAIL, SR_NXDOMAIN, SR_NOTIMP,
	SR_REFUSED, SR_OTHER,
	STATS_RCODES
};

/** Why a TCP connection of a client was closed. */
enum stats_close {
	SC_CLIENT = 0,	/**< the client closed or reset it */
	SC_TIMEOUT,	/**< idle, a slow query or a stalled reader */
	SC_OVERFLOW,	/**< output or memory cap */
	SC_EVICTED,	/**< closed to make room for a new one */
	SC_ERROR,	/**< a malformed stream or a failed write */
	SC_SHUTDOWN,	/**< taskdns stopping */
	STATS_CLOSES
};

/** How a zone transfer request was answered. */
enum stats_xfr {
	SX_AXFR = 0,	/**< the whole zone sent (AXFR, or IXFR answered with it) */
	SX_IXFR,	/**< the differences sent (IXFR) */
	SX_UPTODATE,	/**< IXFR from the current serial or newer: one SOA */
	SX_REFUSED,	/**< client not in transferAllow (REFUSED) */
	SX_NOTAUTH,	/**< TSIG missing, unknown or wrong (NOTAUTH) */
	SX_BUSY,	/**< too many transfers running (SERVFAIL) */
	SX_UDP,		/**< AXFR over UDP (NOTIMP) */
	SX_ABORTED,	/**< started, not finished: closed, stalled, too long */
	STATS_XFRS
};

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
	/** The counters above are those stats_log() prints. */
	ST_LOGGED = ST_OUTCOME + QUERY_OUTCOMES,
	/** First of STATS_QTYPES: UDP requests by enum stats_qtype. */
	ST_REQ_UDP = ST_LOGGED,
	/** First of STATS_QTYPES: TCP requests by enum stats_qtype. */
	ST_REQ_TCP = ST_REQ_UDP + STATS_QTYPES,
	/** First of STATS_RCODES: responses sent by enum stats_rcode. */
	ST_RCODE = ST_REQ_TCP + STATS_QTYPES,
	/** First of STATS_CLOSES: TCP connections closed by enum stats_close. */
	ST_TCP_CLOSED = ST_RCODE + STATS_RCODES,
	/** First of STATS_XFRS: AXFR requests by enum stats_xfr. */
	ST_XFR_AXFR = ST_TCP_CLOSED + STATS_CLOSES,
	/** First of STATS_XFRS: IXFR requests by enum stats_xfr. */
	ST_XFR_IXFR = ST_XFR_AXFR + STATS_XFRS,
	ST_COUNT = ST_XFR_IXFR + STATS_XFRS
};

/** Gauges: each block holds its thread's part, the value is their sum. */
enum stats_gauge {
	SG_TCP_OPEN = 0,	/**< TCP connections of clients open */
	SG_TASKS,		/**< tasks the model holds (writer) */
	SG_AGENTS,		/**< agents the model knows (writer) */
	SG_FRAMEWORKS,		/**< frameworks the model knows (writer) */
	SG_READY,		/**< 1 once a first state is published (writer) */
	SG_COUNT
};

/** Histograms of durations. */
enum stats_hist_id {
	SH_DNS = 0,		/**< request received to answer sent */
	SH_BUILD,		/**< building a generation */
	SH_PROGRAMMING,		/**< master event received to its generation published */
	SH_XFR,			/**< a zone transfer: request to its last message sent */
	SH_COUNT
};

/** Most buckets of a histogram, +Inf excluded. */
#define STATS_BUCKETS_MAX 20

/**
 * One histogram: counts per bucket (not cumulative; the last is +Inf),
 * sum of the observations in nanoseconds, their number.
 */
struct stats_hist {
	_Atomic uint64_t b[STATS_BUCKETS_MAX + 1];	/**< per bucket, +Inf after the last */
	_Atomic uint64_t sum_ns;			/**< sum of the observations */
	_Atomic uint64_t count;				/**< observations */
};

/** A histogram's buckets: upper bounds first_ns, doubling, n of them. */
struct stats_buckets {
	uint64_t first_ns;	/**< the first upper bound */
	unsigned n;		/**< bounds, at most STATS_BUCKETS_MAX */
};

/** Upstream resolvers counted one by one; the last slot counts the rest. */
#define STATS_UPSTREAMS 32

/** One upstream resolver's counters in a block. */
struct stats_upstream {
	_Atomic uint64_t requests;	/**< tries sent (UDP, or TCP after TC) */
	_Atomic uint64_t timeouts;	/**< tries unanswered within "timeout" */
	_Atomic uint64_t errors;	/**< tries failed: socket error, reset, useless answer */
	struct stats_hist rtt;		/**< try sent to the answer relayed */
};

/**
 * Secondaries sent NOTIFY counted one by one; the last slot counts the
 * rest (more than config.h's CONFIG_MAX_NOTIFY, so none is "other").
 */
#define STATS_NOTIFY_TARGETS 17

/** One secondary's NOTIFY counters in a block. */
struct stats_notify {
	_Atomic uint64_t sent;		/**< NOTIFY messages sent (each try) */
	_Atomic uint64_t acked;		/**< NOTIFYs answered with NOERROR */
	_Atomic uint64_t failed;	/**< NOTIFYs answered with an error, or given up */
};

/** One thread's counters; written by that thread only. */
struct stats_block {
	_Atomic uint64_t c[ST_COUNT];		/**< counters, by enum stats_counter */
	_Atomic int64_t g[SG_COUNT];		/**< this thread's part of each gauge */
	struct stats_hist h[SH_COUNT];		/**< histograms, by enum stats_hist_id */
	struct stats_upstream up[STATS_UPSTREAMS];	/**< by stats_upstream_slot() */
	struct stats_notify nt[STATS_NOTIFY_TARGETS];	/**< by stats_notify_slot() */
};

/** A histogram's values summed over blocks; caller's storage. */
struct stats_hist_sum {
	uint64_t b[STATS_BUCKETS_MAX + 1];	/**< per bucket, not cumulative */
	uint64_t sum_ns, count;			/**< as in struct stats_hist */
};

/** An upstream's counters summed over blocks; caller's storage. */
struct stats_upstream_sum {
	uint64_t requests, timeouts, errors;	/**< as in struct stats_upstream */
	struct stats_hist_sum rtt;		/**< as in struct stats_upstream */
};

/** A secondary's NOTIFY counters summed over blocks; caller's storage. */
struct stats_notify_sum {
	uint64_t sent, acked, failed;		/**< as in struct stats_notify */
};

/**
 * A block for the calling thread, registered for stats_total().
 * Process lifetime. @return NULL when out of memory.
 */
struct stats_block *stats_block_new(void);

/** Count one event; single writer per block, so a plain add. */
static inline void
stats_add(_Atomic uint64_t *v, uint64_t n)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

/** Count one event; single writer per block, so a plain add. */
static inline void
stats_inc(struct stats_block *b, enum stats_counter c)
{
	stats_add(&b->c[c], 1);
}

/** Set this thread's part of gauge @g. */
static inline void
stats_set(struct stats_block *b, enum stats_gauge g, int64_t v)
{
	atomic_store_explicit(&b->g[g], v, memory_order_relaxed);
}

/** Buckets of each histogram; [SH_COUNT]: those of the upstream round trips. */
extern const struct stats_buckets stats_bucket_specs[SH_COUNT + 1];

/** The buckets of histogram @h (SH_COUNT: those of the upstream round trips). */
static inline const struct stats_buckets *
stats_buckets(enum stats_hist_id h)
{
	return &stats_bucket_specs[h];
}

/** Count @n observations of @ns nanoseconds into @h with buckets @bk. Owner thread only. */
static inline void
stats_hist_add(struct stats_hist *h, const struct stats_buckets *bk,
    uint64_t ns, uint64_t n)
{
	uint64_t bound = bk->first_ns;
	unsigned i = 0;

	while (i < bk->n && ns > bound) {
		bound <<= 1;
		i++;
	}
	stats_add(&h->b[i], n);
	stats_add(&h->sum_ns, ns * n);
	stats_add(&h->count, n);
}

/** Count @n observations of @ns nanoseconds in histogram @h of @b. */
static inline void
stats_observe(struct stats_block *b, enum stats_hist_id h, uint64_t ns,
    uint64_t n)
{
	stats_hist_add(&b->h[h], stats_buckets(h), ns, n);
}

/** The stats_qtype of query type @t. */
enum stats_qtype stats_qtype_of(uint16_t t);

/** The stats_rcode of response code @rcode. */
enum stats_rcode stats_rcode_of(unsigned rcode);

/** The label value of a query type: "A" ... "other" (static storage). */
const char *stats_qtype_name(enum stats_qtype q);

/** The label value of an rcode: "NOERROR" ... "other" (static storage). */
const char *stats_rcode_name(enum stats_rcode r);

/** The label value of a close reason: "client" ... "shutdown" (static storage). */
const char *stats_close_name(enum stats_close c);

/** The label value of a transfer answer: "axfr" ... "aborted" (static storage). */
const char *stats_xfr_name(enum stats_xfr x);

/**
 * The slot of upstream resolver @name ("ip:port"): the same for the same
 * name; STATS_UPSTREAMS - 1 (named "other") once the others are taken.
 * Any thread; called at startup.
 */
unsigned stats_upstream_slot(const char *name);

/** Upstream slots in use. Any thread. */
unsigned stats_upstreams(void);

/** The name of upstream slot @slot ("ip:port", "other"); process lifetime. Any thread. */
const char *stats_upstream_name(unsigned slot);

/**
 * The slot of secondary @name ("ip:port") for NOTIFY counters: the same
 * for the same name; STATS_NOTIFY_TARGETS - 1 ("other") once the others
 * are taken. Any thread; called at startup.
 */
unsigned stats_notify_slot(const char *name);

/** NOTIFY slots in use. Any thread. */
unsigned stats_notify_targets(void);

/** The name of NOTIFY slot @slot ("ip:port", "other"); process lifetime. Any thread. */
const char *stats_notify_name(unsigned slot);

/** NOTIFY slot @slot summed over all blocks into @out. Any thread. */
void stats_notify_total(unsigned slot, struct stats_notify_sum *out);

/** The sum of a counter over all blocks. Any thread. */
uint64_t stats_total(enum stats_counter c);

/** The sum of a gauge over all blocks. Any thread. */
int64_t stats_gauge(enum stats_gauge g);

/** Histogram @h summed over all blocks into @out. Any thread. */
void stats_hist_total(enum stats_hist_id h, struct stats_hist_sum *out);

/** Upstream slot @slot summed over all blocks into @out. Any thread. */
void stats_upstream_total(unsigned slot, struct stats_upstream_sum *out);

/**
 * A master told us something (a state fetched, a stream record, a
 * heartbeat included). Any thread.
 */
void stats_master_contact(void);

/**
 * Microseconds of CLOCK_MONOTONIC of the last stats_master_contact(), or,
 * before any, of the first stats_block_new() (taskdns starting).
 */
uint64_t stats_master_contact_us(void);

/** The metric-style name of a counter ("queries_udp", "outcome_nxdomain"). */
const char *stats_name(enum stats_counter c, char *buf, unsigned size);

/** Log every non-zero counter below ST_LOGGED on one line (SIGUSR1, exit). */
void stats_log(void);

/** Forget every count (unit tests; no thread may be counting). */
void stats_reset(void);

#endif
