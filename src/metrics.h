/* metrics.h -- the counters, gauges and histograms in the Prometheus text format (0.0.4). */
#ifndef TASKDNS_METRICS_H
#define TASKDNS_METRICS_H

#include <stdint.h>

struct evbuffer;
struct rcu;

/** The renderer's context: what it reads besides src/stats.h. */
struct metrics;

/**
 * A renderer reading the generation in service from @rcu (which must
 * outlive it; NULL: no records or serial families have series).
 * Process lifetime. @return NULL when out of memory.
 */
struct metrics *metrics_new(struct rcu *rcu);

/** Free; NULL is a no-op. After the last metrics_render(). */
void metrics_free(struct metrics *m);

/**
 * Make @m read the monotonic clock in microseconds from @now (unit tests:
 * a fixed model age). NULL restores the real clock.
 */
void metrics_set_clock(struct metrics *m, uint64_t (*now)(void));

/**
 * Append every metric family, with its # HELP and # TYPE lines, to @out
 * in the Prometheus text exposition format 0.0.4. @arg is a struct
 * metrics. One thread at a time: the first call claims an RCU reader
 * slot for the calling thread, and later calls must come from it (the
 * HTTP server's thread). No lock is taken that a responder waits on.
 * @return 0, or -1 when @out could not grow (what was added stays).
 */
int metrics_render(struct evbuffer *out, void *arg);

#endif
